"""Every chart's data as a table: the same rows feed the table beside the chart and its CSV
file, so the picture, the words and the download always agree. (A table too long for a page
shows its first rows there and says so; its CSV has them all.)"""

from __future__ import annotations

from dataclasses import dataclass

from recruit.insights import figures
from recruit.involvement.operations import pounds
from recruit.scoring.results import two


@dataclass
class Table:
    name: str  # the CSV's name: /insights/<name>.csv
    caption: str
    headers: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()  # columns aligned as numbers


def pct(value: float | None) -> str:
    return "–" if value is None else f"{two(value):.1f}%"


def num(value: float | None, places: int = 1) -> str:
    return "–" if value is None else f"{two(value):.{places}f}"


def _share_rows(rows: list[figures.ShareRow]) -> list[list[str]]:
    return [
        [r.label, str(r.vacancies), str(r.with_panel), pct(r.panel_share), pct(r.weight_share)]
        for r in rows
    ]


SHARE_HEADERS = [
    "Vacancies",
    "With a people supported panel",
    "% with a people supported panel",
    "People supported share of the weight (mean)",
]


def shares_by_quarter(shares: figures.Shares) -> Table:
    return Table(
        "shares-by-quarter",
        "People supported panels and their share of the weight, per quarter",
        ["Quarter", *SHARE_HEADERS],
        _share_rows(shares.by_quarter) + _share_rows([shares.total]),
        (1, 2, 3, 4),
    )


def shares_by_service(shares: figures.Shares) -> Table:
    return Table(
        "shares-by-service",
        "People supported panels and their share of the weight, per service",
        ["Service", *SHARE_HEADERS],
        _share_rows(shares.by_service) + _share_rows([shares.total]),
        (1, 2, 3, 4),
    )


def first_choice(choice: figures.FirstChoice) -> Table:
    ranked = choice.first + choice.not_first
    return Table(
        "first-choice",
        "Was the person appointed the people supported panels' first choice?",
        ["Appointments", "Number", "% of those the people supported ranked"],
        [
            ["Their first choice", str(choice.first), pct(figures.share(choice.first, ranked))],
            [
                "Not their first choice",
                str(choice.not_first),
                pct(figures.share(choice.not_first, ranked)),
            ],
            ["No people supported scores", str(choice.no_ranking), "–"],
        ],
        (1, 2),
    )


def first_choice_by_service(choice: figures.FirstChoice) -> Table:
    return Table(
        "first-choice-by-service",
        "The people supported panels' first choice, per service",
        [
            "Service",
            "Appointments",
            "Their first choice",
            "Not their first choice",
            "No people supported scores",
            "% first choice of those they ranked",
        ],
        [
            [r.label, str(r.appointments), str(r.first), str(r.not_first), str(r.no_ranking)]
            + [pct(r.first_share)]
            for r in [*choice.by_service, choice.total]
        ]
        if choice.by_service
        else [],
        (1, 2, 3, 4, 5),
    )


def overrides(choice: figures.FirstChoice) -> Table:
    return Table(
        "overrides",
        "Why the people supported's view was overridden",
        ["Vacancy", "Service", "Appointed", "Decided on", "Override reason"],
        [
            [a.vacancy_title, a.service, a.alias, a.decided_at.date().isoformat()]
            + [a.override_reason]
            for a in choice.overrides
        ],
    )


def predictions(table: list[figures.Correlation]) -> Table:
    return Table(
        "predictions",
        "Did the interview scores predict how it went? (correlation r, from −1 to 1)",
        ["Interview scores of", "Compared with", "r", "Cases", "What it means"],
        [[c.group_label, c.outcome_label, num(c.r, 2), str(c.cases), c.words] for c in table],
        (2, 3),
    )


def appointments(found: list[figures.Appointment]) -> Table:
    return Table(
        "appointments",
        "Each appointment: interview scores beside what was said later (0–100)",
        [
            "Vacancy",
            "Service",
            "Appointed",
            "Decided on",
            "People supported score",
            "Staff score",
            "Overall score",
            "Co-evaluation",
            "Check-in answers",
            "Probation",
        ],
        [
            [
                a.vacancy_title,
                a.service,
                a.alias,
                a.decided_at.date().isoformat(),
                num(a.people_supported, 2),
                num(a.staff, 2),
                num(a.overall, 2),
                num(a.co_evaluation, 2),
                str(a.co_evaluation_answers),
                a.probation or "not known yet",
            ]
            for a in found
        ],
        (4, 5, 6, 7, 8),
    )


def participation_summary(p: figures.ParticipationFigures) -> Table:
    return Table(
        "participation-summary",
        "Participation of people supported",
        ["Measure", "Value"],
        [
            ["People supported who took part", str(p.people)],
            ["Times they took part", str(p.times)],
            ["Hours", num(p.hours)],
            ["Paid to them", pounds(p.paid_pence)],
            ["Owed or approved, not paid yet", pounds(p.promised_pence)],
            ["People who took part more than once", str(p.more_than_once)],
        ],
        (1,),
    )


def participation_by_activity(p: figures.ParticipationFigures) -> Table:
    return Table(
        "participation-by-activity",
        "Participation by activity",
        ["Activity", "Times", "People", "Hours"],
        [[r.label, str(r.times), str(len(r.people)), num(r.hours)] for r in p.by_activity],
        (1, 2, 3),
    )


def stages(s: figures.StageTimes) -> Table:
    return Table(
        "stages",
        "Time from vacancy to decision: mean days in each stage",
        ["Stage", "Vacancies", "Mean days"],
        [[r.label, str(len(r.days)), num(r.mean_days)] for r in s.stages]
        + [["From vacancy to decision", str(s.vacancies), num(s.mean_total)]],
        (1, 2),
    )
