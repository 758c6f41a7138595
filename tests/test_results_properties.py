"""The scoring rule's properties, for any panels, weights and answers (hypothesis).

`combine()` is pure; these check what docs/scoring.md promises of it whatever the inputs:
contributions add up to the overall score (also once rounded), scores stay on 0–100,
a higher score never lowers a panel's score, "not sure" never counts as zero, ranks follow
the overall scores and ties share a rank, and scaling every weight alike changes nothing.
Last, on both databases: `vacancy_results()`, which lets the database add up the sheets,
gives what `combine()` gives when worked sheet by sheet in Python.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import date
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recruit.extensions import db
from recruit.scoring.results import (
    FLAG_TIE,
    TIE_TOLERANCE,
    PanelInfo,
    Sheet,
    combine,
    mean_normalised,
    normalise,
    two,
    vacancy_results,
)

KINDS = ("people_supported", "staff", "mixed")
CLOSE = 1e-9

# Fixed examples (derandomize) so that CI is repeatable; 200 vacancies per property.
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def member_score(answers: list[int | None], scale: int) -> float | None:
    """As vacancy_results computes it: the mean of the normalised values given, "not sure"
    (None) left out; None when every answer was "not sure"."""
    given_ = [normalise(v, scale) for v in answers if v is not None]
    return sum(given_) / len(given_) if given_ else None


@st.composite
def panels(draw) -> list[PanelInfo]:
    count = draw(st.integers(1, 4))
    return [
        PanelInfo(
            id=n + 1,
            name=f"Panel {n + 1}",
            kind=draw(st.sampled_from(KINDS)),
            weight=draw(st.floats(0.5, 1000, allow_nan=False, allow_infinity=False)),
            scale=draw(st.sampled_from((3, 5))),
        )
        for n in range(count)
    ]


@st.composite
def vacancies(draw):
    """Panels, candidates, and submitted sheets made of real answers on each panel's scale."""
    the_panels = draw(panels())
    candidates = [(100 + n, f"Candidate {n}") for n in range(draw(st.integers(1, 6)))]
    sheets: list[Sheet] = []
    user = iter(range(1000, 100_000))
    for candidate_id, _ in candidates:
        for panel in the_panels:
            for _ in range(draw(st.integers(0, 4))):
                answers = draw(
                    st.lists(st.none() | st.integers(1, panel.scale), min_size=1, max_size=6)
                )
                sheets.append(
                    Sheet(candidate_id, panel.id, next(user), member_score(answers, panel.scale))
                )
    expected = {(c, p.id): 4 for c, _ in candidates for p in the_panels}
    return the_panels, candidates, sheets, expected


def by_id(results):
    return {r.candidate_id: r for r in results}


@PROPERTY
@given(vacancies())
def test_contributions_add_up_to_the_overall_score(vacancy):
    for result in combine(*vacancy):
        contributions = [p.contribution for p in result.panels if p.contribution is not None]
        if result.overall is None:
            assert contributions == []
            continue
        assert math.isclose(sum(contributions), result.overall, abs_tol=CLOSE)
        # Rounded figures agree as far as rounding each one allows (half a hundredth each).
        shown = sum(two(c) for c in contributions)
        assert abs(shown - two(result.overall)) <= 0.005 * (len(contributions) + 1) + CLOSE


@PROPERTY
@given(vacancies(), st.data())
def test_a_set_aside_sheet_counts_for_nothing(vacancy, data):
    """Setting sheets aside (a conflict declared after sending) gives exactly the result
    without them, but for the set-aside count; and every panel of only "not sure" sheets is
    flagged, never silently dropped."""
    the_panels, candidates, sheets, expected = vacancy
    aside = data.draw(st.sets(st.integers(0, max(len(sheets) - 1, 0)), max_size=len(sheets)))
    marked = [replace(s, set_aside=n in aside) for n, s in enumerate(sheets)]
    kept = [s for n, s in enumerate(sheets) if n not in aside]
    with_aside, without = (
        by_id(combine(the_panels, candidates, marked, expected)),
        by_id(combine(the_panels, candidates, kept, expected)),
    )
    for candidate_id, got in with_aside.items():
        want = without[candidate_id]
        assert (got.overall, got.rank, got.flags, got.complete) == (
            want.overall,
            want.rank,
            want.flags,
            want.complete,
        )
        for mine, theirs in zip(got.panels, want.panels, strict=True):
            assert (mine.score, mine.contribution, mine.submitted) == (
                theirs.score,
                theirs.contribution,
                theirs.submitted,
            )
            assert mine.set_aside == sum(
                1
                for n, s in enumerate(sheets)
                if n in aside and (s.candidate_id, s.panel_id) == (candidate_id, mine.panel_id)
            )
        without_score = any(p.submitted and p.score is None for p in got.panels)
        assert ("panel_without_score" in got.flags) == without_score


@PROPERTY
@given(vacancies())
def test_every_score_stays_between_0_and_100(vacancy):
    for result in combine(*vacancy):
        for figure in [result.overall, result.people_supported_score] + [
            value for p in result.panels for value in (p.score, p.contribution)
        ]:
            assert figure is None or -CLOSE <= figure <= 100 + CLOSE
            assert figure is None or 0 <= two(figure) <= 100


@PROPERTY
@given(vacancies(), st.data())
def test_a_higher_score_never_lowers_a_panel_score(vacancy, data):
    the_panels, candidates, sheets, expected = vacancy
    before = by_id(combine(*vacancy))
    candidate_id, _ = data.draw(st.sampled_from(candidates))
    panel = data.draw(st.sampled_from(the_panels))
    old = next(p for p in before[candidate_id].panels if p.panel_id == panel.id)
    floor = old.score if old.score is not None else 0.0
    answers = data.draw(st.lists(st.integers(1, panel.scale), min_size=1, max_size=6))
    score = member_score(answers, panel.scale)
    if score < floor:
        return  # only scores at or above the panel's current score are added here
    added = Sheet(candidate_id, panel.id, 999_999, score)
    after = by_id(combine(the_panels, candidates, [*sheets, added], expected))
    new = next(p for p in after[candidate_id].panels if p.panel_id == panel.id)
    assert new.score >= floor - CLOSE
    if old.score is not None:  # the same panels count, so the overall cannot drop either
        assert after[candidate_id].overall >= before[candidate_id].overall - CLOSE


@PROPERTY
@given(vacancies(), st.data())
def test_raising_one_answer_never_lowers_anything_it_feeds(vacancy, data):
    the_panels, candidates, sheets, expected = vacancy
    counted = [i for i, s in enumerate(sheets) if s.member_score is not None]
    if not counted:
        return
    index = data.draw(st.sampled_from(counted))
    sheet = sheets[index]
    raised = replace(sheet, member_score=data.draw(st.floats(sheet.member_score, 100)))
    before = by_id(combine(*vacancy))[sheet.candidate_id]
    after = by_id(
        combine(the_panels, candidates, [*sheets[:index], raised, *sheets[index + 1 :]], expected)
    )[sheet.candidate_id]
    old = next(p for p in before.panels if p.panel_id == sheet.panel_id)
    new = next(p for p in after.panels if p.panel_id == sheet.panel_id)
    assert new.score >= old.score - CLOSE
    assert after.overall >= before.overall - CLOSE


@PROPERTY
@given(vacancies(), st.data())
def test_not_sure_is_never_counted_as_zero(vacancy, data):
    the_panels, candidates, sheets, expected = vacancy
    candidate_id, _ = data.draw(st.sampled_from(candidates))
    panel = data.draw(st.sampled_from(the_panels))
    # A sheet of only "not sure" is submitted but leaves every score as it was.
    all_not_sure = Sheet(candidate_id, panel.id, 999_998, member_score([None, None], panel.scale))
    assert all_not_sure.member_score is None
    before = by_id(combine(*vacancy))[candidate_id]
    after = by_id(combine(the_panels, candidates, [*sheets, all_not_sure], expected))[candidate_id]
    assert after.overall == before.overall
    assert [p.score for p in after.panels] == [p.score for p in before.panels]
    old = next(p for p in before.panels if p.panel_id == panel.id)
    new = next(p for p in after.panels if p.panel_id == panel.id)
    assert new.submitted == old.submitted + 1
    # And within a sheet, a "not sure" beside real answers changes nothing.
    answers = data.draw(st.lists(st.integers(1, panel.scale), min_size=1, max_size=5))
    position = data.draw(st.integers(0, len(answers)))
    with_not_sure = [*answers[:position], None, *answers[position:]]
    assert member_score(with_not_sure, panel.scale) == member_score(answers, panel.scale)
    assert member_score(with_not_sure, panel.scale) >= 0


@PROPERTY
@given(vacancies())
def test_ranks_follow_the_overall_scores_and_ties_share_a_rank(vacancy):
    results = combine(*vacancy)
    scored = [r for r in results if r.overall is not None]
    for result in results:
        if result.overall is None:
            assert result.rank is None
            continue
        higher = [r for r in scored if r.overall - result.overall > TIE_TOLERANCE]
        assert result.rank == len(higher) + 1
        level = [r for r in scored if abs(r.overall - result.overall) <= TIE_TOLERANCE]
        assert (FLAG_TIE in result.flags) == (len(level) > 1)
        assert all(r.rank == result.rank for r in level)
    ranks = [r.rank for r in results if r.rank is not None]
    assert ranks == sorted(ranks)  # listed best first, unscored last


@PROPERTY
@given(vacancies(), st.floats(0.01, 100, allow_nan=False))
def test_scaling_every_weight_alike_changes_nothing(vacancy, factor):
    the_panels, candidates, sheets, expected = vacancy
    scaled = [replace(p, weight=p.weight * factor) for p in the_panels]
    before = combine(the_panels, candidates, sheets, expected)
    after = combine(scaled, candidates, sheets, expected)
    assert [r.candidate_id for r in after] == [r.candidate_id for r in before]
    for old, new in zip(before, after, strict=True):
        assert (old.rank, old.people_supported_rank, old.flags, old.complete) == (
            new.rank,
            new.people_supported_rank,
            new.flags,
            new.complete,
        )
        for a, b in [
            (old.overall, new.overall),
            (old.people_supported_score, new.people_supported_score),
        ] + [(p.contribution, q.contribution) for p, q in zip(old.panels, new.panels, strict=True)]:
            assert (a is None) == (b is None)
            if a is not None:
                assert math.isclose(a, b, abs_tol=CLOSE)


# --- the database's sums agree with the rule, on both databases ---------------------------------

DATABASE = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
usernames = (f"member{n}" for n in itertools.count(1))


@st.composite
def stored_vacancies(draw):
    """What a vacancy holds once scored: panels, members (some declared twice, some with
    conflicts, some gone from their panel since they scored), and sheets: drafts, submitted
    ones, sheets of only "not sure", sheets that skipped qualities, "would work with" answers."""
    the_panels = draw(panels())
    qualities = draw(st.integers(1, 7))
    candidates = draw(st.integers(1, 5))
    members = [
        {
            "panel": panel,
            "role": draw(st.sampled_from(("person_supported", "staff", "panel_lead"))),
            "seated": draw(st.integers(0, 5)) > 0,
            "declarations": draw(
                st.lists(st.sets(st.integers(0, candidates - 1), max_size=2), max_size=2)
            ),
        }
        for panel in the_panels
        for _ in range(draw(st.integers(0, 5)))
    ]
    sheets = [
        {
            "member": n,
            "candidate": c,
            "submitted": draw(st.integers(0, 4)) > 0,
            "would_work_with": draw(st.sampled_from((None, "yes", "not_sure", "no"))),
            "answers": draw(
                st.lists(st.none() | st.integers(1, member["panel"].scale), max_size=qualities)
            ),
        }
        for n, member in enumerate(members)
        for c in range(candidates)
        if draw(st.integers(0, 3)) > 0
    ]
    return the_panels, qualities, candidates, members, sheets


def store(the_panels, qualities, candidates, members, sheets):
    """Write the vacancy with the models (flushed, not committed). Return it with the rule's
    inputs for the same rows worked out in Python, sheet by sheet and member by member, as
    vacancy_results used to; and each submitted sheet's exact member score."""
    from recruit.candidates.models import Candidate
    from recruit.panels.models import Declaration, DeclaredConflict, Panel, PanelMember
    from recruit.people.models import User
    from recruit.qualities.models import Quality
    from recruit.scoring.models import Score, Scoresheet
    from recruit.vacancies.models import Vacancy

    session = db.session
    vacancy = Vacancy(title="Support worker", service="Oak House", closes_on=date(2030, 1, 1))
    session.add(vacancy)
    session.flush()
    stored = {
        p.id: Panel(vacancy_id=vacancy.id, name=p.name, kind=p.kind, weight=p.weight, scale=p.scale)
        for p in the_panels
    }
    people = [
        Candidate(vacancy_id=vacancy.id, name=f"C{n}", alias=f"Candidate {n}", status="shortlisted")
        for n in range(candidates)
    ]
    asked = [
        Quality(vacancy_id=vacancy.id, text=f"Q{n}", source_group="staff", status="accepted")
        for n in range(qualities)
    ]
    users = []
    for member in members:
        name = next(usernames)
        users.append(User(username=name, display_name=name, role=member["role"]))
    session.add_all([*stored.values(), *people, *asked, *users])
    session.flush()
    for member, user in zip(members, users, strict=True):
        if member["seated"]:
            panel_id = stored[member["panel"].id].id
            session.add(PanelMember(panel_id=panel_id, vacancy_id=vacancy.id, user_id=user.id))
        for conflicts in member["declarations"]:
            declaration = Declaration(vacancy_id=vacancy.id, user_id=user.id, confidentiality=True)
            session.add(declaration)
            session.flush()
            session.add_all(
                DeclaredConflict(declaration_id=declaration.id, candidate_id=people[c].id)
                for c in conflicts
            )
    worked: list[Sheet] = []
    exact: dict[tuple[int, int], list[Fraction]] = {}
    for sheet in sheets:
        member, user = members[sheet["member"]], users[sheet["member"]]
        panel = stored[member["panel"].id]
        row = Scoresheet(
            vacancy_id=vacancy.id,
            candidate_id=people[sheet["candidate"]].id,
            panel_id=panel.id,
            user_id=user.id,
            status="submitted" if sheet["submitted"] else "draft",
            would_work_with=sheet["would_work_with"],
        )
        session.add(row)
        session.flush()
        session.add_all(
            Score(scoresheet_id=row.id, quality_id=asked[q].id, value=v)
            for q, v in enumerate(sheet["answers"])
        )
        if not sheet["submitted"]:
            continue
        given = [v for v in sheet["answers"] if v is not None]
        score = mean_normalised(sum(given), len(given), panel.scale)
        # A conflict in the author's latest declaration sets the sheet aside, sent before or not.
        aside = bool(member["declarations"]) and sheet["candidate"] in member["declarations"][-1]
        worked.append(
            Sheet(
                row.candidate_id,
                panel.id,
                user.id,
                score,
                sheet["would_work_with"],
                member["role"] == "person_supported",
                set_aside=aside,
            )
        )
        if score is not None and not aside:
            exact.setdefault((row.candidate_id, panel.id), []).append(
                Fraction(100 * (sum(given) - len(given)), len(given) * (panel.scale - 1))
            )
    session.flush()
    expected: dict[tuple[int, int], int] = {}
    for member in members:
        latest = member["declarations"][-1] if member["declarations"] else set()
        for n, candidate in enumerate(people):
            if member["seated"] and n not in latest:
                key = (candidate.id, stored[member["panel"].id].id)
                expected[key] = expected.get(key, 0) + 1
    inputs = (
        [replace(p, id=stored[p.id].id) for p in the_panels],
        [(c.id, c.alias) for c in people],
        worked,
        expected,
    )
    return vacancy, inputs, exact


def figures(result) -> list[float | None]:
    return [result.overall, result.people_supported_score] + [
        value for p in result.panels for value in (p.score, p.contribution)
    ]


@DATABASE
@given(stored_vacancies())
def test_the_database_sums_agree_with_the_rule_worked_sheet_by_sheet(app, vacancy):
    """vacancy_results (integer sums in SQL, one exact division per panel) against combine()
    over the sheets one by one (each member's score, then their mean in floating point): the
    same figures to the hundredth, the same ranks, flags and counts; and each panel's score is
    its members' exact mean, correctly rounded."""
    with app.app_context():
        try:
            stored, inputs, exact = store(*vacancy)
            found_panels, found = vacancy_results(stored)
            worked = combine(*inputs)
            assert found_panels == inputs[0]
            assert [r.candidate_id for r in found] == [r.candidate_id for r in worked]
            for got, want in zip(found, worked, strict=True):
                assert (got.rank, got.people_supported_rank, got.flags, got.complete) == (
                    want.rank,
                    want.people_supported_rank,
                    want.flags,
                    want.complete,
                )
                assert got.would_work_with == want.would_work_with
                assert [(p.panel_id, p.submitted, p.expected, p.set_aside) for p in got.panels] == [
                    (p.panel_id, p.submitted, p.expected, p.set_aside) for p in want.panels
                ]
                for a, b in zip(figures(got), figures(want), strict=True):
                    assert (a is None) == (b is None)
                    if a is not None:
                        assert two(a) == two(b)
                        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
                for panel in got.panels:
                    members = exact.get((got.candidate_id, panel.panel_id))
                    assert panel.score == (float(sum(members) / len(members)) if members else None)
        finally:
            db.session.rollback()
