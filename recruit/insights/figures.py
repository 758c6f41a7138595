"""The organisation's figures: how co-produced its recruitment is, and whether it worked.

Each figure is a query function of `Filters` (a service, a period) that returns plain rows,
so that the page's charts, its tables and the CSV files all show the same numbers, and tests
can check them against a hand count. The period and the service are asked of the database,
and scores are read for the appointed candidates only: the page stays quick with thousands
of vacancies and millions of scores (bench/org_bench.py). Percentages and scores are kept
exact and rounded only when shown (`scoring.results.two`).

Definitions, also said on the page:
* a vacancy counts in the period of the day it was created; drafts and withdrawn vacancies
  are left out;
* a vacancy has a people supported panel when one such panel has at least one member;
* an appointment counts in the period of its decision, once its vacancy is decided;
* an appointment was not the people supported panels' first choice when its decision
  carries the flag `people_supported_preferred_other`: what the results said when the
  decision was recorded (it then needed a reason), not what they would say today;
* the staff score is the weighted mean of the staff panels' scores (mixed panels count only
  in the overall score), as the people supported score is of theirs;
* the co-evaluation answer is the mean, over the people supported who answered, of their
  answers normalised to 0–100 like scores ("not sure" left out);
* staying past probation is 1 when the line manager recorded "passed", 0 for "did not pass"
  or "left", and not counted while unknown or extended.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select, true

from recruit.candidates.models import Candidate
from recruit.decisions.models import Decision, Outcome
from recruit.extensions import db
from recruit.insights.models import (
    CHECK_IN_SCALE,
    STAYED,
    CheckIn,
    CheckInResponse,
    CheckInValue,
    ProbationOutcome,
    ProbationView,
)
from recruit.involvement.models import (
    ACTIVITY_LABELS,
    Activity,
    Participation,
    Payment,
    PaymentStatus,
)
from recruit.panels.models import Panel, PanelKind, PanelMember
from recruit.people.models import User
from recruit.scoring.models import SUBMITTED, Score, Scoresheet
from recruit.scoring.results import (
    FLAG_PREFERRED_OTHER,
    PanelInfo,
    mean_normalised,
    normalise,
)
from recruit.vacancies.models import Status, StatusChange, Vacancy

MIN_CASES = 5  # fewer appointments than this and a correlation means nothing: say so
STAGES = [Status.DRAFT, Status.CO_DESIGN, Status.SHORTLISTING, Status.INTERVIEWING]
STAGES += [Status.DECIDING]


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    service: str | None = None

    @classmethod
    def last_year(cls, today: date, service: str | None = None) -> Filters:
        return cls(today - relativedelta(years=1) + relativedelta(days=1), today, service)

    def covers(self, moment: datetime | date) -> bool:
        day = moment.date() if isinstance(moment, datetime) else moment
        return self.start <= day <= self.end

    def takes(self, service: str | None) -> bool:
        return self.service is None or service == self.service

    def during(self, column):
        """`covers`, asked of the database: the days of the period, in UTC like the column."""
        since = column >= datetime.combine(self.start, time.min, UTC)
        if self.end == date.max:
            return since
        return since & (column < datetime.combine(self.end + timedelta(days=1), time.min, UTC))

    def at_service(self, column):
        """`takes`, asked of the database."""
        return true() if self.service is None else column == self.service


def quarter(moment: datetime | date) -> str:
    return f"{moment.year} Q{(moment.month - 1) // 3 + 1}"


def share(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


# --- 1. people supported panels and their share of the weight --------------------------------


@dataclass
class ShareRow:
    label: str  # a quarter ("2026 Q1") or a service
    vacancies: int = 0
    with_panel: int = 0
    weight_shares: list[float] = field(default_factory=list)

    @property
    def panel_share(self) -> float | None:
        """% of vacancies with a people supported panel that has at least one member."""
        return share(self.with_panel, self.vacancies)

    @property
    def weight_share(self) -> float | None:
        """The people supported panels' mean share of the weight, over these vacancies."""
        return sum(self.weight_shares) / len(self.weight_shares) if self.weight_shares else None


@dataclass
class Shares:
    by_quarter: list[ShareRow]
    by_service: list[ShareRow]
    total: ShareRow


LEFT_OUT = [Status.DRAFT, Status.WITHDRAWN]  # vacancies no figure counts


def _has_member():
    """A panel someone sits on. Not correlated, so the database builds the set once."""
    return Panel.id.in_(select(PanelMember.panel_id))


def panel_shares(filters: Filters) -> Shares:
    opened = (
        Vacancy.status.not_in(LEFT_OUT),
        filters.during(Vacancy.created_at),
        filters.at_service(Vacancy.service),
    )
    weights: dict[int, list[tuple[str, float, bool]]] = defaultdict(list)
    for vacancy_id, kind, weight, sat in db.session.execute(
        select(Panel.vacancy_id, Panel.kind, Panel.weight, _has_member())
        .join(Vacancy, Vacancy.id == Panel.vacancy_id)
        .where(*opened)
    ):
        weights[vacancy_id].append((kind, float(weight), bool(sat)))
    quarters: dict[str, ShareRow] = {}
    services: dict[str, ShareRow] = {}
    total = ShareRow("All")
    for vacancy_id, service, created_at in db.session.execute(
        select(Vacancy.id, Vacancy.service, Vacancy.created_at)
        .where(*opened)
        .order_by(Vacancy.created_at, Vacancy.id)
    ):
        panels = weights.get(vacancy_id, [])
        ps = sum(w for kind, w, _ in panels if kind == PanelKind.PEOPLE_SUPPORTED)
        whole = sum(w for _, w, _ in panels)
        sat = any(kind == PanelKind.PEOPLE_SUPPORTED and sat for kind, _, sat in panels)
        weight_share = share(ps, whole) or 0.0
        label = quarter(created_at)
        if label not in quarters:
            quarters[label] = ShareRow(label)
        if service not in services:
            services[service] = ShareRow(service)
        for row in (quarters[label], services[service], total):
            row.vacancies += 1
            row.with_panel += 1 if sat else 0
            row.weight_shares.append(weight_share)
    return Shares(
        by_quarter=[quarters[k] for k in sorted(quarters)],
        by_service=[services[k] for k in sorted(services, key=str.lower)],
        total=total,
    )


# --- appointments: the rows the next figures are made of ------------------------------------


@dataclass
class Appointment:
    candidate_id: int
    vacancy_id: int
    vacancy_title: str
    service: str
    alias: str
    decided_at: datetime
    overall: float | None
    people_supported: float | None
    staff: float | None
    override_reason: str
    flags: list[str]
    co_evaluation: float | None = None  # 0–100
    co_evaluation_answers: int = 0
    probation: str | None = None

    @property
    def preferred_other(self) -> bool:
        """The people supported panels ranked someone else first when this was decided."""
        return FLAG_PREFERRED_OTHER in self.flags

    @property
    def stayed(self) -> float | None:
        if self.probation is None:
            return None
        stayed = STAYED.get(ProbationOutcome(self.probation))
        return None if stayed is None else (1.0 if stayed else 0.0)


def _weighted_mean(pairs: list[tuple[float, float]]) -> float | None:
    total = sum(w for w, _ in pairs)
    return sum(w * s for w, s in pairs) / total if total else None


def interview_scores(
    panels: list[PanelInfo], members: dict[int, list[float]]
) -> tuple[float | None, float | None, float | None]:
    """One candidate's overall, people supported and staff scores from the member scores of
    each panel (`members[panel_id]`, "not sure" sheets left out): what `combine` gives for
    that candidate alone, the same sums in the same order and so the same numbers (tested
    against it), without the ranks and flags it works out for a whole vacancy. The staff score
    is the weighted mean of the staff panels' scores, as the people supported one is of theirs."""
    scored = [(p.kind, p.weight, sum(m) / len(m)) for p in panels if (m := members.get(p.id))]
    return (
        _weighted_mean([(w, s) for _, w, s in scored]),
        _weighted_mean([(w, s) for kind, w, s in scored if kind == PanelKind.PEOPLE_SUPPORTED]),
        _weighted_mean([(w, s) for kind, w, s in scored if kind == PanelKind.STAFF]),
    )


def response_score(response: CheckInResponse) -> float | None:
    """One person's check-in answers on 0–100 (the scoring rule's normalisation)."""
    values = [normalise(v.value, CHECK_IN_SCALE) for v in response.values if v.value is not None]
    return sum(values) / len(values) if values else None


def latest_outcomes(candidate_ids) -> dict[int, str]:
    """The probation outcome the line manager recorded last, per candidate. `candidate_ids`
    is a list or a select of them (kept in the database, not sent back as a long list)."""
    rows = db.session.execute(
        select(ProbationView.candidate_id, ProbationView.outcome)
        .where(ProbationView.candidate_id.in_(candidate_ids), ProbationView.outcome.is_not(None))
        .order_by(ProbationView.recorded_at, ProbationView.id)
    ).all()
    return {cid: outcome for cid, outcome in rows}


def co_evaluations(candidate_ids) -> dict[int, list[float]]:
    """Each answered check-in response's score, per candidate, in the order of the responses;
    `candidate_ids` as above. The database adds up each response's answers; one division
    gives what `response_score` gives (on the 3-point scale every normalised answer, and so
    every sum of them, is exact)."""
    found: dict[int, list[float]] = defaultdict(list)
    for candidate_id, _, total, answered in db.session.execute(
        select(
            CheckIn.candidate_id,
            CheckInValue.response_id,
            func.sum(CheckInValue.value),
            func.count(CheckInValue.value),
        )
        .join(CheckInResponse, CheckInResponse.check_in_id == CheckIn.id)
        .join(CheckInValue, CheckInValue.response_id == CheckInResponse.id)
        .where(CheckIn.candidate_id.in_(candidate_ids))
        .group_by(CheckIn.candidate_id, CheckInValue.response_id)
        .order_by(CheckInValue.response_id)
    ):
        if answered:  # a response of only "not sure" has no score
            found[candidate_id].append(mean_normalised(total, answered, CHECK_IN_SCALE))
    return found


def _appointed_scores(chosen) -> tuple[dict[int, list[PanelInfo]], dict[int, dict]]:
    """The panels of each appointed candidate's vacancy, and the member scores of the
    candidate's submitted sheets per panel, in two queries: `chosen` selects (candidate_id,
    vacancy_id) of the appointments. The database adds up each sheet's values."""
    chosen = chosen.subquery()
    panels: dict[int, list[PanelInfo]] = defaultdict(list)
    for vacancy_id, *info in db.session.execute(
        select(Panel.vacancy_id, Panel.id, Panel.name, Panel.kind, Panel.weight, Panel.scale)
        .where(Panel.vacancy_id.in_(select(chosen.c.vacancy_id)))
        .order_by(Panel.id)
    ).all():
        panel_id, name, kind, weight, scale = info
        panels[vacancy_id].append(PanelInfo(panel_id, name, kind, float(weight), scale))
    scale = {p.id: p.scale for infos in panels.values() for p in infos}
    members: dict[int, dict[int, list[float]]] = defaultdict(dict)
    for candidate_id, panel_id, _, total, count in db.session.execute(
        select(
            Scoresheet.candidate_id,
            Scoresheet.panel_id,
            Scoresheet.user_id,
            func.sum(Score.value),
            func.count(Score.value),
        )
        .outerjoin(Score, Score.scoresheet_id == Scoresheet.id)
        .where(
            Scoresheet.candidate_id.in_(select(chosen.c.candidate_id)),
            Scoresheet.status == SUBMITTED,
        )
        .group_by(Scoresheet.id, Scoresheet.candidate_id, Scoresheet.panel_id, Scoresheet.user_id)
    ):
        if count:  # a sheet of all "not sure" has no member score
            members[candidate_id].setdefault(panel_id, []).append(
                mean_normalised(total, count, scale[panel_id])
            )
    return panels, members


def appointments(filters: Filters, vacancy_id: int | None = None) -> list[Appointment]:
    """Every appointment decided in the period, with the appointed person's interview scores
    by the scoring rule (`interview_scores`: `combine` for that candidate alone, as their
    scores do not depend on the others'; the ranks are not needed, the decision kept its
    flags). The appointments are chosen once, as a select the other queries use, so their ids
    never travel as a long list; rows are read as they come, not all kept at once."""
    where = [
        Decision.outcome == Outcome.APPOINT,
        Vacancy.status.in_([Status.DECIDED, Status.CLOSED]),
        filters.during(Decision.decided_at),
        filters.at_service(Vacancy.service),
    ]
    if vacancy_id is not None:
        where.append(Vacancy.id == vacancy_id)
    chosen = (
        select(Decision.candidate_id, Decision.vacancy_id)
        .join(Vacancy, Vacancy.id == Decision.vacancy_id)
        .where(*where)
    )
    panels, members = _appointed_scores(chosen)
    chosen_ids = select(chosen.subquery().c.candidate_id)
    answers = co_evaluations(chosen_ids)
    outcomes = latest_outcomes(chosen_ids)
    rows = db.session.execute(
        select(
            Decision.candidate_id,
            Decision.vacancy_id,
            Decision.decided_at,
            Decision.override_reason,
            Decision.flags,
            Vacancy.title,
            Vacancy.service,
            Candidate.alias,
        )
        .join(Vacancy, Vacancy.id == Decision.vacancy_id)
        .join(Candidate, Candidate.id == Decision.candidate_id)
        .where(*where)
        .order_by(Decision.decided_at, Decision.id)
    )
    found: list[Appointment] = []
    for candidate_id, appointed_to, decided_at, reason, flags, title, service, alias in rows:
        overall, people_supported, staff = interview_scores(
            panels.get(appointed_to, []), members.get(candidate_id, {})
        )
        scores = answers.get(candidate_id, [])
        found.append(
            Appointment(
                candidate_id=candidate_id,
                vacancy_id=appointed_to,
                vacancy_title=title,
                service=service,
                alias=alias,
                decided_at=decided_at,
                overall=overall,
                people_supported=people_supported,
                staff=staff,
                override_reason=reason or "",
                flags=list(flags or []),
                co_evaluation=sum(scores) / len(scores) if scores else None,
                co_evaluation_answers=len(scores),
                probation=outcomes.get(candidate_id),
            )
        )
    return found


# --- 2. was the appointed candidate the people supported panels' first choice? --------------


@dataclass
class ChoiceRow:
    label: str  # a service, or "All services"
    first: int = 0
    not_first: int = 0
    no_ranking: int = 0  # no people supported panel, or no scores from one

    @property
    def appointments(self) -> int:
        return self.first + self.not_first + self.no_ranking

    @property
    def first_share(self) -> float | None:
        """% of the appointments the people supported panels ranked."""
        return share(self.first, self.first + self.not_first)

    def count(self, appointment: Appointment) -> None:
        if appointment.preferred_other:
            self.not_first += 1
        elif appointment.people_supported is None:
            self.no_ranking += 1
        else:
            self.first += 1


@dataclass
class FirstChoice:
    total: ChoiceRow
    by_service: list[ChoiceRow]
    overrides: list[Appointment]

    @property
    def first(self) -> int:
        return self.total.first

    @property
    def not_first(self) -> int:
        return self.total.not_first

    @property
    def no_ranking(self) -> int:
        return self.total.no_ranking

    @property
    def first_share(self) -> float | None:
        return self.total.first_share


def first_choice(filters: Filters, found: list[Appointment] | None = None) -> FirstChoice:
    """Whether each appointment was the people supported panels' first choice, as recorded
    with the decision; they ranked it when the appointed person has a people supported score."""
    found = appointments(filters) if found is None else found
    total = ChoiceRow("All services")
    services: dict[str, ChoiceRow] = {}
    for appointment in found:
        total.count(appointment)
        services.setdefault(appointment.service, ChoiceRow(appointment.service)).count(appointment)
    return FirstChoice(
        total=total,
        by_service=[services[k] for k in sorted(services, key=str.lower)],
        overrides=[a for a in found if a.override_reason],
    )


# --- 3. did the interview scores predict how it went? ----------------------------------------


def pearson(pairs: list[tuple[float, float]]) -> float | None:
    """Pearson's r; None with fewer than 2 pairs or when either side never varies."""
    if len(pairs) < 2:
        return None
    n = len(pairs)
    mx = sum(x for x, _ in pairs) / n
    my = sum(y for _, y in pairs) / n
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    syy = sum((y - my) ** 2 for _, y in pairs)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


GROUPS = [
    ("people_supported", "People supported panels"),
    ("staff", "Staff panels"),
    ("overall", "Overall"),
]
OUTCOMES = [
    ("co_evaluation", "What people supported said later"),
    ("stayed", "Stayed past probation"),
]


@dataclass
class Correlation:
    group: str
    group_label: str
    outcome: str
    outcome_label: str
    r: float | None
    cases: int

    @property
    def too_few(self) -> bool:
        return self.cases < MIN_CASES

    @property
    def words(self) -> str:
        if self.r is None:
            return "Cannot be worked out" + (
                " yet: too few cases." if self.too_few else ": the numbers never change."
            )
        strength = abs(self.r)
        how = (
            "strong"
            if strength >= 0.7
            else "moderate"
            if strength >= 0.4
            else "weak"
            if strength >= 0.2
            else "no real"
        )
        sign = "" if how == "no real" else (" positive" if self.r > 0 else " negative")
        text = f"A {how}{sign} link" if how != "no real" else "No real link"
        return text + (" (too few cases to mean anything)" if self.too_few else "")


def predictions(filters: Filters, found: list[Appointment] | None = None) -> list[Correlation]:
    found = appointments(filters) if found is None else found
    table = []
    for group, group_label in GROUPS:
        for outcome, outcome_label in OUTCOMES:
            pairs = [
                (getattr(a, group), getattr(a, outcome))
                for a in found
                if getattr(a, group) is not None and getattr(a, outcome) is not None
            ]
            table.append(
                Correlation(group, group_label, outcome, outcome_label, pearson(pairs), len(pairs))
            )
    return table


# --- 4. participation ----------------------------------------------------------------------


@dataclass
class ActivityRow:
    activity: str
    label: str
    times: int = 0
    minutes: int = 0
    people: set[int] = field(default_factory=set)

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass
class ParticipationFigures:
    people: int
    times: int
    minutes: int
    paid_pence: int
    promised_pence: int  # owed or approved, not paid yet
    more_than_once: int
    by_activity: list[ActivityRow]

    @property
    def hours(self) -> float:
        return self.minutes / 60


def participation(filters: Filters) -> ParticipationFigures:
    rows = db.session.execute(
        select(Participation, Vacancy.service, User.service)
        .join(User, User.id == Participation.user_id)
        .outerjoin(Vacancy, Vacancy.id == Participation.vacancy_id)
        .where(Participation.took_part_on.between(filters.start, filters.end))
        .order_by(Participation.id)
    ).all()
    taken = [
        p
        for p, vacancy_service, user_service in rows
        if filters.covers(p.took_part_on)
        and filters.takes(vacancy_service if p.vacancy_id else user_service)
    ]
    by_activity = {a: ActivityRow(a.value, ACTIVITY_LABELS[a]) for a in Activity}
    times_per_person: dict[int, int] = defaultdict(int)
    for p in taken:
        row = by_activity[Activity(p.activity)]
        row.times += 1
        row.minutes += p.minutes
        row.people.add(p.user_id)
        times_per_person[p.user_id] += 1
    payments = db.session.execute(
        select(Payment.status, Payment.amount_pence).where(
            Payment.participation_id.in_([p.id for p in taken])
        )
    ).all()
    return ParticipationFigures(
        people=len(times_per_person),
        times=len(taken),
        minutes=sum(p.minutes for p in taken),
        paid_pence=sum(a for s, a in payments if s == PaymentStatus.PAID),
        promised_pence=sum(
            a for s, a in payments if s in (PaymentStatus.OWED, PaymentStatus.APPROVED)
        ),
        more_than_once=sum(1 for n in times_per_person.values() if n > 1),
        by_activity=[r for r in by_activity.values() if r.times],
    )


# --- 5. time from vacancy to decision, per stage -------------------------------------------


@dataclass
class StageRow:
    stage: str
    label: str
    days: list[float] = field(default_factory=list)

    @property
    def mean_days(self) -> float | None:
        return sum(self.days) / len(self.days) if self.days else None


@dataclass
class StageTimes:
    vacancies: int
    stages: list[StageRow]
    total_days: list[float]

    @property
    def mean_total(self) -> float | None:
        return sum(self.total_days) / len(self.total_days) if self.total_days else None


DAY = 86400.0


def stage_times(filters: Filters) -> StageTimes:
    """Vacancies decided in the period: days spent in each stage, from creation to decision."""
    decided_then = (
        select(StatusChange.vacancy_id)
        .join(Vacancy, Vacancy.id == StatusChange.vacancy_id)
        .where(
            StatusChange.to_status == Status.DECIDED,
            filters.during(StatusChange.at),
            filters.at_service(Vacancy.service),
        )
    )  # those that may count; when each was first decided is checked below
    changes: dict[int, dict[str, datetime]] = defaultdict(dict)
    for vacancy_id, to_status, at in db.session.execute(
        select(StatusChange.vacancy_id, StatusChange.to_status, StatusChange.at)
        .where(StatusChange.vacancy_id.in_(decided_then))
        .order_by(StatusChange.at, StatusChange.id)
    ).all():
        changes[vacancy_id].setdefault(to_status, at)
    vacancies = db.session.scalars(select(Vacancy).where(Vacancy.id.in_(decided_then))).all()
    rows = [StageRow(s.value, s.label) for s in STAGES]
    totals = []
    counted = 0
    for vacancy in vacancies:
        entered = dict(changes[vacancy.id])
        decided = entered.get(Status.DECIDED)
        if decided is None or not filters.covers(decided) or not filters.takes(vacancy.service):
            continue
        counted += 1
        entered[Status.DRAFT] = vacancy.created_at
        order = [*STAGES, Status.DECIDED]
        for row, stage, following in zip(rows, order, order[1:], strict=False):
            if stage in entered and following in entered:
                row.days.append((entered[following] - entered[stage]).total_seconds() / DAY)
        totals.append((decided - vacancy.created_at).total_seconds() / DAY)
    return StageTimes(counted, rows, totals)


# --- one appointment: scores beside what was said since -------------------------------------


@dataclass
class CheckInSummary:
    check_in: CheckIn
    responses: list[CheckInResponse]
    by_quality: dict[int, float | None]  # mean 0–100 per quality
    score: float | None


@dataclass
class AppointmentStory:
    appointment: Appointment | None
    interview_by_quality: dict[int, float | None]  # people supported panels, 0–100
    check_ins: list[CheckInSummary]
    views: list[ProbationView]
    qualities: list
    user_ids: set[int]


def appointment_story(candidate: Candidate, vacancy: Vacancy) -> AppointmentStory:
    from recruit.insights.operations import check_ins_of, probation_views, responses_to
    from recruit.qualities.operations import accepted_qualities
    from recruit.scoring.results import quality_breakdown

    far = Filters(date(1900, 1, 1), date(9999, 12, 31))
    found = next(
        (a for a in appointments(far, vacancy.id) if a.candidate_id == candidate.id),
        None,
    )
    qualities = accepted_qualities(vacancy)
    breakdown = quality_breakdown(vacancy)
    ps_panels = {
        p.id
        for p in db.session.scalars(select(Panel).where(Panel.vacancy_id == vacancy.id)).all()
        if p.kind == PanelKind.PEOPLE_SUPPORTED
    }
    interview = {}
    for quality in qualities:
        values = [
            v
            for (c, p, q), v in breakdown.items()
            if c == candidate.id and q == quality.id and p in ps_panels
        ]
        interview[quality.id] = sum(values) / len(values) if values else None
    summaries = []
    user_ids: set[int] = set()
    for check_in in check_ins_of(candidate):
        responses = responses_to(check_in)
        user_ids |= {r.user_id for r in responses}
        by_quality = {}
        for quality in qualities:
            values = [
                normalise(v.value, CHECK_IN_SCALE)
                for r in responses
                for v in r.values
                if v.quality_id == quality.id and v.value is not None
            ]
            by_quality[quality.id] = sum(values) / len(values) if values else None
        scores = [s for s in (response_score(r) for r in responses) if s is not None]
        summaries.append(
            CheckInSummary(
                check_in, responses, by_quality, sum(scores) / len(scores) if scores else None
            )
        )
    views = probation_views(candidate)
    user_ids |= {v.user_id for v in views}
    return AppointmentStory(found, interview, summaries, views, qualities, user_ids)


# --- for the people supported: what we did together this year --------------------------------


@dataclass
class OurYear:
    service: str
    year: int
    qualities: list[tuple[str, str]]  # (symbol, words) the people supported chose
    named: list[tuple[str, str]]  # (first name, job) of those who agreed to be named
    unnamed: int  # people appointed who did not agree (or were not asked) to be named
    helpers: int  # people supported who took part
    minutes: int
    paid_pence: int


def our_year(service: str, year: int) -> OurYear:
    """What the people supported at `service` did together in `year`: the qualities they
    chose, who they helped appoint (first names only with consent), what was paid to them."""
    from recruit.qualities.models import Quality, QualityStatus, SourceGroup

    start, end = date(year, 1, 1), date(year, 12, 31)
    span = Filters(start, end, service)
    vacancies = [
        v
        for v in db.session.scalars(
            select(Vacancy).where(
                Vacancy.service == service,
                Vacancy.status.not_in(LEFT_OUT),
            )
        ).all()
        if span.covers(v.created_at)
    ]
    chosen: dict[str, tuple[str, str]] = {}
    for quality in db.session.scalars(
        select(Quality)
        .where(
            Quality.vacancy_id.in_([v.id for v in vacancies]),
            Quality.status == QualityStatus.ACCEPTED,
            Quality.source_group == SourceGroup.PEOPLE_SUPPORTED,
        )
        .order_by(Quality.id)
    ).all():
        words = (quality.easy_read or quality.text).strip()
        chosen.setdefault(words.lower(), (quality.symbol or "", words))
    named, unnamed = [], 0
    for decision, vacancy, candidate in db.session.execute(
        select(Decision, Vacancy, Candidate)
        .join(Vacancy, Vacancy.id == Decision.vacancy_id)
        .join(Candidate, Candidate.id == Decision.candidate_id)
        .where(
            Decision.outcome == Outcome.APPOINT,
            Vacancy.service == service,
            Vacancy.status.in_([Status.DECIDED, Status.CLOSED]),
        )
        .order_by(Decision.decided_at, Decision.id)
    ).all():
        if not span.covers(decision.decided_at):
            continue
        if candidate.shared_first_name and candidate.erased_at is None:
            named.append((candidate.shared_first_name, vacancy.title))
        else:
            unnamed += 1
    taking_part = participation(span)
    paid = db.session.execute(
        select(Payment.amount_pence, Payment.paid_at, Vacancy.service, User.service)
        .join(Participation, Participation.id == Payment.participation_id)
        .join(User, User.id == Participation.user_id)
        .outerjoin(Vacancy, Vacancy.id == Participation.vacancy_id)
        .where(Payment.status == PaymentStatus.PAID)
    ).all()
    paid_pence = sum(
        amount
        for amount, paid_at, vacancy_service, user_service in paid
        if paid_at is not None
        and span.covers(paid_at)
        and (vacancy_service or user_service) == service
    )
    return OurYear(
        service=service,
        year=year,
        qualities=list(chosen.values()),
        named=named,
        unnamed=unnamed,
        helpers=taking_part.people,
        minutes=taking_part.minutes,
        paid_pence=paid_pence,
    )
