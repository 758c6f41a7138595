"""JSON API for results and decisions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from recruit import permissions
from recruit.core.api import Body, Id, endpoint, parse_body
from recruit.core.errors import Conflict
from recruit.core.idempotency import run_once
from recruit.decisions import operations
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
    summary="Combined scores with each panel's contribution, ranks and flags (HR, its panel leads)",
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
