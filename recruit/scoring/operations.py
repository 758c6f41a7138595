"""Operations on scoresheets: save a draft, submit, amend with a reason. The caller commits.

Scoring is independent: these operations never return anyone else's scores.
"""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from recruit.candidates.models import Candidate
from recruit.core import audit
from recruit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels.models import (
    Declaration,
    DeclaredAbout,
    DeclaredConflict,
    Panel,
    PanelMember,
)
from recruit.panels.operations import covered_candidate_ids, declared, membership, remember_seat
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


def load_for_scoring(user: User, candidate_id: int) -> tuple[Candidate, Vacancy]:
    """The candidate and their vacancy, with the user's seat, panel and latest declaration
    (whether it covers this candidate), in one query (one row per conflict they declared),
    kept for the request: scoring a candidate then asks nothing more about them."""
    latest = (
        select(func.max(Declaration.id))
        .where(Declaration.vacancy_id == Vacancy.id, Declaration.user_id == user.id)
        .correlate(Vacancy)
        .scalar_subquery()
    )
    conflict = DeclaredConflict.candidate_id
    rows = db.session.execute(
        select(
            Candidate,
            Vacancy,
            PanelMember,
            Panel,
            Declaration.id,
            DeclaredAbout.candidate_id,
            conflict,
        )
        .join(Vacancy, Vacancy.id == Candidate.vacancy_id)
        .outerjoin(
            PanelMember, and_(PanelMember.vacancy_id == Vacancy.id, PanelMember.user_id == user.id)
        )
        .outerjoin(Panel, Panel.id == PanelMember.panel_id)
        .outerjoin(Declaration, Declaration.id == latest)
        .outerjoin(
            DeclaredAbout,
            and_(
                DeclaredAbout.declaration_id == Declaration.id,
                DeclaredAbout.candidate_id == Candidate.id,
            ),
        )
        .outerjoin(DeclaredConflict, DeclaredConflict.declaration_id == Declaration.id)
        .where(Candidate.id == candidate_id)
    ).all()
    if not rows:
        raise NotFound("We could not find that candidate.")
    candidate, vacancy, seat, panel, declaration_id, covered, _ = rows[0]
    if seat is not None:
        set_committed_value(seat, "panel", panel)
    conflicts = {row[6] for row in rows if row[6] is not None}
    remember_seat(user, vacancy.id, seat, declared=declaration_id is not None, conflicts=conflicts)
    g.setdefault("covers", {})[(user.id, candidate.id)] = covered is not None
    return candidate, vacancy


def declared_about(user: User, candidate: Candidate) -> bool:
    """Whether the member's latest declaration was made with this candidate in it (a candidate
    added after it needs a new declaration): kept for the request."""
    cache = g.setdefault("covers", {})
    key = (user.id, candidate.id)
    if key not in cache:
        cache[key] = candidate.id in covered_candidate_ids(user.id, candidate.vacancy_id)
    return cache[key]


def seat_for_scoring(user: User, candidate: Candidate, vacancy: Vacancy) -> PanelMember:
    """The member's seat, if they may score this candidate now; else a clear refusal."""
    seat = membership(user, vacancy.id)
    if seat is None:
        raise Forbidden("Only members of this vacancy's panels can score its candidates.")
    has_declared, conflicts = declared(user.id, vacancy.id)
    if not has_declared:
        raise Forbidden(
            "Please agree to keep things private and say if you know any candidate first.",
            code="declaration_required",
        )
    if not declared_about(user, candidate):
        raise Forbidden(
            f"{candidate.alias} was added after you said who you know. Please say if you know "
            f"{candidate.alias} first.",
            code="declaration_required",
        )
    if candidate.id in conflicts:
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
    panel = seat.panel
    values = _validate(panel, vacancy, scores, comment, would_work_with, amend_reason)
    if vacancy.status != Status.INTERVIEWING:
        raise Conflict(
            "Scores can only be given while the vacancy is at the interviewing stage.",
            code="not_interviewing",
        )
    if not candidate.in_the_running:
        raise Conflict("This candidate is no longer being interviewed.", code="not_interviewing")
    sheet = _own_sheet_to_change(candidate, user) or _new_sheet(candidate, panel, user)
    reason = (amend_reason or "").strip()
    if sheet.status == SUBMITTED and not reason:
        raise Conflict(
            "You have already sent these scores. To change them, give a reason (amend_reason).",
            code="amend_reason_required",
        )
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


def _own_sheet_to_change(candidate: Candidate, user: User) -> Scoresheet | None:
    """The member's scoresheet with its answers, locked until the transaction ends (on
    PostgreSQL; SQLite has one writer at a time anyway)."""
    query = (
        select(Scoresheet)
        .options(joinedload(Scoresheet.scores))
        .where(Scoresheet.candidate_id == candidate.id, Scoresheet.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=Scoresheet)
    return db.session.scalars(query).unique().one_or_none()


def _new_sheet(candidate: Candidate, panel: Panel, user: User) -> Scoresheet:
    """Insert-or-nothing: when the same member's other tablet makes this scoresheet at the
    same moment, both carry on with the one row (the database makes the second wait for the
    first), never two rows or a crash."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    sheet = db.session.scalars(
        insert(Scoresheet)
        .values(
            vacancy_id=candidate.vacancy_id,
            candidate_id=candidate.id,
            panel_id=panel.id,
            user_id=user.id,
            status=DRAFT,
            comment="",
        )
        .on_conflict_do_nothing(index_elements=["candidate_id", "user_id"])
        .returning(Scoresheet)
        .options(lazyload(Scoresheet.scores)),  # a new sheet has none (set below)
        execution_options={"populate_existing": True},
    ).one_or_none()
    if sheet is None:  # the other tablet's
        return _own_sheet_to_change(candidate, user)
    set_committed_value(sheet, "scores", [])
    return sheet


# --- who has scored whom: states only, never scores ----------------------------------------

NOT_DECLARED, NOT_STARTED, CONFLICT, SENT = "not_declared", "not_started", "conflict", "sent"
SET_ASIDE = "set_aside"  # sent, then a conflict was declared: kept, never counted
NOT_SCORING = (CONFLICT, SET_ASIDE)


class Progress:
    """Who has sent scores for which candidate, for the lead's view of the day and for a
    member's own list. It holds states ("not_started", "draft", "sent", "conflict",
    "set_aside", "not_declared"), never values, so showing it never breaks independent
    scoring."""

    def __init__(self, vacancy: Vacancy, members: list[PanelMember], candidates: list) -> None:
        from recruit.panels.models import Declaration

        self.vacancy = vacancy
        self.members = members
        self.candidates = candidates
        user_ids = [m.user_id for m in members]
        latest: dict[int, Declaration] = {}
        if user_ids:
            for declaration in db.session.scalars(
                select(Declaration)
                .options(selectinload(Declaration.conflicts), selectinload(Declaration.covered))
                .where(Declaration.vacancy_id == vacancy.id, Declaration.user_id.in_(user_ids))
                .order_by(Declaration.id)
            ).all():
                latest[declaration.user_id] = declaration
        self.declared = set(latest)
        self.conflicts = {
            user_id: {c.candidate_id for c in declaration.conflicts}
            for user_id, declaration in latest.items()
        }
        self.covered = {
            user_id: {c.candidate_id for c in declaration.covered}
            for user_id, declaration in latest.items()
        }
        self.sheets: dict[tuple[int, int], str] = {}
        if user_ids:
            rows = db.session.execute(
                select(Scoresheet.user_id, Scoresheet.candidate_id, Scoresheet.status).where(
                    Scoresheet.vacancy_id == vacancy.id, Scoresheet.user_id.in_(user_ids)
                )
            ).all()
            self.sheets = {(u, c): status for u, c, status in rows}

    def state(self, user_id: int, candidate_id: int) -> str:
        status = self.sheets.get((user_id, candidate_id))
        if candidate_id in self.conflicts.get(user_id, set()):
            return SET_ASIDE if status == SUBMITTED else CONFLICT
        if status == SUBMITTED:
            return SENT
        if status == DRAFT:
            return DRAFT
        return NOT_DECLARED if candidate_id not in self.covered.get(user_id, ()) else NOT_STARTED

    def outstanding(self, user_id: int) -> list:
        """The candidates this member may score and has not sent scores for."""
        return [c for c in self.candidates if self.state(user_id, c.id) not in (SENT, *NOT_SCORING)]

    def sent_count(self, candidate_id: int) -> tuple[int, int]:
        """(sent, expected) for a candidate: expected leaves out members with a conflict."""
        states = [self.state(m.user_id, candidate_id) for m in self.members]
        return states.count(SENT), len([s for s in states if s not in NOT_SCORING])


def progress(vacancy: Vacancy, user: User | None = None) -> Progress:
    """States for every member of the vacancy's panels (or only `user`), for every candidate
    still in the running."""
    from recruit.candidates.operations import candidates_of

    query = (
        select(PanelMember)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .join(User, User.id == PanelMember.user_id)
        .where(PanelMember.vacancy_id == vacancy.id)
        .order_by(Panel.id, User.display_name)
    )
    if user is not None:
        query = query.where(PanelMember.user_id == user.id)
    members = list(db.session.scalars(query).all())
    return Progress(vacancy, members, candidates_of(vacancy, running_only=True))
