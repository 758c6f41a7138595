"""The insights page works out each appointed person's scores without `combine()` (which
ranks and flags a whole vacancy): `interview_scores` must give the very same numbers, to the
last bit, as `combine()` for that candidate alone and the staff score as the page worked it
from `combine()`'s result before, whatever the panels, weights and answers (hypothesis)."""

from __future__ import annotations

from hypothesis import given

from recruit.insights.figures import interview_scores
from recruit.scoring.results import combine
from tests.test_results_properties import PROPERTY, vacancies


def staff_as_before(panels, result) -> float | None:
    """The staff score as `figures.appointments` computed it from `combine()`'s result."""
    by_id = {p.id: p for p in panels}
    pairs = [
        (by_id[p.panel_id].weight, p.score)
        for p in result.panels
        if by_id[p.panel_id].kind == "staff" and p.score is not None
    ]
    total = sum(w for w, _ in pairs)
    return sum(w * s for w, s in pairs) / total if total else None


@PROPERTY
@given(vacancies())
def test_interview_scores_are_what_combine_gives_for_the_one_candidate(vacancy):
    panels, candidates, sheets, _ = vacancy
    for candidate_id, alias in candidates:
        theirs = [s for s in sheets if s.candidate_id == candidate_id]
        [result] = combine(panels, [(candidate_id, alias)], theirs, {})
        members: dict[int, list[float]] = {}
        for sheet in theirs:
            if sheet.member_score is not None:
                members.setdefault(sheet.panel_id, []).append(sheet.member_score)
        assert interview_scores(panels, members) == (
            result.overall,
            result.people_supported_score,
            staff_as_before(panels, result),
        )
