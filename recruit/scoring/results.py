"""How scores combine: the rule of docs/scoring.md, implemented once.

    n = 100 · (v − 1) / (S − 1)            a value v on a 1..S scale; "not sure" is left out
    member score = mean of their n          over the qualities they answered; submitted only
    panel score  = mean of member scores    a sheet with every answer "not sure" has no score
    overall      = Σ w_p·s_p / Σ w_p         over panels with a score for the candidate
    contribution = w_p·s_p / Σ w_p           so contributions add up to the overall

A sheet whose author has declared a conflict with its candidate, whenever they declared it,
is set aside: counted apart (`set_aside`), never in a score, `submitted` or an answer. The
rule, with worked examples of every case, is docs/scoring.md.

`combine()` is pure (tests check it by hand); `vacancy_results()` gathers the rows for it in
a fixed number of queries, whatever the number of candidates, members and qualities. The
database reduces the sheets to integer sums per candidate and panel; the panel's mean is then
one exact division of integers (`mean_of_members`), so it does not depend on the order in
which a database happens to add floating-point numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, select

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
FLAG_PANEL_WITHOUT_SCORE = "panel_without_score"
OVERRIDE_FLAGS = (FLAG_PREFERRED_OTHER, FLAG_CONCERN)
ANSWERS = ("yes", "not_sure", "no")
CENT = Decimal("0.01")


def two(value: float | None) -> float | None:
    """Round half up to two decimals, as people do by hand (65.625 → 65.63). Scores are kept
    exact and rounded only when shown or returned, always by this one function."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(CENT, rounding=ROUND_HALF_UP))


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
    set_aside: bool = False  # its author declared a conflict with the candidate


@dataclass
class PanelTally:
    """One panel's submitted sheets for one candidate, reduced to what the rule needs."""

    submitted: int  # counted sheets: sent, and not set aside
    score: float | None  # the mean of member scores; None: no sheet has a score
    answers: dict[str, int] = field(default_factory=dict)  # people supported's would_work_with
    set_aside: int = 0  # sent, but set aside for a conflict declared with the candidate


NO_SHEETS = PanelTally(submitted=0, score=None)


@dataclass
class PanelResult:
    panel_id: int
    score: float | None
    contribution: float | None
    submitted: int
    expected: int
    set_aside: int = 0

    @property
    def without_score(self) -> bool:
        """Sheets were sent, but every answer on them was "not sure"."""
        return self.submitted > 0 and self.score is None


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


def tally(sheets: list[Sheet]) -> dict[tuple[int, int], PanelTally]:
    """Sheets per (candidate, panel): how many, their members' mean score, and the answers of
    people supported to "would you like this person to support you?"."""
    by_key: dict[tuple[int, int], list[Sheet]] = {}
    for sheet in sheets:
        by_key.setdefault((sheet.candidate_id, sheet.panel_id), []).append(sheet)
    tallies = {}
    for key, theirs in by_key.items():
        mine = [s for s in theirs if not s.set_aside]
        tallies[key] = PanelTally(
            submitted=len(mine),
            score=_mean([s.member_score for s in mine if s.member_score is not None]),
            answers=dict(
                Counter(
                    s.would_work_with for s in mine if s.by_person_supported and s.would_work_with
                )
            ),
            set_aside=len(theirs) - len(mine),
        )
    return tallies


def combine(
    panels: list[PanelInfo],
    candidates: list[tuple[int, str]],
    sheets: list[Sheet],
    expected: dict[tuple[int, int], int],
) -> list[CandidateResult]:
    """Apply the rule. `expected[(candidate_id, panel_id)]` counts who may score them."""
    return combine_tallies(panels, candidates, tally(sheets), expected)


def combine_tallies(
    panels: list[PanelInfo],
    candidates: list[tuple[int, str]],
    tallies: dict[tuple[int, int], PanelTally],
    expected: dict[tuple[int, int], int],
) -> list[CandidateResult]:
    """Apply the rule from each panel's tally (see `tally`) onwards."""
    results: list[CandidateResult] = []
    overall_by: dict[int, float | None] = {}
    ours_by: dict[int, float | None] = {}
    for candidate_id, alias in candidates:
        mine = {p.id: tallies.get((candidate_id, p.id), NO_SHEETS) for p in panels}
        counted = [p for p in panels if mine[p.id].score is not None]
        counted_ids = {p.id for p in counted}
        total_weight = sum(p.weight for p in counted)
        overall = (
            sum(p.weight * mine[p.id].score for p in counted) / total_weight
            if total_weight
            else None
        )
        ours = [p for p in counted if p.kind == PEOPLE_SUPPORTED]
        ours_weight = sum(p.weight for p in ours)
        ours_score = (
            sum(p.weight * mine[p.id].score for p in ours) / ours_weight if ours_weight else None
        )
        result = CandidateResult(
            candidate_id=candidate_id,
            alias=alias,
            overall=overall,
            rank=None,
            complete=all(mine[p.id].submitted > 0 for p in panels) and bool(panels),
            panels=[
                PanelResult(
                    panel_id=p.id,
                    score=mine[p.id].score,
                    contribution=(
                        p.weight * mine[p.id].score / total_weight
                        if p.id in counted_ids and total_weight
                        else None
                    ),
                    submitted=mine[p.id].submitted,
                    expected=expected.get((candidate_id, p.id), 0),
                    set_aside=mine[p.id].set_aside,
                )
                for p in panels
            ],
            people_supported_score=ours_score,
            would_work_with={a: sum(mine[p.id].answers.get(a, 0) for p in panels) for a in ANSWERS},
        )
        results.append(result)
        overall_by[candidate_id] = overall
        ours_by[candidate_id] = ours_score

    ranks, tied = _ranks(overall_by)
    our_ranks, _ = _ranks(ours_by)
    # The people supported panels have a first choice once any candidate has their score; every
    # other candidate, scored by them or not, is not it.
    ours_chose = any(rank == 1 for rank in our_ranks.values())
    for result in results:
        result.rank = ranks[result.candidate_id]
        result.people_supported_rank = our_ranks[result.candidate_id]
        flags = []
        if ours_chose and result.people_supported_rank != 1:
            flags.append(FLAG_PREFERRED_OTHER)
        if result.would_work_with.get("no"):
            flags.append(FLAG_CONCERN)
        if not result.complete:
            flags.append(FLAG_INCOMPLETE)
        if any(p.without_score for p in result.panels):
            flags.append(FLAG_PANEL_WITHOUT_SCORE)
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


def latest_declarations(vacancy_id: int):
    """The id of each member's latest declaration for the vacancy: the one that counts."""
    return (
        select(func.max(Declaration.id))
        .where(Declaration.vacancy_id == vacancy_id)
        .group_by(Declaration.user_id)
    )


def conflicted_pairs(vacancy_id: int):
    """(user_id, candidate_id) of every conflict the members' latest declarations say."""
    return (
        select(Declaration.user_id, DeclaredConflict.candidate_id)
        .join(DeclaredConflict, DeclaredConflict.declaration_id == Declaration.id)
        .where(Declaration.id.in_(latest_declarations(vacancy_id)))
        .subquery("conflicted")
    )


def counted_sheets(vacancy_id: int):
    """The vacancy's sheets that count: submitted, by an author with no declared conflict with
    their candidate (a conflict declared after sending sets the sheet aside)."""
    conflicted = conflicted_pairs(vacancy_id)
    return (
        select(Scoresheet.id)
        .outerjoin(
            conflicted,
            and_(
                conflicted.c.user_id == Scoresheet.user_id,
                conflicted.c.candidate_id == Scoresheet.candidate_id,
            ),
        )
        .where(
            Scoresheet.vacancy_id == vacancy_id,
            Scoresheet.status == SUBMITTED,
            conflicted.c.user_id.is_(None),
        )
    )


def vacancy_results(vacancy: Vacancy) -> tuple[list[PanelInfo], list[CandidateResult]]:
    """Gather the rows for `combine_tallies` in four queries, whatever the vacancy's size."""
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
    tallies = panel_tallies(vacancy, {p.id: p.scale for p in panels})
    # Who may score whom, in one query: every member, with the conflicts of their latest
    # declaration (a member without any has one row with no candidate).
    seats = db.session.execute(
        select(PanelMember.panel_id, PanelMember.user_id, DeclaredConflict.candidate_id)
        .select_from(PanelMember)
        .outerjoin(
            Declaration,
            and_(
                Declaration.user_id == PanelMember.user_id,
                Declaration.id.in_(latest_declarations(vacancy.id)),
            ),
        )
        .outerjoin(DeclaredConflict, DeclaredConflict.declaration_id == Declaration.id)
        .where(PanelMember.vacancy_id == vacancy.id)
    ).all()
    members = {(panel_id, user_id) for panel_id, user_id, _ in seats}
    conflicts: dict[int, set[int]] = {}
    for _, user_id, candidate_id in seats:
        if candidate_id:
            conflicts.setdefault(user_id, set()).add(candidate_id)
    seats_per_panel = Counter(panel_id for panel_id, _ in members)
    expected = {
        (candidate_id, panel_id): seated
        for candidate_id, _ in candidates
        for panel_id, seated in seats_per_panel.items()
    }
    for panel_id, user_id in members:
        for candidate_id in conflicts.get(user_id, ()):
            if (candidate_id, panel_id) in expected:
                expected[(candidate_id, panel_id)] -= 1
    return panels, combine_tallies(panels, candidates, tallies, expected)


def mean_of_members(groups: list[tuple[int, int, int]], scale: int) -> float | None:
    """The mean of member scores from `(answers, sheets, total)`: for each number of answers
    given, how many sheets gave that many and the sum of their values. With L a common
    multiple of the numbers of answers, Σ member scores = 100·Σ (total − answers·sheets)·L/answers
    / (L·(S − 1)): one exact division of integers, whatever the order of the rows. None when
    no sheet has an answer other than "not sure"."""
    common, numerator, members = 1, 0, 0
    for answers, sheets, total in groups:
        if not answers:
            continue
        if common % answers:
            grown = math.lcm(common, answers)
            numerator *= grown // common
            common = grown
        numerator += (int(total) - answers * sheets) * (common // answers)
        members += sheets
    if not members:
        return None
    return 100 * numerator / (common * members * (scale - 1))


def panel_tallies(vacancy: Vacancy, scale: dict[int, int]) -> dict[tuple[int, int], PanelTally]:
    """`tally` of the vacancy's submitted sheets, in one query: the database sums the values of
    each sheet, then adds up the sheets of a candidate and panel that gave as many answers, in
    integers; `mean_of_members` does the one division. Set-aside sheets are only counted."""
    conflicted = conflicted_pairs(vacancy.id)
    # Grouped by the sheet's id (its other columns depend on it, which both databases accept):
    # SQLite then reads the vacancy's sheets in index order, not every sheet. A sheet meets at
    # most one conflict row (one per member and candidate), so the join adds no score twice.
    per_sheet = (
        select(
            Scoresheet.candidate_id,
            Scoresheet.panel_id,
            Scoresheet.user_id,
            Scoresheet.would_work_with,
            conflicted.c.user_id.is_not(None).label("set_aside"),
            func.sum(Score.value).label("total"),
            func.count(Score.value).label("answers"),
        )
        .outerjoin(Score, Score.scoresheet_id == Scoresheet.id)
        .outerjoin(
            conflicted,
            and_(
                conflicted.c.user_id == Scoresheet.user_id,
                conflicted.c.candidate_id == Scoresheet.candidate_id,
            ),
        )
        .where(Scoresheet.vacancy_id == vacancy.id, Scoresheet.status == SUBMITTED)
        .group_by(Scoresheet.id, conflicted.c.user_id)
        .cte("per_sheet")
    )

    def answering(answer: str):
        theirs = and_(User.role == Role.PERSON_SUPPORTED, per_sheet.c.would_work_with == answer)
        return func.count(case((theirs, 1)))

    rows = db.session.execute(
        select(
            per_sheet.c.candidate_id,
            per_sheet.c.panel_id,
            per_sheet.c.set_aside,
            per_sheet.c.answers,
            func.count(),
            func.sum(per_sheet.c.total),
            *(answering(answer) for answer in ANSWERS),
        )
        .join(User, User.id == per_sheet.c.user_id)
        .group_by(
            per_sheet.c.candidate_id,
            per_sheet.c.panel_id,
            per_sheet.c.set_aside,
            per_sheet.c.answers,
        )
    ).all()
    submitted: Counter[tuple[int, int]] = Counter()
    set_aside: Counter[tuple[int, int]] = Counter()
    scored: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    said: dict[tuple[int, int], dict[str, int]] = {}
    for candidate_id, panel_id, aside, answers, sheets, total, yes, not_sure, no in rows:
        key = (candidate_id, panel_id)
        if aside:
            set_aside[key] += sheets
            continue
        submitted[key] += sheets
        if answers:
            scored.setdefault(key, []).append((answers, sheets, total))
        if yes or not_sure or no:
            counts = said.setdefault(key, {})
            for answer, count in zip(ANSWERS, (yes, not_sure, no), strict=True):
                counts[answer] = counts.get(answer, 0) + count
    return {
        key: PanelTally(
            submitted=submitted[key],
            score=mean_of_members(scored.get(key, []), scale[key[1]]),
            answers=said.get(key, {}),
            set_aside=set_aside[key],
        )
        for key in submitted.keys() | set_aside.keys()
    }


def quality_breakdown(vacancy: Vacancy) -> dict[tuple[int, int, int], float]:
    """Mean normalised score per (candidate, panel, quality), counted sheets only: one query."""
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
        .where(Scoresheet.id.in_(counted_sheets(vacancy.id)))
        .group_by(Scoresheet.candidate_id, Scoresheet.panel_id, Score.quality_id, Panel.scale)
    ).all()
    return {(c, p, q): mean_normalised(total, n, scale) for c, p, q, total, n, scale in rows if n}


def submitted_comments(vacancy: Vacancy) -> dict[int, list[tuple[int, str]]]:
    """Comments from counted sheets, per candidate, as (panel id, words): one query."""
    rows = db.session.execute(
        select(Scoresheet.candidate_id, Scoresheet.panel_id, Scoresheet.comment)
        .where(Scoresheet.id.in_(counted_sheets(vacancy.id)), Scoresheet.comment != "")
        .order_by(Scoresheet.id)
    ).all()
    found: dict[int, list[tuple[int, str]]] = {}
    for candidate_id, panel_id, comment in rows:
        found.setdefault(candidate_id, []).append((panel_id, comment))
    return found
