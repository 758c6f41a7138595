"""How scores combine: the rule of DESIGN.md, implemented once.

    n = 100 · (v − 1) / (S − 1)            a value v on a 1..S scale; "not sure" is left out
    member score = mean of their n          over the qualities they answered; submitted only
    panel score  = mean of member scores    a sheet with every answer "not sure" has no score
    overall      = Σ w_p·s_p / Σ w_p         over panels with at least one submitted sheet
    contribution = w_p·s_p / Σ w_p           so contributions add up to the overall

`combine()` is pure (tests check it by hand); `vacancy_results()` gathers the rows for it in
a fixed number of queries, whatever the number of candidates, members and qualities.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, func, select

from recruit.candidates.models import Candidate, CandidateStatus
from recruit.extensions import db
from recruit.panels.models import Declaration, DeclaredConflict, Panel, PanelMember
from recruit.people.models import Role, User
from recruit.scoring.models import SUBMITTED, Score, Scoresheet
from recruit.vacancies.models import Vacancy

PEOPLE_SUPPORTED = "people_supported"
TIE_TOLERANCE = 1e-9

FLAG_PREFERRED_OTHER = "people_supported_preferred_other"
FLAG_CONCERN = "concern_raised"
FLAG_INCOMPLETE = "incomplete"
FLAG_TIE = "tie"
OVERRIDE_FLAGS = (FLAG_PREFERRED_OTHER, FLAG_CONCERN)


def two(value: float | None) -> float | None:
    """Round half up to two decimals, as people do by hand (65.625 → 65.63). Scores are kept
    exact and rounded only when shown or returned, always by this one function."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def normalise(value: int, scale: int) -> float:
    return 100.0 * (value - 1) / (scale - 1)


@dataclass
class PanelInfo:
    id: int
    name: str
    kind: str
    weight: float
    scale: int


@dataclass
class Sheet:
    """A submitted scoresheet, reduced to what the rule needs."""

    candidate_id: int
    panel_id: int
    user_id: int
    member_score: float | None  # None: every answer was "not sure"
    would_work_with: str | None = None
    by_person_supported: bool = False


@dataclass
class PanelResult:
    panel_id: int
    score: float | None
    contribution: float | None
    submitted: int
    expected: int


@dataclass
class CandidateResult:
    candidate_id: int
    alias: str
    overall: float | None
    rank: int | None
    complete: bool
    panels: list[PanelResult]
    flags: list[str] = field(default_factory=list)
    people_supported_score: float | None = None
    people_supported_rank: int | None = None
    would_work_with: dict[str, int] = field(default_factory=dict)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ranks(scores: dict[int, float | None]) -> tuple[dict[int, int | None], set[int]]:
    """Competition ranks (1, 1, 3), highest first; and the ids that share their rank."""
    present = sorted(
        ((score, cid) for cid, score in scores.items() if score is not None),
        key=lambda item: -item[0],
    )
    ranks: dict[int, int | None] = dict.fromkeys(scores)
    rank = 0
    for position, (score, cid) in enumerate(present):
        if position == 0 or present[position - 1][0] - score > TIE_TOLERANCE:
            rank = position + 1
        ranks[cid] = rank
    sharing = Counter(r for r in ranks.values() if r is not None)
    tied = {cid for cid, r in ranks.items() if r is not None and sharing[r] > 1}
    return ranks, tied


def combine(
    panels: list[PanelInfo],
    candidates: list[tuple[int, str]],
    sheets: list[Sheet],
    expected: dict[tuple[int, int], int],
) -> list[CandidateResult]:
    """Apply the rule. `expected[(candidate_id, panel_id)]` counts who may score them."""
    by_key: dict[tuple[int, int], list[Sheet]] = {}
    for sheet in sheets:
        by_key.setdefault((sheet.candidate_id, sheet.panel_id), []).append(sheet)

    results: list[CandidateResult] = []
    overall_by: dict[int, float | None] = {}
    ours_by: dict[int, float | None] = {}
    for candidate_id, alias in candidates:
        panel_scores: dict[int, float | None] = {}
        submitted: dict[int, int] = {}
        for panel in panels:
            mine = by_key.get((candidate_id, panel.id), [])
            submitted[panel.id] = len(mine)
            panel_scores[panel.id] = _mean(
                [s.member_score for s in mine if s.member_score is not None]
            )
        counted = [p for p in panels if submitted[p.id] > 0 and panel_scores[p.id] is not None]
        total_weight = sum(p.weight for p in counted)
        overall = (
            sum(p.weight * panel_scores[p.id] for p in counted) / total_weight
            if total_weight
            else None
        )
        ours = [p for p in counted if p.kind == PEOPLE_SUPPORTED]
        ours_weight = sum(p.weight for p in ours)
        ours_score = (
            sum(p.weight * panel_scores[p.id] for p in ours) / ours_weight if ours_weight else None
        )
        answers = [
            s.would_work_with
            for p in panels
            for s in by_key.get((candidate_id, p.id), [])
            if s.by_person_supported and s.would_work_with
        ]
        result = CandidateResult(
            candidate_id=candidate_id,
            alias=alias,
            overall=overall,
            rank=None,
            complete=all(submitted[p.id] > 0 for p in panels) and bool(panels),
            panels=[
                PanelResult(
                    panel_id=p.id,
                    score=panel_scores[p.id],
                    contribution=(
                        p.weight * panel_scores[p.id] / total_weight
                        if p in counted and total_weight
                        else None
                    ),
                    submitted=submitted[p.id],
                    expected=expected.get((candidate_id, p.id), 0),
                )
                for p in panels
            ],
            people_supported_score=ours_score,
            would_work_with={a: answers.count(a) for a in ("yes", "not_sure", "no")},
        )
        results.append(result)
        overall_by[candidate_id] = overall
        ours_by[candidate_id] = ours_score

    ranks, tied = _ranks(overall_by)
    our_ranks, _ = _ranks(ours_by)
    for result in results:
        result.rank = ranks[result.candidate_id]
        result.people_supported_rank = our_ranks[result.candidate_id]
        flags = []
        if result.people_supported_rank is not None and result.people_supported_rank != 1:
            flags.append(FLAG_PREFERRED_OTHER)
        if result.would_work_with.get("no"):
            flags.append(FLAG_CONCERN)
        if not result.complete:
            flags.append(FLAG_INCOMPLETE)
        if result.candidate_id in tied:
            flags.append(FLAG_TIE)
        result.flags = flags
    results.sort(key=lambda r: (r.rank is None, r.rank or 0, r.candidate_id))
    return results


def mean_normalised(total: int | None, count: int, scale: int) -> float | None:
    """The mean of n over `count` answers adding up to `total`, as one division of integers:
    mean(100·(v − 1)/(S − 1)) = 100·(Σv − count) / (count·(S − 1)). None if all "not sure"."""
    if not count:
        return None
    return 100 * (int(total) - count) / (count * (scale - 1))


def vacancy_results(vacancy: Vacancy) -> tuple[list[PanelInfo], list[CandidateResult]]:
    """Gather the rows for `combine` in four queries, whatever the vacancy's size."""
    panels = [
        PanelInfo(p.id, p.name, p.kind, float(p.weight), p.scale)
        for p in db.session.execute(
            select(Panel.id, Panel.name, Panel.kind, Panel.weight, Panel.scale)
            .where(Panel.vacancy_id == vacancy.id)
            .order_by(Panel.id)
        ).all()
    ]
    candidates = [
        (row.id, row.alias)
        for row in db.session.execute(
            select(Candidate.id, Candidate.alias)
            .where(
                Candidate.vacancy_id == vacancy.id,
                Candidate.status.not_in(
                    [CandidateStatus.NOT_SHORTLISTED, CandidateStatus.WITHDRAWN]
                ),
            )
            .order_by(Candidate.id)
        ).all()
    ]
    # Integer sums and counts per sheet: the database adds integers (cheap), and the one
    # division happens here, exactly (see member_score).
    sheet_rows = db.session.execute(
        select(
            Scoresheet.candidate_id,
            Scoresheet.panel_id,
            Scoresheet.user_id,
            func.sum(Score.value),
            func.count(Score.value),
            Scoresheet.would_work_with,
            User.role,
        )
        .join(User, User.id == Scoresheet.user_id)
        .outerjoin(Score, Score.scoresheet_id == Scoresheet.id)
        .where(Scoresheet.vacancy_id == vacancy.id, Scoresheet.status == SUBMITTED)
        .group_by(
            Scoresheet.id,
            Scoresheet.candidate_id,
            Scoresheet.panel_id,
            Scoresheet.user_id,
            Scoresheet.would_work_with,
            User.role,
        )
    ).all()
    scale = {p.id: p.scale for p in panels}
    sheets = [
        Sheet(
            candidate_id=row[0],
            panel_id=row[1],
            user_id=row[2],
            member_score=mean_normalised(row[3], row[4], scale[row[1]]),
            would_work_with=row[5],
            by_person_supported=row[6] == Role.PERSON_SUPPORTED,
        )
        for row in sheet_rows
    ]
    # Who may score whom, in one query: every member, with the conflicts of their latest
    # declaration (a member without any has one row with no candidate).
    latest = (
        select(func.max(Declaration.id))
        .where(Declaration.vacancy_id == vacancy.id)
        .group_by(Declaration.user_id)
    )
    seats = db.session.execute(
        select(PanelMember.panel_id, PanelMember.user_id, DeclaredConflict.candidate_id)
        .select_from(PanelMember)
        .outerjoin(
            Declaration,
            and_(Declaration.user_id == PanelMember.user_id, Declaration.id.in_(latest)),
        )
        .outerjoin(DeclaredConflict, DeclaredConflict.declaration_id == Declaration.id)
        .where(PanelMember.vacancy_id == vacancy.id)
    ).all()
    members = {(panel_id, user_id) for panel_id, user_id, _ in seats}
    conflicts = {(user_id, candidate_id) for _, user_id, candidate_id in seats if candidate_id}
    expected: dict[tuple[int, int], int] = {}
    for candidate_id, _ in candidates:
        for panel_id, user_id in members:
            if (user_id, candidate_id) not in conflicts:
                expected[(candidate_id, panel_id)] = expected.get((candidate_id, panel_id), 0) + 1
    return panels, combine(panels, candidates, sheets, expected)


def quality_breakdown(vacancy: Vacancy) -> dict[tuple[int, int, int], float]:
    """Mean normalised score per (candidate, panel, quality), submitted sheets only: one query."""
    rows = db.session.execute(
        select(
            Scoresheet.candidate_id,
            Scoresheet.panel_id,
            Score.quality_id,
            func.sum(Score.value),
            func.count(Score.value),
            Panel.scale,
        )
        .join(Panel, Panel.id == Scoresheet.panel_id)
        .join(Score, Score.scoresheet_id == Scoresheet.id)
        .where(Scoresheet.vacancy_id == vacancy.id, Scoresheet.status == SUBMITTED)
        .group_by(Scoresheet.candidate_id, Scoresheet.panel_id, Score.quality_id, Panel.scale)
    ).all()
    return {(c, p, q): mean_normalised(total, n, scale) for c, p, q, total, n, scale in rows if n}


def submitted_comments(vacancy: Vacancy) -> dict[int, list[tuple[int, str]]]:
    """Comments from submitted sheets, per candidate, as (panel id, words): one query."""
    rows = db.session.execute(
        select(Scoresheet.candidate_id, Scoresheet.panel_id, Scoresheet.comment)
        .where(
            Scoresheet.vacancy_id == vacancy.id,
            Scoresheet.status == SUBMITTED,
            Scoresheet.comment != "",
        )
        .order_by(Scoresheet.id)
    ).all()
    found: dict[int, list[tuple[int, str]]] = {}
    for candidate_id, panel_id, comment in rows:
        found.setdefault(candidate_id, []).append((panel_id, comment))
    return found
