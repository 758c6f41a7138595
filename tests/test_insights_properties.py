"""The insights page works out each appointed person's scores without `combine()` (which
ranks and flags a whole vacancy): `interview_scores` must give the very same numbers, to the
last bit, as `combine()` for that candidate alone and the staff score as the page worked it
from `combine()`'s result before, whatever the panels, weights and answers (hypothesis)."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from recruit.insights.figures import interview_scores, response_score
from recruit.insights.models import CHECK_IN_SCALE
from recruit.scoring.results import combine, mean_normalised
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


@PROPERTY
@given(st.lists(st.one_of(st.none(), st.integers(1, CHECK_IN_SCALE)), max_size=40))
def test_a_check_in_response_scored_from_its_sum_is_what_its_answers_give(answers):
    """`co_evaluations` lets the database add up a response's answers and divides once; that
    must be `response_score` of the same answers, to the last bit."""
    given_answers = [a for a in answers if a is not None]
    response = SimpleNamespace(values=[SimpleNamespace(value=a) for a in answers])
    from_sum = (
        mean_normalised(sum(given_answers), len(given_answers), CHECK_IN_SCALE)
        if given_answers
        else None
    )
    assert from_sum == response_score(response)
