"""Operations on scoresheets: save a draft, submit, amend with a reason. The caller commits.

Scoring is independent: these operations never return anyone else's scores.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from recruit.candidates.models import Candidate
from recruit.core import audit
from recruit.core.errors import Conflict, Forbidden, ValidationFailed
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels.models import Panel, PanelMember
from recruit.panels.operations import conflicted_candidate_ids, current_declaration, membership
from recruit.people.models import User
from recruit.qualities.models import Quality, QualityStatus
from recruit.scoring.models import DRAFT, SUBMITTED, WOULD_WORK_WITH, Score, Scoresheet
from recruit.vacancies.models import Status, Vacancy

COMMENT_MAX = 2000
REASON_MAX = 2000


def describe(sheet: Scoresheet) -> dict:
    return {
        "status": sheet.status,
        "scores": {str(s.quality_id): s.value for s in sheet.scores},
        "comment": sheet.comment,
        "would_work_with": sheet.would_work_with,
    }


def seat_for_scoring(user: User, candidate: Candidate, vacancy: Vacancy) -> PanelMember:
    """The member's seat, if they may score this candidate now; else a clear refusal."""
    seat = membership(user, vacancy.id)
    if seat is None:
        raise Forbidden("Only members of this vacancy's panels can score its candidates.")
    if current_declaration(user.id, vacancy.id) is None:
        raise Forbidden(
            "Please agree to keep things private and say if you know any candidate first.",
            code="declaration_required",
        )
    if candidate.id in conflicted_candidate_ids(user.id, vacancy.id):
        raise Forbidden(
            "You said you know this candidate, so you do not score them.",
            code="conflict_of_interest",
        )
    return seat


def own_scoresheet(user: User, candidate: Candidate) -> Scoresheet | None:
    return db.session.scalar(
        select(Scoresheet).where(
            Scoresheet.candidate_id == candidate.id, Scoresheet.user_id == user.id
        )
    )


def _validate(
    panel: Panel,
    vacancy: Vacancy,
    scores: list[dict[str, Any]],
    comment: str | None,
    would_work_with: str | None,
    amend_reason: str | None,
) -> dict[int, int | None]:
    errors: dict[str, list[str]] = {}
    accepted = set(
        db.session.scalars(
            select(Quality.id).where(
                Quality.vacancy_id == vacancy.id, Quality.status == QualityStatus.ACCEPTED
            )
        ).all()
    )
    values: dict[int, int | None] = {}
    for n, item in enumerate(scores):
        quality_id, value = item.get("quality_id"), item.get("value")
        where = f"scores.{n}"
        if (
            isinstance(quality_id, bool)
            or not isinstance(quality_id, int)
            or quality_id not in accepted
        ):
            errors.setdefault(f"{where}.quality_id", []).append(
                "This is not one of the qualities chosen for this job."
            )
            continue
        if quality_id in values:
            errors.setdefault(f"{where}.quality_id", []).append("This quality is given twice.")
            continue
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= panel.scale
        ):
            errors.setdefault(f"{where}.value", []).append(
                f"Give a whole number from 1 to {panel.scale}, or null for “not sure”."
            )
            continue
        values[quality_id] = value
    if comment is not None and len(comment) > COMMENT_MAX:
        errors["comment"] = [f"Use at most {COMMENT_MAX} characters."]
    if would_work_with is not None and would_work_with not in WOULD_WORK_WITH:
        errors["would_work_with"] = ["Choose yes, not_sure or no."]
    if amend_reason is not None and len(amend_reason) > REASON_MAX:
        errors["amend_reason"] = [f"Use at most {REASON_MAX} characters."]
    if errors:
        raise ValidationFailed(fields=errors)
    return values


def save_scoresheet(
    user: User,
    candidate: Candidate,
    vacancy: Vacancy,
    *,
    scores: list[dict[str, Any]],
    comment: str | None = None,
    would_work_with: str | None = None,
    submit: bool = False,
    amend_reason: str | None = None,
) -> Scoresheet:
    """Save answers as a draft (as they are given) or submit them.

    Answers given replace earlier answers to the same qualities; others are kept.
    A submitted scoresheet is final: any change needs `amend_reason` and is audited.
    """
    seat = seat_for_scoring(user, candidate, vacancy)
    panel = db.session.get(Panel, seat.panel_id)
    values = _validate(panel, vacancy, scores, comment, would_work_with, amend_reason)
    if vacancy.status != Status.INTERVIEWING:
        raise Conflict(
            "Scores can only be given while the vacancy is at the interviewing stage.",
            code="not_interviewing",
        )
    if not candidate.in_the_running:
        raise Conflict("This candidate is no longer being interviewed.", code="not_interviewing")
    query = select(Scoresheet).where(
        Scoresheet.candidate_id == candidate.id, Scoresheet.user_id == user.id
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    sheet = db.session.scalar(query)
    reason = (amend_reason or "").strip()
    if sheet is not None and sheet.status == SUBMITTED and not reason:
        raise Conflict(
            "You have already sent these scores. To change them, give a reason (amend_reason).",
            code="amend_reason_required",
        )
    if sheet is None:
        sheet = Scoresheet(
            vacancy_id=vacancy.id,
            candidate_id=candidate.id,
            panel_id=panel.id,
            user_id=user.id,
            status=DRAFT,
            comment="",
        )
        db.session.add(sheet)
        db.session.flush()
    before = describe(sheet)
    existing = {s.quality_id: s for s in sheet.scores}
    for quality_id, value in values.items():
        if quality_id in existing:
            existing[quality_id].value = value
        else:
            sheet.scores.append(Score(quality_id=quality_id, value=value))
    if comment is not None:
        sheet.comment = comment.strip()
    if would_work_with is not None:
        sheet.would_work_with = would_work_with
    was_submitted = sheet.status == SUBMITTED
    if submit and not was_submitted:
        sheet.status = SUBMITTED
        sheet.submitted_at = utcnow()
    sheet.updated_at = utcnow()
    db.session.flush()
    after = describe(sheet)
    if was_submitted:
        if after != before:
            sheet.amendments += 1
            audit.record(
                "scoresheet.amended",
                sheet,
                actor=user,
                before=before,
                after={**after, "reason": reason},
            )
    elif sheet.status == SUBMITTED:
        audit.record("scoresheet.submitted", sheet, actor=user, after=after)
    return sheet
