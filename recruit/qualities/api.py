"""JSON API for qualities: propose, list, vote, review, word."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from recruit import permissions
from recruit.core.api import Body, endpoint, parse_body
from recruit.core.errors import Forbidden
from recruit.core.idempotency import run_once
from recruit.extensions import db
from recruit.qualities import operations
from recruit.qualities.models import Quality
from recruit.vacancies.api import load_vacancy
from recruit.vacancies.operations import get_vacancy


class QualityIn(Body):
    text: str = Field(max_length=200)
    easy_read: str | None = Field(default=None, max_length=500)
    symbol: str | None = Field(default=None, max_length=32)


class QualityOut(BaseModel):
    id: int
    vacancy_id: int
    text: str
    easy_read: str
    symbol: str
    proposed_by: int | None
    source_group: str
    status: str
    decline_reason: str
    prompt: str
    interview_question: str
    position: int
    votes: int
    reused_from: int | None


class QualityList(BaseModel):
    qualities: list[QualityOut]


class VoteOut(BaseModel):
    quality_id: int
    votes: int


class ReviewIn(Body):
    status: Literal["accepted", "declined"]
    reason: str | None = Field(default=None, max_length=2000)


class WordingIn(Body):
    easy_read: str | None = Field(default=None, max_length=500)
    prompt: str | None = Field(default=None, max_length=1000)
    interview_question: str | None = Field(default=None, max_length=1000)
    symbol: str | None = Field(default=None, max_length=32)


def out(quality: Quality, votes: int) -> QualityOut:
    return QualityOut(
        id=quality.id,
        vacancy_id=quality.vacancy_id,
        text=quality.text,
        easy_read=quality.easy_read,
        symbol=quality.symbol,
        proposed_by=quality.proposed_by_id,
        source_group=quality.source_group,
        status=quality.status,
        decline_reason=quality.decline_reason,
        prompt=quality.prompt,
        interview_question=quality.interview_question,
        position=quality.position,
        votes=votes,
        reused_from=quality.reused_from_id,
    )


def load_quality(quality_id: int, user, allowed, message: str):
    quality = operations.get_quality(quality_id)
    vacancy = get_vacancy(quality.vacancy_id)
    if not allowed(user, vacancy.id):
        raise Forbidden(message)
    return quality, vacancy


@endpoint(
    "/vacancies/<int:vacancy_id>/qualities",
    "POST",
    summary="Suggest a quality in your own words (HR, its panel members). Header "
    "Idempotency-Key makes a retry safe.",
    body=QualityIn,
    response=QualityOut,
    status=201,
    errors=(403, 404, 409),
    idempotent=True,
)
def propose_quality(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_propose_quality,
        "Only HR and this vacancy's panel members can suggest qualities.",
    )

    def handler():
        body = parse_body(QualityIn)
        quality = operations.propose(user, vacancy, **body.model_dump())
        return out(quality, 0).model_dump(mode="json"), 201

    return run_once(user, handler)


@endpoint(
    "/vacancies/<int:vacancy_id>/qualities",
    "GET",
    summary="The qualities suggested for a vacancy, with votes (HR, its panel members)",
    response=QualityList,
    errors=(403, 404),
)
def list_qualities(user, vacancy_id: int):
    vacancy = load_vacancy(
        vacancy_id,
        user,
        permissions.can_view_vacancy,
        "Only HR and this vacancy's panels can see it.",
    )
    counts, _ = operations.votes_by_quality(vacancy)
    return QualityList(
        qualities=[out(q, counts.get(q.id, 0)) for q in operations.qualities_of(vacancy)]
    )


@endpoint(
    "/qualities/<int:quality_id>/votes",
    "POST",
    summary="Vote for a quality (its panel members)",
    response=VoteOut,
    status=201,
    errors=(403, 404, 409),
)
def vote_for_quality(user, quality_id: int):
    quality, vacancy = load_quality(
        quality_id, user, permissions.can_vote, "Only this vacancy's panel members can vote."
    )
    votes = operations.vote(user, quality, vacancy)
    db.session.commit()
    return VoteOut(quality_id=quality.id, votes=votes)


@endpoint(
    "/qualities/<int:quality_id>/review",
    "POST",
    summary="Accept or decline a quality (HR, its panel lead)",
    body=ReviewIn,
    response=QualityOut,
    errors=(403, 404, 409),
)
def review_quality(user, quality_id: int):
    quality, vacancy = load_quality(
        quality_id,
        user,
        permissions.can_review_quality,
        "Only HR and this vacancy's panel leads can accept or decline qualities.",
    )
    body = parse_body(ReviewIn)
    operations.review(user, quality, vacancy, status=body.status, reason=body.reason)
    db.session.commit()
    return out(quality, operations.vote_count(quality))


@endpoint(
    "/qualities/<int:quality_id>",
    "PATCH",
    summary="Set a quality's easy-read words, prompt and interview question (HR, its panel lead)",
    body=WordingIn,
    response=QualityOut,
    errors=(403, 404, 409),
)
def word_quality(user, quality_id: int):
    quality, vacancy = load_quality(
        quality_id,
        user,
        permissions.can_review_quality,
        "Only HR and this vacancy's panel leads can change how a quality is worded.",
    )
    body = parse_body(WordingIn)
    operations.word(user, quality, vacancy, **body.model_dump(exclude_unset=True))
    db.session.commit()
    return out(quality, operations.vote_count(quality))
