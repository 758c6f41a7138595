"""Operations on panels, members, declarations and training. The caller commits."""

from __future__ import annotations

from datetime import date

from flask import g
from sqlalchemy import func, select

from recruit.core import audit
from recruit.core.errors import Conflict, NotFound, ValidationFailed
from recruit.core.signals import sheets_set_aside
from recruit.extensions import db
from recruit.panels.models import (
    Declaration,
    DeclaredAbout,
    DeclaredConflict,
    Panel,
    PanelKind,
    PanelMember,
    Training,
)
from recruit.people.models import Role, User
from recruit.vacancies.models import Status, Vacancy

PANEL_FIELDS = ("name", "kind", "weight", "scale", "max_interviews_per_day", "break_minutes")


def describe(panel: Panel) -> dict:
    return {name: getattr(panel, name) for name in PANEL_FIELDS}


def _check_panels_editable(vacancy: Vacancy) -> None:
    if not vacancy.before(Status.INTERVIEWING):
        raise Conflict(
            "Panels are fixed once interviewing starts, so that every candidate is scored "
            "by the same panels.",
            code="panels_fixed",
        )


def _validate_panel(values: dict, errors: dict[str, list[str]]) -> None:
    name = (values.get("name") or "").strip()
    if "name" in values and not 1 <= len(name) <= 100:
        errors["name"] = ["Give the panel a name (up to 100 characters)."]
    if "kind" in values and values["kind"] not in {k.value for k in PanelKind}:
        errors["kind"] = ["Choose one of: people_supported, staff, mixed."]
    if "weight" in values:
        weight = values["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
            errors["weight"] = ["The weight must be a number greater than 0."]
        elif weight > 1_000_000:
            errors["weight"] = ["The weight is too large."]
    if "scale" in values and (isinstance(values["scale"], bool) or values["scale"] not in (3, 5)):
        errors["scale"] = ["The scale must be 3 (three faces) or 5 (five points)."]
    per_day = values.get("max_interviews_per_day")
    if per_day is not None and (not isinstance(per_day, int) or not 1 <= per_day <= 20):
        errors["max_interviews_per_day"] = [
            "Give a number of interviews from 1 to 20, or leave it empty."
        ]
    rest = values.get("break_minutes")
    if rest is not None and (not isinstance(rest, int) or not 0 <= rest <= 240):
        errors["break_minutes"] = ["Give a break from 0 to 240 minutes."]


def create_panel(actor: User, vacancy: Vacancy, **values) -> Panel:
    values = {k: v for k, v in values.items() if k in PANEL_FIELDS}
    errors: dict[str, list[str]] = {}
    for required in ("name", "kind", "weight", "scale"):
        if values.get(required) in (None, ""):
            errors[required] = ["This is required."]
    _validate_panel(values, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    _check_panels_editable(vacancy)
    values["name"] = values["name"].strip()
    values.setdefault("break_minutes", 0)
    if values["break_minutes"] is None:
        values["break_minutes"] = 0
    panel = Panel(vacancy_id=vacancy.id, **values)
    db.session.add(panel)
    db.session.flush()
    audit.record("panel.created", panel, actor=actor, after=describe(panel))
    return panel


def update_panel(actor: User, panel: Panel, vacancy: Vacancy, **values) -> Panel:
    values = {k: v for k, v in values.items() if k in PANEL_FIELDS}
    errors: dict[str, list[str]] = {}
    _validate_panel(values, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    _check_panels_editable(vacancy)
    before = describe(panel)
    for name, value in values.items():
        setattr(panel, name, value.strip() if isinstance(value, str) else value)
    if panel.break_minutes is None:
        panel.break_minutes = 0
    db.session.flush()
    audit.record("panel.updated", panel, actor=actor, before=before, after=describe(panel))
    return panel


def get_panel(panel_id: int) -> Panel:
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        raise NotFound("We could not find that panel.")
    return panel


def panels_of(vacancy: Vacancy) -> list[Panel]:
    return list(
        db.session.scalars(
            select(Panel).where(Panel.vacancy_id == vacancy.id).order_by(Panel.id)
        ).all()
    )


def people_supported_share(vacancy: Vacancy, panels: list[Panel] | None = None) -> float:
    """The people supported panels' share of the total weight, in percent."""
    panels = panels if panels is not None else panels_of(vacancy)
    total = sum(p.weight for p in panels)
    if not total:
        return 0.0
    ours = sum(p.weight for p in panels if p.kind == PanelKind.PEOPLE_SUPPORTED)
    return 100.0 * ours / total


def add_member(
    actor: User,
    panel: Panel,
    vacancy: Vacancy,
    *,
    user_id: int,
    role: str = "member",
    supporter_id: int | None = None,
) -> PanelMember:
    errors: dict[str, list[str]] = {}
    if role not in ("member", "lead"):
        errors["role"] = ["Choose member or lead."]
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        errors["user_id"] = ["There is nobody with this id."]
    elif not user.is_active_account:
        errors["user_id"] = ["This person's account is switched off."]
    elif user.role in (Role.ADMIN, Role.HR):
        errors["user_id"] = ["Admins and HR run the process; they do not sit on panels here."]
    supporter = None
    if supporter_id is not None:
        supporter = db.session.get(User, supporter_id) if isinstance(supporter_id, int) else None
        if supporter is None:
            errors["supporter_id"] = ["There is nobody with this id."]
        elif user is not None and user.role != Role.PERSON_SUPPORTED:
            errors["supporter_id"] = ["Only a person supported has a supporter."]
        elif supporter.role == Role.PERSON_SUPPORTED:
            errors["supporter_id"] = ["A supporter is a member of staff."]
    if errors:
        raise ValidationFailed(fields=errors)
    _check_panels_editable(vacancy)
    existing = db.session.scalar(
        select(PanelMember).where(
            PanelMember.vacancy_id == vacancy.id, PanelMember.user_id == user.id
        )
    )
    if existing is not None:
        raise Conflict(
            f"{user.display_name} is already on a panel for this vacancy "
            "(a person sits on one panel per vacancy).",
            code="already_a_member",
        )
    member = PanelMember(
        panel=panel,
        vacancy_id=vacancy.id,
        user_id=user.id,
        role=role,
        supporter_id=supporter.id if supporter else None,
    )
    db.session.add(member)
    db.session.flush()
    audit.record(
        "panel.member_added",
        panel,
        actor=actor,
        after={"user_id": user.id, "role": role, "supporter_id": member.supporter_id},
    )
    from recruit.panels.messages import invite_to_panel

    invite_to_panel(member, vacancy)
    return member


def remove_member(actor: User, member: PanelMember, vacancy: Vacancy) -> None:
    _check_panels_editable(vacancy)
    audit.record(
        "panel.member_removed",
        member.panel,
        actor=actor,
        before={"user_id": member.user_id, "role": member.role},
    )
    db.session.delete(member)
    db.session.flush()


def membership(user: User | None, vacancy_id: int) -> PanelMember | None:
    """The user's seat on a panel of this vacancy, if any (cached for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cache = g.setdefault("memberships", {})
    key = (user.id, vacancy_id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(PanelMember).where(
                PanelMember.vacancy_id == vacancy_id, PanelMember.user_id == user.id
            )
        )
    return cache[key]


def forget_memberships() -> None:
    g.pop("memberships", None)


def remember_seat(
    user: User, vacancy_id: int, seat: PanelMember | None, *, declared: bool, conflicts: set[int]
) -> None:
    """Keep for the rest of the request what one query found about the user's seat and
    declaration, so that membership() and declared() need not ask again."""
    g.setdefault("memberships", {})[(user.id, vacancy_id)] = seat
    g.setdefault("declared", {})[(user.id, vacancy_id)] = (declared, conflicts)


def declare(
    actor: User, vacancy: Vacancy, *, confidentiality: bool, conflicts: list[int]
) -> Declaration:
    """Record a member's agreement and conflicts; it replaces any earlier declaration and
    covers the candidates the vacancy has now. From interviewing on a conflict, once declared,
    stays: a later declaration may add conflicts but not take one back (docs/scoring.md)."""
    from recruit.candidates.models import Candidate
    from recruit.scoring.models import SUBMITTED, Scoresheet

    errors: dict[str, list[str]] = {}
    if confidentiality is not True:
        errors["confidentiality"] = [
            "You need to agree to keep what you see private before you see the candidates."
        ]
    ids = list(dict.fromkeys(conflicts))
    candidates = dict(
        db.session.execute(
            select(Candidate.id, Candidate.alias).where(Candidate.vacancy_id == vacancy.id)
        ).all()
    )
    unknown = [i for i in ids if i not in candidates]
    if unknown:
        errors["conflicts"] = [
            "These are not candidates for this vacancy: " + ", ".join(map(str, unknown)) + "."
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    if not vacancy.before(Status.DECIDED):
        raise Conflict("This vacancy has been decided; there is nothing more to declare.")
    earlier = conflicted_candidate_ids(actor.id, vacancy.id)
    dropped = sorted(earlier - set(ids))
    if dropped and not vacancy.before(Status.INTERVIEWING):
        names = ", ".join(candidates[i] for i in dropped)
        raise Conflict(
            f"You said you know {names}. Once interviewing has started that stays, even if it "
            "was a mistake: it keeps the scores fair.",
            code="conflict_stays",
            fields={"conflicts": [f"Keep {names} in your conflicts."]},
        )
    declaration = Declaration(
        vacancy_id=vacancy.id,
        user_id=actor.id,
        confidentiality=True,
        conflicts=[DeclaredConflict(candidate_id=i) for i in ids],
        covered=[DeclaredAbout(candidate_id=i) for i in sorted(candidates)],
    )
    db.session.add(declaration)
    db.session.flush()
    g.pop("declared", None)
    g.pop("covers", None)
    audit.record(
        "declaration.made",
        declaration,
        actor=actor,
        after={"vacancy_id": vacancy.id, "conflicts": ids},
    )
    added = set(ids) - earlier
    if added:
        # Sheets already sent about a candidate the member now says they know are set aside:
        # kept as they are, never counted (scoring.results), and the trail says when and why.
        set_aside = db.session.scalars(
            select(Scoresheet).where(
                Scoresheet.vacancy_id == vacancy.id,
                Scoresheet.user_id == actor.id,
                Scoresheet.candidate_id.in_(added),
                Scoresheet.status == SUBMITTED,
            )
        ).all()
        for sheet in set_aside:
            audit.record(
                "scoresheet.set_aside",
                sheet,
                actor=actor,
                after={"reason": "conflict", "candidate_id": sheet.candidate_id},
            )
        if set_aside:
            sheets_set_aside.send(
                vacancy, actor=actor, candidate_ids={s.candidate_id for s in set_aside}
            )
    return declaration


def current_declaration(user_id: int, vacancy_id: int) -> Declaration | None:
    return db.session.scalar(
        select(Declaration)
        .where(Declaration.vacancy_id == vacancy_id, Declaration.user_id == user_id)
        .order_by(Declaration.id.desc())
        .limit(1)
    )


def declared(user_id: int, vacancy_id: int) -> tuple[bool, set[int]]:
    """Whether the member has declared for this vacancy, and the candidates their latest
    declaration says they know: one query, kept for the request (a scoresheet asks twice)."""
    cache = g.setdefault("declared", {})
    key = (user_id, vacancy_id)
    if key not in cache:
        latest = (
            select(func.max(Declaration.id))
            .where(Declaration.vacancy_id == vacancy_id, Declaration.user_id == user_id)
            .scalar_subquery()
        )
        rows = db.session.execute(
            select(Declaration.id, DeclaredConflict.candidate_id)
            .outerjoin(DeclaredConflict, DeclaredConflict.declaration_id == Declaration.id)
            .where(Declaration.id == latest)
        ).all()
        cache[key] = (bool(rows), {c for _, c in rows if c is not None})
    return cache[key]


def covered_candidate_ids(user_id: int, vacancy_id: int) -> set[int]:
    """The candidates the member's latest declaration was made about (empty: none made)."""
    latest = (
        select(func.max(Declaration.id))
        .where(Declaration.vacancy_id == vacancy_id, Declaration.user_id == user_id)
        .scalar_subquery()
    )
    return set(
        db.session.scalars(
            select(DeclaredAbout.candidate_id).where(DeclaredAbout.declaration_id == latest)
        ).all()
    )


def undeclared_candidates(user_id: int, vacancy: Vacancy) -> list:
    """The candidates in the running the member has not yet been asked about: all of them
    before a first declaration, then those added since the latest one."""
    from recruit.candidates.operations import candidates_of

    covered = covered_candidate_ids(user_id, vacancy.id)
    return [c for c in candidates_of(vacancy, running_only=True) if c.id not in covered]


def conflicted_candidate_ids(user_id: int, vacancy_id: int) -> set[int]:
    declaration = current_declaration(user_id, vacancy_id)
    return {c.candidate_id for c in declaration.conflicts} if declaration else set()


def record_training(
    actor: User, user: User, *, course: str, completed_on: date, note: str = ""
) -> Training:
    course = (course or "").strip()
    if not 1 <= len(course) <= 200:
        raise ValidationFailed(fields={"course": ["Say which training it was."]})
    training = Training(
        user_id=user.id,
        course=course,
        completed_on=completed_on,
        note=(note or "").strip()[:2000],
        recorded_by_id=actor.id,
    )
    db.session.add(training)
    db.session.flush()
    audit.record(
        "training.recorded", training, actor=actor, after={"user_id": user.id, "course": course}
    )
    return training


def training_by_user(user_ids: list[int]) -> dict[int, list[Training]]:
    rows = (
        db.session.scalars(
            select(Training).where(Training.user_id.in_(user_ids)).order_by(Training.completed_on)
        ).all()
        if user_ids
        else []
    )
    found: dict[int, list[Training]] = {}
    for row in rows:
        found.setdefault(row.user_id, []).append(row)
    return found


def member_counts(vacancy: Vacancy) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(PanelMember.panel_id, func.count(PanelMember.id))
            .where(PanelMember.vacancy_id == vacancy.id)
            .group_by(PanelMember.panel_id)
        ).all()
    )
