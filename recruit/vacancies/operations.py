"""Operations on vacancies: create, edit, move between stages. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from recruit.core import audit
from recruit.core.errors import Conflict, NotFound, ValidationFailed
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.people.models import User
from recruit.vacancies import workflow
from recruit.vacancies.models import Status, StatusChange, Vacancy

EDITABLE = ("title", "service", "description", "easy_read_summary", "closes_on", "posts")
LIMITS = {"title": 200, "service": 200, "description": 20_000, "easy_read_summary": 5_000}


def describe(vacancy: Vacancy) -> dict:
    values = {name: getattr(vacancy, name) for name in EDITABLE}
    values["closes_on"] = vacancy.closes_on.isoformat() if vacancy.closes_on else None
    values["status"] = vacancy.status
    return values


def _validate(values: dict, *, creating: bool) -> dict:
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name in ("title", "service", "description", "easy_read_summary"):
        if name not in values:
            continue
        text = (values[name] or "").strip()
        if name in ("title", "service") and not text:
            errors[name] = ["This is required."]
        elif len(text) > LIMITS[name]:
            errors[name] = [f"Use at most {LIMITS[name]} characters."]
        clean[name] = text
    if "closes_on" in values:
        closes_on = values["closes_on"]
        if not isinstance(closes_on, date):
            errors["closes_on"] = ["Give the closing date, like 2026-12-31."]
        elif creating and closes_on < date.today():
            errors["closes_on"] = ["The closing date cannot be in the past."]
        clean["closes_on"] = closes_on
    if "posts" in values and values["posts"] is not None:
        posts = values["posts"]
        if isinstance(posts, bool) or not isinstance(posts, int) or not 1 <= posts <= 100:
            errors["posts"] = ["Give the number of posts, from 1 to 100."]
        clean["posts"] = posts
    if creating:
        for name in ("title", "service", "closes_on"):
            if name not in values and name not in errors:
                errors[name] = ["This is required."]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def create_vacancy(actor: User, **values) -> Vacancy:
    clean = _validate(values, creating=True)
    clean.setdefault("posts", 1)
    vacancy = Vacancy(created_by_id=actor.id, status=Status.DRAFT, **clean)
    db.session.add(vacancy)
    db.session.flush()
    audit.record("vacancy.created", vacancy, actor=actor, after=describe(vacancy))
    return vacancy


def update_vacancy(actor: User, vacancy: Vacancy, **values) -> Vacancy:
    clean = _validate({k: v for k, v in values.items() if k in EDITABLE}, creating=False)
    if vacancy.status in (Status.DECIDED, Status.CLOSED, Status.WITHDRAWN):
        raise Conflict("This vacancy has ended and can no longer be changed.")
    if "posts" in clean:
        appointed = appointments(vacancy)
        if clean["posts"] < appointed:
            raise Conflict(
                f"{appointed} candidates are already appointed, so there cannot be fewer than "
                f"{appointed} posts. Change a decision first.",
                code="posts_below_appointments",
                fields={"posts": [f"Give at least {appointed}."]},
            )
    before = describe(vacancy)
    for name, value in clean.items():
        setattr(vacancy, name, value)
    db.session.flush()
    after = describe(vacancy)
    if after != before:
        audit.record("vacancy.updated", vacancy, actor=actor, before=before, after=after)
    return vacancy


def appointments(vacancy: Vacancy) -> int:
    """How many candidates of the vacancy stand appointed."""
    from recruit.decisions.models import Decision, Outcome

    return db.session.scalar(
        select(func.count(Decision.id)).where(
            Decision.vacancy_id == vacancy.id, Decision.outcome == Outcome.APPOINT
        )
    )


def get_vacancy(vacancy_id: int) -> Vacancy:
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound("We could not find that vacancy.")
    return vacancy


def transition(actor: User, vacancy: Vacancy, to: str) -> Vacancy:
    """Move a vacancy to another stage, if the move is allowed and its preconditions hold."""
    from recruit.candidates.models import Candidate, CandidateStatus

    target = workflow.check_transition(vacancy, to)
    before = vacancy.status
    if target == Status.INTERVIEWING:
        # Everyone HR did not turn down at shortlisting is invited to interview.
        db.session.execute(
            update(Candidate)
            .where(Candidate.vacancy_id == vacancy.id, Candidate.status == CandidateStatus.APPLIED)
            .values(status=CandidateStatus.SHORTLISTED)
        )
    if target == Status.DECIDING:
        db.session.execute(
            update(Candidate)
            .where(
                Candidate.vacancy_id == vacancy.id, Candidate.status == CandidateStatus.SHORTLISTED
            )
            .values(status=CandidateStatus.INTERVIEWED)
        )
    if target == Status.DECIDED:
        from recruit.decisions.models import Decision

        outcome_status = {
            "appoint": CandidateStatus.APPOINTED,
            "reserve": CandidateStatus.RESERVE,
            "not_appointed": CandidateStatus.NOT_APPOINTED,
        }
        for candidate_id, outcome in db.session.execute(
            select(Decision.candidate_id, Decision.outcome).where(Decision.vacancy_id == vacancy.id)
        ).all():
            db.session.execute(
                update(Candidate)
                .where(Candidate.id == candidate_id)
                .values(status=outcome_status[outcome])
            )
    vacancy.status = target
    vacancy.status_changed_at = utcnow()
    if target == Status.CO_DESIGN:
        from recruit.panels.messages import invite_to_co_design

        invite_to_co_design(vacancy)
    if target == Status.DECIDED:
        from recruit.decisions.operations import notify_outcome

        db.session.flush()
        notify_outcome(vacancy)
    db.session.add(
        StatusChange(vacancy_id=vacancy.id, from_status=before, to_status=target, by_id=actor.id)
    )
    db.session.flush()
    audit.record(
        "vacancy.transition",
        vacancy,
        actor=actor,
        before={"status": before},
        after={"status": target},
    )
    return vacancy


def vacancies_by_stage(member: User | None = None) -> dict[Status, list[Vacancy]]:
    """Every vacancy by stage (for HR), or only those `member` sits on a panel for."""
    from recruit.panels.models import PanelMember

    query = select(Vacancy).order_by(Vacancy.closes_on, Vacancy.id)
    if member is not None:
        query = query.where(
            Vacancy.id.in_(select(PanelMember.vacancy_id).where(PanelMember.user_id == member.id))
        )
    rows = db.session.scalars(query).all()
    stages: dict[Status, list[Vacancy]] = {status: [] for status in Status}
    for vacancy in rows:
        stages[Status(vacancy.status)].append(vacancy)
    return stages


def overview(vacancy: Vacancy) -> dict:
    """Counts for the vacancy's overview page, in a fixed number of queries."""
    from recruit.candidates.models import Candidate
    from recruit.panels.operations import member_counts, panels_of, people_supported_share
    from recruit.qualities.models import Quality

    panels = panels_of(vacancy)
    qualities = db.session.execute(
        select(Quality.status, func.count(Quality.id))
        .where(Quality.vacancy_id == vacancy.id)
        .group_by(Quality.status)
    ).all()
    candidates = db.session.execute(
        select(Candidate.status, func.count(Candidate.id))
        .where(Candidate.vacancy_id == vacancy.id)
        .group_by(Candidate.status)
    ).all()
    return {
        "panels": panels,
        "members": member_counts(vacancy),
        "share": people_supported_share(vacancy, panels),
        "qualities": dict(qualities),
        "candidates": dict(candidates),
    }


# --- the dashboard and the filtered list ---------------------------------------------------

DASHBOARD_ROWS = 25  # vacancies shown per stage on the dashboard; the rest one click away
PAGE_SIZE = 50


@dataclass
class Filters:
    """What HR narrows the list down to: a stage, a service, words in the job title."""

    stage: Status | None = None
    service: str = ""
    words: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        stage = args.get("stage", "")
        try:
            page = max(1, min(int(args.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        return cls(
            stage=Status(stage) if stage in {s.value for s in Status} else None,
            service=(args.get("service") or "").strip()[:200],
            words=(args.get("q") or "").strip()[:200],
            page=page,
        )

    @property
    def active(self) -> bool:
        return bool(self.stage or self.service or self.words)

    def args(self, **changes) -> dict:
        values = {"stage": self.stage.value if self.stage else "", "service": self.service}
        values |= {"q": self.words, **changes}
        return {k: v for k, v in values.items() if v not in ("", None, 1)}


def _where(query, filters: Filters, member: User | None):
    from recruit.panels.models import PanelMember

    if member is not None:
        query = query.where(
            Vacancy.id.in_(select(PanelMember.vacancy_id).where(PanelMember.user_id == member.id))
        )
    if filters.stage:
        query = query.where(Vacancy.status == filters.stage)
    if filters.service:
        query = query.where(Vacancy.service == filters.service)
    if filters.words:
        query = query.where(
            func.lower(Vacancy.title).contains(filters.words.lower(), autoescape=True)
        )
    return query


def dashboard(
    filters: Filters, member: User | None = None, per_stage: int = DASHBOARD_ROWS
) -> dict[Status, tuple[int, list[Vacancy]]]:
    """For each stage: how many vacancies match, and the first few by closing date. Two
    queries, however many vacancies the organisation has."""
    counts = dict(
        db.session.execute(
            _where(select(Vacancy.status, func.count(Vacancy.id)), filters, member).group_by(
                Vacancy.status
            )
        ).all()
    )
    position = (
        func.row_number()
        .over(partition_by=Vacancy.status, order_by=(Vacancy.closes_on, Vacancy.id))
        .label("position")
    )
    ranked = _where(select(Vacancy.id, position), filters, member).subquery()
    rows = db.session.scalars(
        select(Vacancy)
        .join(ranked, ranked.c.id == Vacancy.id)
        .where(ranked.c.position <= per_stage)
        .order_by(Vacancy.closes_on, Vacancy.id)
    ).all()
    stages: dict[Status, tuple[int, list[Vacancy]]] = {
        status: (counts.get(status, 0), []) for status in Status
    }
    for vacancy in rows:
        stages[Status(vacancy.status)][1].append(vacancy)
    return stages


def vacancy_page(filters: Filters, member: User | None = None) -> tuple[int, list[Vacancy]]:
    """One page of the vacancies that match, by closing date, and how many match in all."""
    total = db.session.scalar(_where(select(func.count(Vacancy.id)), filters, member)) or 0
    rows = db.session.scalars(
        _where(select(Vacancy), filters, member)
        .order_by(Vacancy.closes_on, Vacancy.id)
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    ).all()
    return total, list(rows)


def services(member: User | None = None) -> list[str]:
    """The services vacancies have been for, for the filter's choices."""
    return list(
        db.session.scalars(
            _where(select(Vacancy.service).distinct(), Filters(), member).order_by(Vacancy.service)
        ).all()
    )
