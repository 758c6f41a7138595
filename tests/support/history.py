"""Build vacancies with their whole story through the same operations as the pages, then move
their timestamps back in time: a year of history to count figures from by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

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
    qualities: list[str],
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
    for text in qualities:
        quality = qualities_ops.propose(people[lead], vacancy, text=text)
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
