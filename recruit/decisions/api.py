"""JSON API for results and decisions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from recruit import permissions
from recruit.core.api import Body, Id, endpoint, parse_body
from recruit.core.errors import Conflict, Forbidden
from recruit.core.idempotency import run_once
from recruit.decisions import operations
from recruit.extensions import db
from recruit.scoring.results import two, vacancy_results
from recruit.vacancies.api import load_vacancy
from recruit.vacancies.models import Status


class ResultsPanelOut(BaseModel):
    id: int
    name: str
    kind: str
    weight: float


class PanelScoreOut(BaseModel):
    panel_id: int
    score: float | None
    contribution: float | None
    submitted: int
    expected: int
    set_aside: int = Field(
        description="sheets sent by members who then declared a conflict: kept, never counted"
    )


class CandidateResultOut(BaseModel):
    candidate_id: int
    alias: str
    overall: float | None
    rank: int | None
    complete: bool
    panels: list[PanelScoreOut]
    flags: list[str]
    people_supported_score: float | None
    people_supported_rank: int | None


class ResultsOut(BaseModel):
    vacancy_id: int
    panels: list[ResultsPanelOut]
    candidates: list[CandidateResultOut]


class DecisionIn(Body):
    candidate_id: Id
    outcome: str = Field(max_length=20, description="appoint, reserve or not_appointed")
    rationale: str = Field(max_length=5000)
    override_reason: str | None = Field(default=None, max_length=5000)


class DecisionOut(BaseModel):
    id: int
    candidate_id: int
    outcome: str
    rationale: str
    override_reason: str
    flags: list[str]
    decided_at: datetime


@endpoint(
    "/vacancies/<int:vacancy_id>/results",
    "GET",
    summary="Combined scores with each panel's contribution, ranks and flags (HR, its panel "
    "leads). A panel lead who still has a scoresheet to send (for a candidate in the running "
    "they have no conflict with) gets 403 own_scoresheets_first: nobody reads others' scores "
    "before sending their own. HR does not score and is not affected.",
    response=ResultsOut,
    errors=(403, 404, 409),
)
def results(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_see_results,
        "Only HR and this vacancy's panel leads can see the combined results.",
    )
    if vacancy.before(Status.INTERVIEWING) or vacancy.status == Status.WITHDRAWN:
        raise Conflict("There are no results before interviewing starts.", code="no_results_yet")
    unsent = operations.figures_held_back(user, vacancy)
    if unsent:
        raise Forbidden(
            "Send your own scores first: you see the others' scores once you have sent yours "
            f"(still to send: {', '.join(unsent.values())}).",
            code="own_scoresheets_first",
        )
    panels, candidates = vacancy_results(vacancy)
    # Plain dicts in the shape of ResultsOut (its schema is the contract): validating a few
    # hundred rows we have just computed ourselves would cost more than computing them.
    return {
        "vacancy_id": vacancy.id,
        "panels": [
            {"id": p.id, "name": p.name, "kind": p.kind, "weight": p.weight} for p in panels
        ],
        "candidates": [
            {
                "candidate_id": c.candidate_id,
                "alias": c.alias,
                "overall": two(c.overall),
                "rank": c.rank,
                "complete": c.complete,
                "panels": [
                    {
                        "panel_id": p.panel_id,
                        "score": two(p.score),
                        "contribution": two(p.contribution),
                        "submitted": p.submitted,
                        "expected": p.expected,
                        "set_aside": p.set_aside,
                    }
                    for p in c.panels
                ],
                "flags": c.flags,
                "people_supported_score": two(c.people_supported_score),
                "people_supported_rank": c.people_supported_rank,
            }
            for c in candidates
        ],
    }


@endpoint(
    "/vacancies/<int:vacancy_id>/decisions",
    "POST",
    summary="Record the outcome for a candidate with its rationale (HR, its panel lead). "
    "Sending the same decision again changes nothing; header Idempotency-Key makes a retry safe.",
    body=DecisionIn,
    response=DecisionOut,
    status=201,
    errors=(403, 404, 409),
    idempotent=True,
)
def decide(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_decide,
        "Only HR and this vacancy's panel leads record decisions.",
    )

    def handler():
        body = parse_body(DecisionIn)
        decision = operations.record_decision(user, vacancy, **body.model_dump())
        answer = DecisionOut(
            id=decision.id,
            candidate_id=decision.candidate_id,
            outcome=decision.outcome,
            rationale=decision.rationale,
            override_reason=decision.override_reason,
            flags=decision.flags,
            decided_at=decision.decided_at,
        )
        return answer.model_dump(mode="json"), 201

    return run_once(user, handler)


class ReleasedOut(BaseModel):
    vacancy_id: int
    released_at: datetime


@endpoint(
    "/vacancies/<int:vacancy_id>/release",
    "POST",
    summary="Share the combined results with the panel members (HR, its panel lead), from "
    "deciding on (409 before). A repeat changes nothing.",
    body=Body,
    response=ReleasedOut,
    errors=(403, 404, 409),
)
def release(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_decide,
        "Only HR and this vacancy's panel leads share the results.",
    )
    parse_body(Body)
    operations.release_results(user, vacancy)
    db.session.commit()
    return ReleasedOut(vacancy_id=vacancy.id, released_at=vacancy.results_released_at)
