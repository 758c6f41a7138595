"""The co-production report: across every vacancy, how often people supported sat on a panel,
and how often the appointment was the one their panels preferred.

"Preferred" is what the results said when the decision was recorded: a decision that went
against the people supported panels carries the flag `people_supported_preferred_other`
(and an override reason), kept with the decision. So the report reads decisions and panels
only, never the scores: two queries, whatever the number of scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, case, cast, func, select

from recruit.decisions.models import Decision, Outcome
from recruit.extensions import db
from recruit.panels.models import Panel, PanelMember
from recruit.scoring.results import FLAG_PREFERRED_OTHER, PEOPLE_SUPPORTED
from recruit.vacancies.models import Status, Vacancy

NOT_COUNTED = (Status.DRAFT, Status.WITHDRAWN)


@dataclass
class ReportRow:
    service: str
    vacancies: int = 0
    with_people_supported: int = 0
    appointments: int = 0  # appointments on vacancies with a people supported panel
    against_preference: int = 0  # of those, appointed although they preferred someone else

    @property
    def matched(self) -> int:
        return self.appointments - self.against_preference

    @property
    def share_with(self) -> float | None:
        return 100 * self.with_people_supported / self.vacancies if self.vacancies else None

    @property
    def share_matched(self) -> float | None:
        return 100 * self.matched / self.appointments if self.appointments else None

    def add(self, other: ReportRow) -> None:
        self.vacancies += other.vacancies
        self.with_people_supported += other.with_people_supported
        self.appointments += other.appointments
        self.against_preference += other.against_preference


def _has_people_supported_panel():
    """A people supported panel with at least one member sat for this vacancy. Not
    correlated, so the database builds the set of such vacancies once (a hashed subplan)."""
    return Vacancy.id.in_(
        select(Panel.vacancy_id)
        .join(PanelMember, PanelMember.panel_id == Panel.id)
        .where(Panel.kind == PEOPLE_SUPPORTED)
    )


def coproduction_report() -> tuple[ReportRow, list[ReportRow]]:
    """The whole organisation's figures, then each service's (vacancies past draft)."""
    with_panel = _has_people_supported_panel()
    rows: dict[str, ReportRow] = {}
    for service, count, with_ps in db.session.execute(
        select(
            Vacancy.service,
            func.count(Vacancy.id),
            func.sum(case((with_panel, 1), else_=0)),
        )
        .where(Vacancy.status.not_in(NOT_COUNTED))
        .group_by(Vacancy.service)
    ).all():
        rows[service] = ReportRow(service, count, int(with_ps or 0))
    against = cast(Decision.flags, String).contains(FLAG_PREFERRED_OTHER)
    for service, appointed, overridden in db.session.execute(
        select(
            Vacancy.service,
            func.count(Decision.id),
            func.sum(case((against, 1), else_=0)),
        )
        .join(Vacancy, Vacancy.id == Decision.vacancy_id)
        .where(
            Decision.outcome == Outcome.APPOINT,
            Vacancy.status.not_in(NOT_COUNTED),
            with_panel,
        )
        .group_by(Vacancy.service)
    ).all():
        row = rows.setdefault(service, ReportRow(service))
        row.appointments, row.against_preference = appointed, int(overridden or 0)
    total = ReportRow("All services")
    for row in rows.values():
        total.add(row)
    return total, sorted(rows.values(), key=lambda r: r.service.lower())
