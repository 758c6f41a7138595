"""Operations on qualities: propose, vote, review, word and order them, reuse from the bank."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from recruit.core import audit
from recruit.core.errors import Conflict, NotFound, ValidationFailed
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.people.models import Role, User
from recruit.qualities.models import Quality, QualityStatus, QualityVote, SourceGroup
from recruit.vacancies.models import Status, Vacancy

GROUP_OF_ROLE = {
    Role.PERSON_SUPPORTED: SourceGroup.PEOPLE_SUPPORTED,
    Role.STAFF: SourceGroup.STAFF,
    Role.PANEL_LEAD: SourceGroup.STAFF,
    Role.HR: SourceGroup.HR,
    Role.ADMIN: SourceGroup.HR,
}
TEXT_MAX, EASY_READ_MAX, SYMBOL_MAX, WORDING_MAX = 200, 500, 32, 1000


def describe(quality: Quality) -> dict:
    return {
        "text": quality.text,
        "easy_read": quality.easy_read,
        "symbol": quality.symbol,
        "status": quality.status,
        "decline_reason": quality.decline_reason,
        "prompt": quality.prompt,
        "interview_question": quality.interview_question,
        "check_in_question": quality.check_in_question,
        "position": quality.position,
    }


def _open_for_proposals(vacancy: Vacancy) -> None:
    if vacancy.status not in (Status.DRAFT, Status.CO_DESIGN):
        raise Conflict(
            "Qualities can only be suggested while the vacancy is being planned "
            "(before shortlisting starts).",
            code="co_design_over",
        )


def _open_for_review(vacancy: Vacancy) -> None:
    if not vacancy.before(Status.INTERVIEWING):
        raise Conflict(
            "The qualities are fixed once interviewing starts, so that every candidate "
            "is scored on the same things.",
            code="qualities_fixed",
        )


def _text(values: dict, name: str, limit: int, errors: dict, *, required: bool = False) -> str:
    text = (values.get(name) or "").strip()
    if required and not text:
        errors[name] = ["Write the quality in your own words."]
    elif len(text) > limit:
        errors[name] = [f"Use at most {limit} characters."]
    return text


def propose(
    actor: User,
    vacancy: Vacancy,
    *,
    text: str,
    easy_read: str | None = None,
    symbol: str | None = None,
    reused_from: Quality | None = None,
) -> Quality:
    errors: dict[str, list[str]] = {}
    values = {"text": text, "easy_read": easy_read, "symbol": symbol}
    clean_text = _text(values, "text", TEXT_MAX, errors, required=True)
    clean_easy = _text(values, "easy_read", EASY_READ_MAX, errors)
    clean_symbol = _text(values, "symbol", SYMBOL_MAX, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    _open_for_proposals(vacancy)
    position = db.session.scalar(
        select(func.coalesce(func.max(Quality.position), 0)).where(Quality.vacancy_id == vacancy.id)
    )
    quality = Quality(
        vacancy_id=vacancy.id,
        text=clean_text,
        easy_read=clean_easy,
        symbol=clean_symbol,
        proposed_by_id=actor.id,
        source_group=GROUP_OF_ROLE[Role(actor.role)],
        status=QualityStatus.PROPOSED,
        position=position + 1,
        reused_from_id=reused_from.id if reused_from else None,
        prompt=reused_from.prompt if reused_from else "",
        interview_question=reused_from.interview_question if reused_from else "",
        check_in_question=reused_from.check_in_question if reused_from else "",
    )
    db.session.add(quality)
    db.session.flush()
    audit.record("quality.proposed", quality, actor=actor, after=describe(quality))
    return quality


def get_quality(quality_id: int) -> Quality:
    quality = db.session.get(Quality, quality_id)
    if quality is None:
        raise NotFound("We could not find that quality.")
    return quality


def vote_count(quality: Quality) -> int:
    return db.session.scalar(
        select(func.count(QualityVote.id)).where(QualityVote.quality_id == quality.id)
    )


def vote(actor: User, quality: Quality, vacancy: Vacancy) -> int:
    """One vote per person: a second vote changes nothing. Returns the number of votes."""
    _open_for_proposals(vacancy)
    if quality.status == QualityStatus.DECLINED:
        raise Conflict(
            "This idea will not be used, so it cannot be voted for.", code="quality_declined"
        )
    already = db.session.scalar(
        select(QualityVote.id).where(
            QualityVote.quality_id == quality.id, QualityVote.user_id == actor.id
        )
    )
    if already is None:
        db.session.add(QualityVote(quality_id=quality.id, user_id=actor.id))
        db.session.flush()
        audit.record("quality.voted", quality, actor=actor)
    return vote_count(quality)


def review(
    actor: User, quality: Quality, vacancy: Vacancy, *, status: str, reason: str | None = None
) -> Quality:
    """Accept or decline a proposal. Declining one from a person supported needs a reason."""
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if status not in (QualityStatus.ACCEPTED, QualityStatus.DECLINED):
        errors["status"] = ["Choose accepted or declined."]
    elif (
        status == QualityStatus.DECLINED
        and quality.source_group == SourceGroup.PEOPLE_SUPPORTED
        and not reason
    ):
        errors["reason"] = [
            "Say why, in plain words: the person who suggested this quality will see your reason."
        ]
    if len(reason) > 2000:
        errors["reason"] = ["Use at most 2000 characters."]
    if errors:
        raise ValidationFailed(fields=errors)
    _open_for_review(vacancy)
    if (
        status == QualityStatus.DECLINED
        and quality.status == QualityStatus.ACCEPTED
        and vacancy.after_co_design
        and len(accepted_qualities(vacancy)) == 1
    ):
        raise Conflict(
            "This is the last accepted quality: candidates are scored on the accepted "
            "qualities, so there must be at least one. Accept another quality first.",
            code="last_accepted_quality",
        )
    before = describe(quality)
    quality.status = status
    quality.decline_reason = reason if status == QualityStatus.DECLINED else ""
    quality.reviewed_by_id = actor.id
    quality.reviewed_at = utcnow()
    db.session.flush()
    audit.record("quality.reviewed", quality, actor=actor, before=before, after=describe(quality))
    return quality


def word(actor: User, quality: Quality, vacancy: Vacancy, **values) -> Quality:
    """Set an accepted quality's easy-read words, prompt, suggested interview question and
    check-in question."""
    errors: dict[str, list[str]] = {}
    clean = {}
    for name, limit in (
        ("easy_read", EASY_READ_MAX),
        ("prompt", WORDING_MAX),
        ("interview_question", WORDING_MAX),
        ("check_in_question", WORDING_MAX),
        ("symbol", SYMBOL_MAX),
    ):
        if name in values:
            clean[name] = _text(values, name, limit, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    _open_for_review(vacancy)
    before = describe(quality)
    for name, value in clean.items():
        setattr(quality, name, value)
    db.session.flush()
    audit.record("quality.worded", quality, actor=actor, before=before, after=describe(quality))
    return quality


def reorder(actor: User, vacancy: Vacancy, quality_ids: list[int]) -> None:
    """Put the accepted qualities in the order given (the order they are scored in)."""
    _open_for_review(vacancy)
    accepted = accepted_qualities(vacancy)
    if sorted(quality_ids) != sorted(q.id for q in accepted):
        raise ValidationFailed(
            fields={"order": ["Give every accepted quality of this vacancy exactly once."]}
        )
    by_id = {q.id: q for q in accepted}
    before = [q.id for q in accepted]
    for position, quality_id in enumerate(quality_ids, start=1):
        by_id[quality_id].position = position
    db.session.flush()
    audit.record(
        "quality.reordered",
        vacancy,
        actor=actor,
        before={"order": before},
        after={"order": quality_ids},
    )


def qualities_of(vacancy: Vacancy) -> list[Quality]:
    return list(
        db.session.scalars(
            select(Quality)
            .where(Quality.vacancy_id == vacancy.id)
            .order_by(Quality.position, Quality.id)
        ).all()
    )


def accepted_qualities(vacancy: Vacancy) -> list[Quality]:
    return [q for q in qualities_of(vacancy) if q.status == QualityStatus.ACCEPTED]


def votes_by_quality(vacancy: Vacancy, user: User | None = None) -> tuple[dict[int, int], set[int]]:
    """Votes per quality, and which qualities `user` has voted for."""
    rows = db.session.execute(
        select(QualityVote.quality_id, QualityVote.user_id)
        .join(Quality, Quality.id == QualityVote.quality_id)
        .where(Quality.vacancy_id == vacancy.id)
    ).all()
    counts: dict[int, int] = {}
    mine: set[int] = set()
    for quality_id, user_id in rows:
        counts[quality_id] = counts.get(quality_id, 0) + 1
        if user is not None and user_id == user.id:
            mine.add(quality_id)
    return counts, mine


def search_bank(
    words: str, *, exclude_vacancy: Vacancy | None = None, limit: int = 50
) -> list[Quality]:
    """Accepted qualities of earlier vacancies whose words match, newest first."""
    query = select(Quality).where(Quality.status == QualityStatus.ACCEPTED)
    if exclude_vacancy is not None:
        query = query.where(Quality.vacancy_id != exclude_vacancy.id)
    for word_ in (words or "").split()[:5]:
        pattern = f"%{word_.lower()}%"
        query = query.where(
            or_(func.lower(Quality.text).like(pattern), func.lower(Quality.easy_read).like(pattern))
        )
    return list(db.session.scalars(query.order_by(Quality.id.desc()).limit(limit)).all())


def reuse(actor: User, vacancy: Vacancy, source: Quality) -> Quality:
    """Propose a quality from the bank for this vacancy, keeping where it came from."""
    if source.status != QualityStatus.ACCEPTED or source.vacancy_id == vacancy.id:
        raise ValidationFailed(
            fields={"quality_id": ["Choose an accepted quality from another vacancy."]}
        )
    quality = propose(
        actor,
        vacancy,
        text=source.text,
        easy_read=source.easy_read,
        symbol=source.symbol,
        reused_from=source,
    )
    # Keep the origin: who first proposed it and from which group.
    quality.source_group = source.source_group
    quality.proposed_by_id = source.proposed_by_id
    return quality
