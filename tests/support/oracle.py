"""An oracle for the combined results, written apart from recruit/scoring/results.py.

It reads the raw rows of one vacancy with plain SQL and works DESIGN.md's rule ("How scores
combine") and API.md v1.1 again, in exact fractions, the slow and obvious way: sheet by
sheet, panel by panel. The stateful test (tests/test_weighting_stateful.py) compares every
figure of `GET /vacancies/{id}/results` with it after every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import text

from recruit.extensions import db

PEOPLE_SUPPORTED = "people_supported"
PREFERRED_OTHER = "people_supported_preferred_other"
CONCERN = "concern_raised"
INCOMPLETE = "incomplete"
TIE = "tie"
WITHOUT_SCORE = "panel_without_score"
OVERRIDE_FLAGS = frozenset({PREFERRED_OTHER, CONCERN})
NOT_IN_THE_RUNNING = ("not_shortlisted", "withdrawn")


@dataclass
class PanelRow:
    id: int
    kind: str
    weight: Fraction
    scale: int


@dataclass
class SheetRow:
    id: int
    candidate_id: int
    user_id: int
    status: str
    would_work_with: str | None
    values: list[int | None] = field(default_factory=list)


@dataclass
class PanelFigures:
    score: Fraction | None
    contribution: Fraction | None
    submitted: int
    expected: int
    set_aside: int  # submitted by someone conflicted with the candidate: kept, never counted
    sent: int  # every submitted sheet of the panel's members for the candidate


@dataclass
class CandidateFigures:
    candidate_id: int
    overall: Fraction | None
    rank: int | None
    complete: bool
    panels: dict[int, PanelFigures]
    flags: set[str]
    people_supported_score: Fraction | None


@dataclass
class Appointment:
    candidate_id: int
    candidate_status: str
    override_reason: str


@dataclass
class VacancyFigures:
    status: str
    posts: int
    released: bool
    panels: dict[int, PanelRow]
    candidates: dict[int, CandidateFigures]  # those in the running only
    appointments: list[Appointment]  # every decision row with outcome "appoint"
    decisions: dict[int, tuple[str, str]]  # candidate -> (outcome, override reason)


def _rows(sql: str, vacancy_id: int) -> list:
    return list(db.session.execute(text(sql), {"v": vacancy_id}).all())


def _mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def member_score(values: list[int | None], scale: int) -> Fraction | None:
    """Mean of 100·(v − 1)/(S − 1) over the answers given; "not sure" (None) left out."""
    return _mean([Fraction(100 * (v - 1), scale - 1) for v in values if v is not None])


def figures(vacancy_id: int) -> VacancyFigures:
    """Everything the results and the decisions should say about one vacancy, from its rows."""
    ((status, posts, released_at),) = _rows(
        "SELECT status, posts, results_released_at FROM vacancy WHERE id = :v", vacancy_id
    )
    panels = {
        pid: PanelRow(pid, kind, Fraction(weight), scale)
        for pid, kind, weight, scale in _rows(
            "SELECT id, kind, weight, scale FROM panel WHERE vacancy_id = :v", vacancy_id
        )
    }
    seat: dict[int, int] = {}
    role: dict[int, str] = {}
    for panel_id, user_id, user_role in _rows(
        'SELECT m.panel_id, m.user_id, u.role FROM panel_member m JOIN "user" u '
        "ON u.id = m.user_id WHERE m.vacancy_id = :v",
        vacancy_id,
    ):
        seat[user_id] = panel_id
        role[user_id] = user_role

    # The latest declaration of each member counts: its conflicts, and nothing else.
    latest: dict[int, int] = {}
    for declaration_id, user_id in _rows(
        "SELECT id, user_id FROM declaration WHERE vacancy_id = :v", vacancy_id
    ):
        latest[user_id] = max(latest.get(user_id, declaration_id), declaration_id)
    conflicts: dict[int, set[int]] = {user_id: set() for user_id in latest}
    owner = {declaration_id: user_id for user_id, declaration_id in latest.items()}
    for declaration_id, candidate_id in _rows(
        "SELECT c.declaration_id, c.candidate_id FROM declared_conflict c "
        "JOIN declaration d ON d.id = c.declaration_id WHERE d.vacancy_id = :v",
        vacancy_id,
    ):
        if declaration_id in owner:
            conflicts[owner[declaration_id]].add(candidate_id)

    def conflicted(user_id: int, candidate_id: int) -> bool:
        return candidate_id in conflicts.get(user_id, set())

    candidate_status = dict(
        _rows("SELECT id, status FROM candidate WHERE vacancy_id = :v", vacancy_id)
    )
    running = sorted(c for c, s in candidate_status.items() if s not in NOT_IN_THE_RUNNING)

    sheets = {
        row[0]: SheetRow(*row)
        for row in _rows(
            "SELECT id, candidate_id, user_id, status, would_work_with FROM scoresheet "
            "WHERE vacancy_id = :v",
            vacancy_id,
        )
    }
    for sheet_id, value in _rows(
        "SELECT s.scoresheet_id, s.value FROM score s JOIN scoresheet h "
        "ON h.id = s.scoresheet_id WHERE h.vacancy_id = :v",
        vacancy_id,
    ):
        sheets[sheet_id].values.append(value)

    results: dict[int, CandidateFigures] = {}
    for candidate_id in running:
        counted = [
            s
            for s in sheets.values()
            if s.candidate_id == candidate_id
            and s.status == "submitted"
            and not conflicted(s.user_id, candidate_id)
        ]
        mine: dict[int, PanelFigures] = {}
        for panel in panels.values():
            members = [u for u, p in seat.items() if p == panel.id]
            theirs = [s for s in counted if seat.get(s.user_id) == panel.id]
            aside = [
                s
                for s in sheets.values()
                if s.candidate_id == candidate_id
                and s.status == "submitted"
                and seat.get(s.user_id) == panel.id
                and conflicted(s.user_id, candidate_id)
            ]
            scores = [member_score(s.values, panel.scale) for s in theirs]
            mine[panel.id] = PanelFigures(
                score=_mean([s for s in scores if s is not None]),
                contribution=None,
                submitted=len(theirs),
                expected=sum(1 for u in members if not conflicted(u, candidate_id)),
                set_aside=len(aside),
                sent=len(theirs) + len(aside),
            )
        scored = [p for p in panels.values() if mine[p.id].score is not None]
        total = sum((p.weight for p in scored), Fraction(0))
        overall = None
        if scored:
            for p in scored:
                mine[p.id].contribution = p.weight * mine[p.id].score / total
            overall = sum((mine[p.id].contribution for p in scored), Fraction(0))
            assert overall == sum(p.weight * mine[p.id].score for p in scored) / total
        ours = [p for p in scored if p.kind == PEOPLE_SUPPORTED]
        ours_weight = sum((p.weight for p in ours), Fraction(0))
        complete = bool(panels) and all(f.submitted > 0 for f in mine.values())
        flags = set()
        if not complete:
            flags.add(INCOMPLETE)
        if any(f.submitted > 0 and f.score is None for f in mine.values()):
            flags.add(WITHOUT_SCORE)
        if any(
            role.get(s.user_id) == "person_supported" and s.would_work_with == "no" for s in counted
        ):
            flags.add(CONCERN)
        results[candidate_id] = CandidateFigures(
            candidate_id=candidate_id,
            overall=overall,
            rank=None,
            complete=complete,
            panels=mine,
            flags=flags,
            people_supported_score=(
                sum(p.weight * mine[p.id].score for p in ours) / ours_weight if ours else None
            ),
        )

    # Ranks by overall score, highest first; equal scores share a rank and are a tie.
    overalls = [r.overall for r in results.values() if r.overall is not None]
    for result in results.values():
        if result.overall is not None:
            result.rank = 1 + sum(1 for o in overalls if o > result.overall)
            if overalls.count(result.overall) > 1:
                result.flags.add(TIE)
    # The people supported panels' own top choice; anyone else (scored by them or not) is flagged.
    ours_scores = [
        r.people_supported_score for r in results.values() if r.people_supported_score is not None
    ]
    if ours_scores:
        top = max(ours_scores)
        for result in results.values():
            if result.people_supported_score != top:
                result.flags.add(PREFERRED_OTHER)

    decisions = {
        candidate_id: (outcome, override_reason or "")
        for candidate_id, outcome, override_reason in _rows(
            "SELECT candidate_id, outcome, override_reason FROM decision WHERE vacancy_id = :v",
            vacancy_id,
        )
    }
    appointments = [
        Appointment(candidate_id, candidate_status[candidate_id], reason)
        for candidate_id, (outcome, reason) in decisions.items()
        if outcome == "appoint"
    ]
    return VacancyFigures(
        status=status,
        posts=posts,
        released=released_at is not None,
        panels=panels,
        candidates=results,
        appointments=appointments,
        decisions=decisions,
    )
