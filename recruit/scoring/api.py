"""JSON API for scoring: a member's own scoresheet for a candidate."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from recruit.core.api import Body, endpoint, parse_body
from recruit.core.errors import NotFound
from recruit.core.idempotency import run_once
from recruit.scoring import operations
from recruit.scoring.models import Scoresheet


class ScoreIn(BaseModel):
    quality_id: int | None = Field(default=None, json_schema_extra={"type": "integer"})
    value: int | None = None


class ScoresheetIn(Body):
    scores: list[dict] = Field(
        default_factory=list,
        max_length=200,
        json_schema_extra={
            "items": {
                "type": "object",
                "required": ["quality_id", "value"],
                "properties": {
                    "quality_id": {"type": "integer"},
                    "value": {"type": ["integer", "null"]},
                },
            }
        },
    )
    comment: str | None = Field(default=None, max_length=2000)
    would_work_with: Literal["yes", "not_sure", "no"] | None = None
    submit: StrictBool = False
    amend_reason: str | None = Field(default=None, max_length=2000)


class ScoreOut(BaseModel):
    quality_id: int
    value: int | None


class ScoresheetOut(BaseModel):
    id: int
    candidate_id: int
    status: Literal["draft", "submitted"]
    scores: list[ScoreOut]
    comment: str
    would_work_with: str | None
    submitted_at: datetime | None
    updated_at: datetime


def out(sheet: Scoresheet) -> ScoresheetOut:
    return ScoresheetOut(
        id=sheet.id,
        candidate_id=sheet.candidate_id,
        status=sheet.status,
        scores=[ScoreOut(quality_id=s.quality_id, value=s.value) for s in sheet.scores],
        comment=sheet.comment,
        would_work_with=sheet.would_work_with,
        submitted_at=sheet.submitted_at,
        updated_at=sheet.updated_at,
    )


def _load(candidate_id: int, user):
    candidate, vacancy = operations.load_for_scoring(user, candidate_id)
    operations.seat_for_scoring(user, candidate, vacancy)
    return candidate, vacancy


@endpoint(
    "/candidates/<int:candidate_id>/scoresheet",
    "PUT",
    summary="Save or submit your own scoresheet for a candidate (a member of a panel of that "
    "vacancy). Header Idempotency-Key makes a retry safe.",
    body=ScoresheetIn,
    response=ScoresheetOut,
    errors=(403, 404, 409),
    idempotent=True,
)
def put_scoresheet(user, candidate_id: int):
    candidate, vacancy = _load(candidate_id, user)

    def handler():
        body = parse_body(ScoresheetIn)
        scores = [item if isinstance(item, dict) else {} for item in body.scores]
        sheet = operations.save_scoresheet(
            user,
            candidate,
            vacancy,
            scores=scores,
            comment=body.comment,
            would_work_with=body.would_work_with,
            submit=body.submit,
            amend_reason=body.amend_reason,
        )
        return out(sheet).model_dump(mode="json"), 200

    return run_once(user, handler)


@endpoint(
    "/candidates/<int:candidate_id>/scoresheet",
    "GET",
    summary="Your own scoresheet for a candidate (never anyone else's)",
    response=ScoresheetOut,
    errors=(403, 404),
)
def get_scoresheet(user, candidate_id: int):
    candidate, _ = _load(candidate_id, user)
    sheet = operations.own_scoresheet(user, candidate)
    if sheet is None:
        raise NotFound("You have not scored this candidate yet.", code="no_scoresheet")
    return out(sheet)
