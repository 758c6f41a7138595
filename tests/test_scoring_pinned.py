"""The scoring rule pinned down where mutation testing (`make mutate`) found it unchecked: each
figure below is worked out by hand in its comment, and is what a person reads on the decision
page, in the results API or in the outcome they are sent.

Pure parts first (rounding, the exact means, ranks and order); then, through the API on both
databases, the figures the database adds up (the breakdown per quality, comments, answers).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from recruit.extensions import db
from recruit.scoring.results import (
    PanelInfo,
    Sheet,
    combine,
    mean_normalised,
    mean_of_members,
    two,
)
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World

PS = PanelInfo(1, "Residents", "people_supported", 50.0, 3)
STAFF = PanelInfo(2, "Staff", "staff", 50.0, 5)

# --- rounding --------------------------------------------------------------------------------


def test_two_rounds_half_up_as_people_do():
    # 65.625 is exact in binary: half up gives 65.63 (half to even would give 65.62).
    assert two(65.625) == 65.63
    assert two(0.125) == 0.13
    # 2.675 is stored as 2.67499999…; people read 2.675, and round it to 2.68.
    assert two(2.675) == 2.68
    assert two(100 / 3) == 33.33
    assert two(0.0) == 0.0
    assert two(None) is None  # no score is shown as no score, not as 0


# --- the exact means -------------------------------------------------------------------------


def test_mean_normalised_is_the_mean_of_n():
    """Four answers 1, 2, 3, 3 on the 5-point scale: n = 0, 25, 50, 50, mean 31.25; as one
    division, 100·(Σv − count) / (count·(S − 1)) = 100·(9 − 4) / (4·4) = 500/16."""
    assert mean_normalised(9, 4, 5) == 31.25
    # Three answers 3, 2, 2 on the 3-point scale: n = 100, 50, 50, mean 200/3.
    assert mean_normalised(7, 3, 3) == 200 / 3
    # The database may hand the sum back as a Decimal.
    assert mean_normalised(Decimal(9), 4, 5) == 31.25
    assert mean_normalised(None, 0, 5) is None  # every answer "not sure": no score


# Sheets on the 5-point scale, as the database groups them (answers, sheets, Σ values):
#   two members answered both qualities: 5 and 4 (n 100, 75 → 87.5), 3 and 3 (50, 50 → 50),
#   one member answered one quality: 2 (n 25 → 25),
#   one member answered "not sure" to both (no score, left out).
# Mean of the three member scores: (87.5 + 50 + 25) / 3 = 162.5 / 3 = 54.1666…
GROUPS = [(2, 2, 5 + 4 + 3 + 3), (1, 1, 2), (0, 1, None)]


def test_mean_of_members_matches_the_hand_worked_mean():
    assert mean_of_members(GROUPS, 5) == pytest.approx(162.5 / 3, abs=1e-12)
    assert two(mean_of_members(GROUPS, 5)) == 54.17


def test_mean_of_members_does_not_depend_on_the_order_of_the_rows():
    """The database returns the groups in any order: every order gives the same float, to the
    last bit (the one division is made once, of integers)."""
    orders = [GROUPS, GROUPS[::-1], [GROUPS[1], GROUPS[0], GROUPS[2]]]
    assert {mean_of_members(order, 5) for order in orders} == {mean_of_members(GROUPS, 5)}


def test_mean_of_members_with_one_member_or_none():
    # One member, one answer 3 on the 3-point scale: n = 100.
    assert mean_of_members([(1, 1, 3)], 3) == 100.0
    # Three answers 2, 2, 3 on the 3-point scale by one member: (50 + 50 + 100) / 3.
    assert mean_of_members([(3, 1, 7)], 3) == pytest.approx(200 / 3, abs=1e-12)
    assert mean_of_members([], 3) is None
    assert mean_of_members([(0, 2, None)], 3) is None  # all "not sure": no score


# --- ranks and order -------------------------------------------------------------------------


def test_candidates_without_a_score_come_last_in_the_order_they_were_added():
    """D (id 4) 100, A (id 1) 50, B (id 2) 50; C (id 3) and E (id 5) have no sheets. The page
    lists D first, then A and B (a tie, in the order they were added), then C and E."""
    sheets = [Sheet(4, 2, 1, 100.0), Sheet(1, 2, 1, 50.0), Sheet(2, 2, 1, 50.0)]
    candidates = [(5, "E"), (3, "C"), (4, "D"), (2, "B"), (1, "A")]
    results = combine([STAFF], candidates, sheets, {})
    assert [(r.alias, r.rank) for r in results] == [
        ("D", 1),
        ("A", 2),
        ("B", 2),
        ("C", None),
        ("E", None),
    ]
    assert [r.flags for r in results] == [[], ["tie"], ["tie"], ["incomplete"], ["incomplete"]]


def test_scores_half_a_point_apart_are_not_a_tie():
    """50.5 and 50 are different scores: ranks 1 and 2, no tie flag."""
    sheets = [Sheet(1, 2, 1, 50.0), Sheet(2, 2, 1, 50.5)]
    results = combine([STAFF], [(1, "A"), (2, "B")], sheets, {})
    assert [(r.alias, r.rank, r.flags) for r in results] == [("B", 1, []), ("A", 2, [])]
    # Nobody was counted as expected to score them: "1 sent of 0 expected" is what it shows.
    assert [(p.submitted, p.expected) for r in results for p in r.panels] == [(1, 0), (1, 0)]


def test_three_candidates_tied_below_a_leader_share_rank_two():
    """100, then 40, 40, 40: ranks 1, 2, 2, 2 (competition ranking), the three flagged."""
    sheets = [Sheet(c, 2, 1, s) for c, s in ((1, 40.0), (2, 40.0), (3, 100.0), (4, 40.0))]
    results = combine([STAFF], [(1, "A"), (2, "B"), (3, "C"), (4, "D")], sheets, {})
    assert [(r.alias, r.rank, "tie" in r.flags) for r in results] == [
        ("C", 1, False),
        ("A", 2, True),
        ("B", 2, True),
        ("D", 2, True),
    ]


def test_set_aside_sheets_are_counted_apart_and_never_in_a_score():
    """Staff: member 1 scored A 100; member 2 scored A 0 and then declared a conflict with A,
    so their sheet is set aside: the staff score is 100, from one counted sheet. Residents:
    a person supported said "no" and their sheet was set aside too: no concern is raised."""
    sheets = [
        Sheet(1, 2, 1, 100.0),
        Sheet(1, 2, 2, 0.0, set_aside=True),
        Sheet(1, 1, 3, 50.0),
        Sheet(1, 1, 4, 0.0, "no", True, set_aside=True),
    ]
    (a,) = combine([PS, STAFF], [(1, "A")], sheets, {(1, 1): 1, (1, 2): 1})
    residents, staff = a.panels
    assert (staff.score, staff.submitted, staff.set_aside) == (100.0, 1, 1)
    assert (residents.score, residents.submitted, residents.set_aside) == (50.0, 1, 1)
    assert a.overall == 75.0 and a.flags == []
    assert a.would_work_with == {"yes": 0, "not_sure": 0, "no": 0}


def test_the_answers_of_people_supported_are_counted_and_staffs_are_not():
    """Residents: people supported said "yes", "no" and "not sure"; a member of staff on the
    same panel ticked "no" too, but only people supported are asked, so theirs is not counted
    (a sheet is not by a person supported unless it says so)."""
    sheets = [
        Sheet(1, 1, 1, 100.0, "yes", True),
        Sheet(1, 1, 2, 50.0, "no", True),
        Sheet(1, 1, 3, 50.0, "no"),
        Sheet(1, 1, 4, 50.0, "not_sure", True),
    ]
    (a,) = combine([PS], [(1, "A")], sheets, {})
    assert a.would_work_with == {"yes": 1, "not_sure": 1, "no": 1}
    assert "concern_raised" in a.flags


def test_scores_a_billionth_of_a_point_apart_share_their_rank():
    """The tolerance itself counts as equal: 1e-9 and 0 tie, ranks 1 and 1."""
    sheets = [Sheet(1, 2, 1, 1e-9), Sheet(2, 2, 1, 0.0)]
    results = combine([STAFF], [(1, "A"), (2, "B")], sheets, {})
    assert [(r.alias, r.rank, r.flags) for r in results] == [("A", 1, ["tie"]), ("B", 1, ["tie"])]


def test_scores_equal_but_for_floating_point_share_their_rank():
    """A's member scores 100/3, 200/3 and 100/3 have the mean 400/9; B's one member score is
    400/9. In floating point the first comes out 44.44444444444445, the second
    44.44444444444444: the same score, so the same rank, and a tie."""
    sheets = [
        Sheet(1, 2, 1, 100 / 3),
        Sheet(1, 2, 2, 200 / 3),
        Sheet(1, 2, 3, 100 / 3),
        Sheet(2, 2, 1, 400 / 9),
    ]
    results = combine([STAFF], [(1, "A"), (2, "B")], sheets, {})
    assert results[0].overall != results[1].overall  # the floating-point difference is there
    assert [(r.alias, r.rank, r.flags) for r in results] == [("A", 1, ["tie"]), ("B", 1, ["tie"])]


# --- what the database adds up, through the API, on both databases -------------------------


@pytest.fixture
def day(api, make_user) -> Day:
    return Day(World(api, make_user))


def declare(day: Day, who: str, conflicts: list[int]) -> None:
    answer = day.world.post(
        f"/vacancies/{day.vacancy_id}/declarations",
        who,
        {"confidentiality": True, "conflicts": conflicts},
    )
    assert answer.status_code == 201, answer.get_json()


def sheets_of_a_day(day: Day) -> None:
    """Residents (3-point scale): ps A (3, 2) "Really listened"; ps2 A (2, not sure); ps B (1, 1).
    Staff (5-point scale): lead A (5, 4) "Calm"; lead B (5, 5) "Strong"; staff B (2, 4) with no
    comment; staff's sheet for A is a draft ("Not sent yet") and never counts."""
    sent = [
        ("ps", day.a, (3, 2), "Really listened"),
        ("ps2", day.a, (2, None), ""),
        ("lead", day.a, (5, 4), "Calm"),
        ("ps", day.b, (1, 1), ""),
        ("lead", day.b, (5, 5), "Strong"),
        ("staff", day.b, (2, 4), ""),
    ]
    for who, candidate, values, comment in sent:
        answer = day.put(who, candidate, day.body(values, submit=True, comment=comment))
        assert answer.status_code == 200, answer.get_json()
    draft = day.put("staff", day.a, day.body((3, 3), comment="Not sent yet"))
    assert draft.status_code == 200


def figures(app, day: Day, what):
    from recruit.vacancies.models import Vacancy

    with app.app_context():
        return what(db.session.get(Vacancy, day.vacancy_id))


def test_the_breakdown_per_quality_is_per_candidate_panel_and_quality(app, day):
    """The decision page's "Average score for each quality (0 to 100)", worked by hand:
    A, Residents: Kind 3 and 2 → n 100 and 50 → 75; Listens 2 → 50 (ps2 was not sure).
    A, Staff: Kind 5 → 100; Listens 4 → 75 (staff's draft left out).
    B, Residents: Kind 1 → 0; Listens 1 → 0 (ps2 knows B and sent nothing).
    B, Staff: Kind 5 and 2 → 100 and 25 → 62.5; Listens 5 and 4 → 100 and 75 → 87.5.
    Each panel's own scale counts: the same values on the wrong panel's scale, or a sheet
    under the wrong candidate or quality, give other figures."""
    from recruit.scoring.results import quality_breakdown

    sheets_of_a_day(day)
    kind, listens = day.qualities
    ps, staff = day.ps_panel, day.staff_panel
    assert figures(app, day, quality_breakdown) == {
        (day.a, ps, kind): 75.0,
        (day.a, ps, listens): 50.0,
        (day.a, staff, kind): 100.0,
        (day.a, staff, listens): 75.0,
        (day.b, ps, kind): 0.0,
        (day.b, ps, listens): 0.0,
        (day.b, staff, kind): 62.5,
        (day.b, staff, listens): 87.5,
    }
    # The lead then says they know B: their sheet for B is set aside, and B's Staff figures
    # are the staff member's alone: Kind 2 → 25, Listens 4 → 75.
    declare(day, "lead", [day.b])
    after = figures(app, day, quality_breakdown)
    assert (after[(day.b, staff, kind)], after[(day.b, staff, listens)]) == (25.0, 75.0)
    assert after[(day.a, staff, kind)] == 100.0  # A's figures do not move


def test_comments_are_those_of_counted_sheets_in_the_order_sent(app, day):
    """Comments shown under each candidate: from sent sheets only (not staff's draft), none
    empty, with the panel they came from, in the order the sheets were first saved."""
    from recruit.scoring.results import submitted_comments

    sheets_of_a_day(day)
    ps, staff = day.ps_panel, day.staff_panel
    assert figures(app, day, submitted_comments) == {
        day.a: [(ps, "Really listened"), (staff, "Calm")],
        day.b: [(staff, "Strong")],
    }
    declare(day, "lead", [day.b])  # the lead's sheet for B is set aside, its comment too
    assert figures(app, day, submitted_comments) == {
        day.a: [(ps, "Really listened"), (staff, "Calm")]
    }


def test_vacancy_results_count_sheets_answers_and_who_may_score(app, day):
    """Residents' answers to "would you like this person to support you?": ps said "yes" for A,
    ps2 "not sure" for A; the lead (staff) ticked "no" for A, which is not theirs to say.
    Expected sheets: every member may score A (2 and 2); ps2 knows B, so 1 and 2 for B."""
    from recruit.scoring.results import vacancy_results

    day.put("ps", day.a, day.body((3, 3), submit=True, would_work_with="yes"))
    day.put("ps2", day.a, day.body((2, 2), submit=True, would_work_with="not_sure"))
    day.put("lead", day.a, day.body((5, 5), submit=True, would_work_with="no"))
    panels, results = figures(app, day, vacancy_results)
    assert [(p.id, p.kind, p.scale) for p in panels] == [
        (day.ps_panel, "people_supported", 3),
        (day.staff_panel, "staff", 5),
    ]
    a, b = sorted(results, key=lambda r: r.candidate_id)
    assert a.would_work_with == {"yes": 1, "not_sure": 1, "no": 0}
    assert "concern_raised" not in a.flags
    assert [(p.submitted, p.expected) for p in a.panels] == [(2, 2), (1, 2)]
    assert [(p.submitted, p.expected) for p in b.panels] == [(0, 1), (0, 2)]
    # Residents 100 and 50 → 75; Staff 100: A's overall (75 + 100) / 2 = 87.5.
    assert a.overall == 87.5 and b.overall is None and b.rank is None
