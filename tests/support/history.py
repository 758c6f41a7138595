"""Build vacancies with their whole story through the same operations as the pages, then move
their timestamps back in time: a year of history to count figures from by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from recruit.core.time import utcnow
from recruit.extensions import db

STAGES = ["draft", "co_design", "shortlisting", "interviewing", "deciding", "decided"]


@dataclass
class PanelSpec:
    name: str
    kind: str
    weight: float
    scale: int
    members: list[str]  # keys of `people`; the first staff member of a staff panel leads


@dataclass
class Built:
    vacancy_id: int
    candidates: dict[str, int]  # candidate name -> id
    qualities: list[int]
    panels: dict[str, int] = field(default_factory=dict)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build_vacancy(
    people: dict,
    *,
    title: str,
    service: str,
    panels: list[PanelSpec],
    qualities: list,  # text, or (text, key of who proposed it)
    marks: dict[str, dict[str, tuple]],
    decisions: dict[str, tuple[str, str | None]] | None = None,
    created: date,
    stage_days: dict[str, int] | None = None,
    lead: str = "lead",
    upto: str = "decided",
) -> Built:
    """`marks[member][candidate]` is the tuple of values (one per quality, None for "not
    sure"), optionally followed by would_work_with. `stage_days` is how long each stage
    lasted. Needs an app context; commits."""
    from recruit.candidates import operations as candidates_ops
    from recruit.decisions.operations import record_decision
    from recruit.panels import operations as panels_ops
    from recruit.qualities import operations as qualities_ops
    from recruit.scoring.operations import save_scoresheet
    from recruit.vacancies import operations as vacancies_ops

    hr = people["hr"]
    vacancy = vacancies_ops.create_vacancy(
        hr,
        title=title,
        service=service,
        description="",
        closes_on=date.today() + timedelta(days=30),
    )
    built = Built(vacancy.id, {}, [])
    for spec in panels:
        panel = panels_ops.create_panel(
            hr, vacancy, name=spec.name, kind=spec.kind, weight=spec.weight, scale=spec.scale
        )
        built.panels[spec.name] = panel.id
        for key in spec.members:
            panels_ops.add_member(
                hr, panel, vacancy, user_id=people[key].id, role="lead" if key == lead else "member"
            )
    if upto == "draft":
        return _move_back(vacancy.id, built, created, stage_days, upto)
    vacancies_ops.transition(hr, vacancy, "co_design")
    if upto == "co_design":
        return _move_back(vacancy.id, built, created, stage_days, upto)
    made = []
    for item in qualities:
        text, proposer = item if isinstance(item, tuple) else (item, lead)
        quality = qualities_ops.propose(people[proposer], vacancy, text=text)
        qualities_ops.review(people[lead], quality, vacancy, status="accepted")
        made.append(quality)
    built.qualities = [q.id for q in made]
    vacancies_ops.transition(hr, vacancy, "shortlisting")
    names = sorted({name for by in marks.values() for name in by} | set(decisions or {}))
    for name in names:
        candidate = candidates_ops.add_candidate(hr, vacancy, name=name)
        built.candidates[name] = candidate.id
    members = [key for spec in panels for key in spec.members]
    for key in members:
        panels_ops.declare(people[key], vacancy, confidentiality=True, conflicts=[])
    vacancies_ops.transition(hr, vacancy, "interviewing")
    from recruit.candidates.models import Candidate

    for key, by_candidate in marks.items():
        for name, values in by_candidate.items():
            candidate = db.session.get(Candidate, built.candidates[name])
            scores = values[: len(made)]
            rest = values[len(made) :]
            save_scoresheet(
                people[key],
                candidate,
                vacancy,
                submit=True,
                scores=[
                    {"quality_id": q.id, "value": v} for q, v in zip(made, scores, strict=True)
                ],
                would_work_with=rest[0] if rest else None,
            )
    if upto in ("deciding", "decided"):
        vacancies_ops.transition(hr, vacancy, "deciding")
    if upto == "decided":
        for name, (outcome, override) in (decisions or {}).items():
            record_decision(
                people[lead],
                vacancy,
                candidate_id=built.candidates[name],
                outcome=outcome,
                rationale=f"Decided on {name}",
                override_reason=override,
            )
        vacancies_ops.transition(hr, vacancy, "decided")
    return _move_back(vacancy.id, built, created, stage_days, upto)


def _move_back(vacancy_id: int, built: Built, created: date, stage_days, upto: str) -> Built:
    """Move the story back in time: each stage lasted stage_days[stage] days."""
    from recruit.decisions.models import Decision
    from recruit.vacancies.models import StatusChange, Vacancy

    db.session.commit()
    days = dict(stage_days or {})
    moment = at(created)
    vacancy = db.session.get(Vacancy, vacancy_id)
    vacancy.created_at = moment
    entered = {"draft": moment}
    for stage in STAGES[1:]:
        if stage not in days and stage != "decided":
            days[stage] = 1
    for previous, stage in zip(STAGES, STAGES[1:], strict=False):
        moment = moment + timedelta(days=days.get(previous, 1))
        entered[stage] = moment
    for change in db.session.scalars(
        select(StatusChange).where(StatusChange.vacancy_id == vacancy.id)
    ).all():
        change.at = entered[change.to_status]
    last = STAGES.index(upto)
    vacancy.status_changed_at = entered[STAGES[last]]
    for decision in db.session.scalars(
        select(Decision).where(Decision.vacancy_id == vacancy.id)
    ).all():
        decision.decided_at = entered.get("decided", entered["deciding"])
    db.session.commit()
    return built


def ago(days: int) -> date:
    return (utcnow() - timedelta(days=days)).date()


def build_year(app, make_user) -> dict:
    """A year of history (tests/test_insights_figures.py has the table and the hand count)."""
    from recruit.insights import operations as insights
    from recruit.insights.models import CheckIn
    from recruit.involvement import operations as involvement
    from recruit.people.models import User

    roles = {"hr": "hr", "lead": "panel_lead", "lead2": "panel_lead", "s1": "staff"}
    roles |= {"s2": "staff"} | {f"p{n}": "person_supported" for n in range(1, 7)}
    made = {key: make_user(role, display_name=key.upper()) for key, role in roles.items()}
    with app.app_context():
        u = {key: db.session.get(User, person.id) for key, person in made.items()}
        hr = u["hr"]
        insights.set_service(hr, u["p5"], "Elm Court")
        db.session.commit()
        ps = "people_supported"
        v = {}
        v[1] = build_vacancy(
            u,
            title="V1",
            service="Oak House",
            panels=[
                PanelSpec("R", ps, 60, 3, ["p1", "p2"]),
                PanelSpec("S", "staff", 40, 5, ["lead", "s1"]),
            ],
            qualities=["Kind"],
            marks={
                "p1": {"Sam": (3,), "Ann": (2,)},
                "p2": {"Sam": (3,), "Ann": (1,)},
                "lead": {"Sam": (4,), "Ann": (3,)},
                "s1": {"Sam": (4,), "Ann": (5,)},
            },
            decisions={"Sam": ("appoint", None), "Ann": ("not_appointed", None)},
            created=ago(300),
            stage_days={
                "draft": 10,
                "co_design": 20,
                "shortlisting": 15,
                "interviewing": 5,
                "deciding": 2,
            },
        )
        v[2] = build_vacancy(
            u,
            title="V2",
            service="Oak House",
            panels=[
                PanelSpec("R", ps, 50, 3, ["p1", "p3"]),
                PanelSpec("S", "staff", 50, 5, ["lead", "s2"]),
            ],
            qualities=["Kind"],
            marks={
                "p1": {"Bob": (3,), "Cy": (2,)},
                "p3": {"Bob": (2,), "Cy": (2,)},
                "lead": {"Bob": (2,), "Cy": (5,)},
                "s2": {"Bob": (1,), "Cy": (5,)},
            },
            decisions={
                "Cy": ("appoint", "Cy can drive the minibus"),
                "Bob": ("not_appointed", None),
            },
            created=ago(200),
            stage_days={
                "draft": 4,
                "co_design": 14,
                "shortlisting": 10,
                "interviewing": 3,
                "deciding": 1,
            },
        )
        v[3] = build_vacancy(
            u,
            title="V3",
            service="Elm Court",
            panels=[PanelSpec("S", "staff", 100, 5, ["lead", "s1"])],
            qualities=[],
            marks={},
            created=ago(150),
            upto="co_design",
        )
        v[4] = build_vacancy(
            u,
            title="V4",
            service="Elm Court",
            panels=[
                PanelSpec("Day centre", ps, 40, 3, ["p4"]),
                PanelSpec("Flat", ps, 30, 3, ["p5"]),
                PanelSpec("S", "staff", 30, 5, ["lead2", "s2"]),
            ],
            qualities=["Kind"],
            marks={
                "p4": {"Dee": (3,), "Eve": (1,)},
                "p5": {"Dee": (2,), "Eve": (2,)},
                "lead2": {"Dee": (3,), "Eve": (4,)},
                "s2": {"Dee": (3,), "Eve": (4,)},
            },
            decisions={"Dee": ("appoint", None), "Eve": ("not_appointed", None)},
            created=ago(100),
            lead="lead2",
            stage_days={
                "draft": 6,
                "co_design": 10,
                "shortlisting": 7,
                "interviewing": 2,
                "deciding": 3,
            },
        )
        v[5] = build_vacancy(
            u,
            title="V5",
            service="Oak House",
            panels=[
                PanelSpec("R", ps, 50, 3, ["p2", "p6"]),
                PanelSpec("M", "mixed", 50, 5, ["lead", "p3"]),
            ],
            qualities=["Kind"],
            marks={
                "p2": {"Fay": (3,), "Gus": (2,)},
                "p6": {"Fay": (2,), "Gus": (2,)},
                "lead": {"Fay": (5,), "Gus": (3,)},
                "p3": {"Fay": (4,), "Gus": (3,)},
            },
            decisions={"Fay": ("appoint", None), "Gus": ("not_appointed", None)},
            created=ago(60),
            stage_days={
                "draft": 2,
                "co_design": 8,
                "shortlisting": 5,
                "interviewing": 4,
                "deciding": 1,
            },
        )
        v[6] = build_vacancy(
            u,
            title="V6",
            service="Oak House",
            panels=[
                PanelSpec("R", ps, 50, 3, ["p1", "p6"]),
                PanelSpec("S", "staff", 50, 5, ["lead", "s1"]),
            ],
            qualities=["Kind"],
            marks={
                "p1": {"Hal": (2,), "Ivy": (1,)},
                "p6": {"Hal": (2,), "Ivy": (2,)},
                "lead": {"Hal": (3,), "Ivy": (2,)},
                "s1": {"Hal": (5,), "Ivy": (2,)},
            },
            decisions={"Hal": ("appoint", None), "Ivy": ("not_appointed", None)},
            created=ago(30),
            stage_days={
                "draft": 3,
                "co_design": 6,
                "shortlisting": 4,
                "interviewing": 1,
                "deciding": 1,
            },
        )
        v[7] = build_vacancy(
            u,
            title="V7",
            service="Oak House",
            panels=[PanelSpec("R", ps, 50, 3, ["p6"]), PanelSpec("S", "staff", 50, 5, ["lead"])],
            qualities=["Kind"],
            marks={"p6": {"Jon": (1,)}, "lead": {"Jon": (5,)}},
            decisions={"Jon": ("appoint", None)},
            created=ago(400),
        )
        v[8] = build_vacancy(
            u,
            title="V8",
            service="Oak House",
            panels=[],
            qualities=[],
            marks={},
            created=ago(10),
            upto="draft",
        )

        # Every check-in opens (as if it were 200 days from now) and the people answer.
        insights.invite_due(utcnow() + timedelta(days=200))
        db.session.commit()
        answers = {
            "Sam": {"p1": 3, "p2": 3},
            "Cy": {"p1": 1, "p3": 2},
            "Dee": {"p4": 3, "p5": 2},
            "Fay": {"p2": 2, "p6": None},  # "not sure": Fay's co-evaluation rests on one answer
            "Hal": {"p1": 2, "p6": 2},
            "Jon": {"p6": 1},
        }
        candidates = {name: (n, cid) for n, b in v.items() for name, cid in b.candidates.items()}
        for name, by_person in answers.items():
            n, cid = candidates[name]
            check_in = db.session.scalar(select(CheckIn).where(CheckIn.candidate_id == cid))
            for key, value in by_person.items():
                insights.save_check_in(u[key], check_in, values={v[n].qualities[0]: value})
        from recruit.candidates.models import Candidate
        from recruit.vacancies.models import Vacancy

        for name, outcome in (
            ("Sam", "passed"),
            ("Cy", "left"),
            ("Dee", "passed"),
            ("Fay", "extended"),
            ("Hal", "passed"),
            ("Jon", "not_passed"),
        ):
            n, cid = candidates[name]
            insights.record_probation_view(
                hr,
                db.session.get(Candidate, cid),
                db.session.get(Vacancy, v[n].vacancy_id),
                going="well",
                outcome=outcome,
            )
        # A colleague's view never sets the outcome.
        insights.record_probation_view(
            u["s1"],
            db.session.get(Candidate, candidates["Sam"][1]),
            db.session.get(Vacancy, v[1].vacancy_id),
            going="mixed",
        )

        # Participation and payments.
        def took_part(key, activity, days, minutes, vacancy=None, pay=None):
            p = involvement.record_participation(
                hr,
                user_id=u[key].id,
                activity=activity,
                took_part_on=ago(days),
                minutes=minutes,
                vacancy_id=v[vacancy].vacancy_id if vacancy else None,
            )
            if pay:
                kind, pence, status = pay
                payment = involvement.record_payment(
                    hr,
                    p,
                    kind=kind,
                    amount_pence=pence if kind != "declined" else None,
                    benefits_reminder_given=True,
                )
                if status in ("approved", "paid"):
                    involvement.approve_payment(hr, payment)
                if status == "paid":
                    involvement.mark_paid(hr, payment)

        took_part("p1", "panel", 295, 120, 1, ("fee", 2000, "paid"))
        took_part("p1", "panel", 180, 90, 2, ("voucher", 1500, "approved"))
        took_part("p1", "panel", 20, 60, 6, ("declined", 0, "declined"))
        took_part("p2", "co_design", 290, 60, 1, ("fee", 1000, "paid"))
        took_part("p2", "panel", 50, 120, 5, ("fee", 2000, "owed"))
        took_part("p3", "panel", 180, 90, 2, ("voucher", 1500, "paid"))
        took_part("p4", "panel", 90, 60, 4, ("expenses", 450, "paid"))
        took_part("p5", "training", 100, 30, None, ("voucher", 500, "owed"))
        took_part("p6", "panel", 390, 60, 7, ("fee", 3000, "paid"))  # before the year
        db.session.commit()
        return v
