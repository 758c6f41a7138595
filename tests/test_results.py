"""The scoring rule, checked to the decimal against examples worked by hand.

Normalise n = 100·(v−1)/(S−1); member = mean of their n (not sure left out); panel = mean of
members; overall = Σ w·s / Σ w over panels with a submitted sheet; contribution = w·s / Σ w.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from recruit.extensions import db
from recruit.scoring.results import PanelInfo, Sheet, combine, normalise
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World

# --- the pure rule -------------------------------------------------------------------------------

PS = PanelInfo(1, "Residents", "people_supported", 50.0, 3)
STAFF = PanelInfo(2, "Staff", "staff", 50.0, 5)


def test_normalising_both_scales():
    assert [normalise(v, 3) for v in (1, 2, 3)] == [0.0, 50.0, 100.0]
    assert [normalise(v, 5) for v in (1, 2, 3, 4, 5)] == [0.0, 25.0, 50.0, 75.0, 100.0]


def by_id(results):
    return {r.candidate_id: r for r in results}


def test_a_hand_worked_vacancy():
    """A: residents 75 and 50 → 62.5; staff 87.5 and 50 → 68.75; overall 65.625.
    B: residents 0 (a sheet of only 'not sure' left out); staff 100 → overall 50.
    C: only staff submitted (75) → incomplete, overall 75 over the staff panel alone."""
    sheets = [
        Sheet(10, 1, 101, 75.0),
        Sheet(10, 1, 102, 50.0),
        Sheet(10, 2, 201, 87.5),
        Sheet(10, 2, 202, 50.0),
        Sheet(11, 1, 101, 0.0, "no", True),
        Sheet(11, 1, 102, None),
        Sheet(11, 2, 201, 100.0),
        Sheet(12, 2, 202, 75.0),
    ]
    expected = {(c, p): 2 for c in (10, 11, 12) for p in (1, 2)}
    results = combine([PS, STAFF], [(10, "A"), (11, "B"), (12, "C")], sheets, expected)
    got = by_id(results)
    a, b, c = got[10], got[11], got[12]
    assert a.panels[0].score == pytest.approx(62.5) and a.panels[1].score == pytest.approx(68.75)
    assert a.overall == pytest.approx(65.625)
    assert a.panels[0].contribution == pytest.approx(31.25)
    assert a.panels[1].contribution == pytest.approx(34.375)
    assert sum(p.contribution for p in a.panels) == pytest.approx(a.overall)
    assert b.panels[0].score == pytest.approx(0.0) and b.panels[0].submitted == 2
    assert b.overall == pytest.approx(50.0)
    assert c.overall == pytest.approx(75.0) and c.complete is False
    assert c.panels[0].score is None and c.panels[0].contribution is None
    assert [r.candidate_id for r in results] == [12, 10, 11]
    assert (c.rank, a.rank, b.rank) == (1, 2, 3)
    # v1.1: C has no people supported score, and they ranked A first (docs/scoring.md, case 1).
    assert c.flags == ["people_supported_preferred_other", "incomplete"]
    assert a.flags == [] and a.people_supported_rank == 1
    assert b.flags == ["people_supported_preferred_other", "concern_raised"]
    assert b.people_supported_score == pytest.approx(0.0)


def test_unequal_weights_and_shares():
    """Weights 3 and 1: residents 40 and staff 80 → overall (3·40 + 1·80)/4 = 50."""
    ps = PanelInfo(1, "Residents", "people_supported", 3.0, 3)
    staff = PanelInfo(2, "Staff", "staff", 1.0, 5)
    result = combine([ps, staff], [(1, "A")], [Sheet(1, 1, 1, 40.0), Sheet(1, 2, 2, 80.0)], {})[0]
    assert result.overall == pytest.approx(50.0)
    assert [p.contribution for p in result.panels] == [pytest.approx(30.0), pytest.approx(20.0)]


def test_equal_overall_scores_share_a_rank_and_are_flagged():
    sheets = [
        Sheet(1, 1, 1, 50.0),
        Sheet(2, 1, 1, 50.0),
        Sheet(3, 1, 1, 100.0),
        Sheet(4, 1, 1, 0.0),
    ]
    results = by_id(combine([PS], [(1, "A"), (2, "B"), (3, "C"), (4, "D")], sheets, {}))
    assert [results[i].rank for i in (3, 1, 2, 4)] == [1, 2, 2, 4]
    assert "tie" in results[1].flags and "tie" in results[2].flags
    assert "tie" not in results[3].flags and "tie" not in results[4].flags


def test_equal_after_arithmetic_is_still_a_tie():
    """(0 + 100)/2 and 50 are the same score whatever the floating point does."""
    sheets = [Sheet(1, 1, 1, 100 / 3), Sheet(1, 1, 2, 200 / 3), Sheet(2, 1, 1, 50.0)]
    results = by_id(combine([PS], [(1, "A"), (2, "B")], sheets, {}))
    assert results[1].rank == results[2].rank == 1


def test_people_supported_ranking_uses_their_panels_alone():
    ps2 = PanelInfo(3, "Day centre", "people_supported", 25.0, 3)
    sheets = [
        Sheet(1, 1, 1, 100.0),
        Sheet(1, 3, 3, 0.0),
        Sheet(1, 2, 2, 0.0),
        Sheet(2, 1, 1, 50.0),
        Sheet(2, 3, 3, 100.0),
        Sheet(2, 2, 2, 100.0),
    ]
    results = by_id(combine([PS, STAFF, ps2], [(1, "A"), (2, "B")], sheets, {}))
    # Theirs: A (50·100 + 25·0)/75 = 66.67; B (50·50 + 25·100)/75 = 66.67 → both first.
    assert results[1].people_supported_score == pytest.approx(200 / 3)
    assert results[2].people_supported_score == pytest.approx(200 / 3)
    assert "people_supported_preferred_other" not in results[1].flags + results[2].flags


def test_no_submissions_at_all():
    result = combine([PS, STAFF], [(1, "A")], [], {(1, 1): 2, (1, 2): 2})[0]
    assert result.overall is None and result.rank is None and result.complete is False
    assert result.flags == ["incomplete"]
    assert [(p.submitted, p.expected) for p in result.panels] == [(0, 2), (0, 2)]


# --- through the API, on both databases ---------------------------------------------------------


@pytest.fixture
def day(api, make_user) -> Day:
    return Day(World(api, make_user))


@pytest.fixture
def scored(day):
    """Candidate A and B scored as in the hand-worked example, through the real API."""
    day.put("ps", day.a, day.body((3, 2), submit=True))  # 100, 50 → 75
    day.put("ps2", day.a, day.body((2, None), submit=True))  # 50, not sure → 50
    day.put("lead", day.a, day.body((5, 4), submit=True))  # 100, 75 → 87.5
    day.put("staff", day.a, day.body((3, 3), submit=True))  # 50, 50 → 50
    day.put("ps", day.b, day.body((1, 1), submit=True, would_work_with="no"))  # 0
    day.put("lead", day.b, day.body((5, 5), submit=True))  # 100
    day.put("staff", day.b, day.body((2, 2)))  # a draft: does not count
    return day


def test_results_match_the_hand_worked_example(scored):
    day = scored
    answer = day.world.get(f"/vacancies/{day.vacancy_id}/results", "hr")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["vacancy_id"] == day.vacancy_id
    assert [(p["id"], p["kind"], p["weight"]) for p in body["panels"]] == [
        (day.ps_panel, "people_supported", 50.0),
        (day.staff_panel, "staff", 50.0),
    ]
    a, b = body["candidates"]
    assert a["candidate_id"] == day.a and a["alias"] == "Candidate A"
    assert a["overall"] == 65.63 and a["rank"] == 1 and a["complete"] is True
    assert a["panels"] == [
        {
            "panel_id": day.ps_panel,
            "score": 62.5,
            "contribution": 31.25,
            "submitted": 2,
            "expected": 2,
            "set_aside": 0,
        },
        {
            "panel_id": day.staff_panel,
            "score": 68.75,
            "contribution": 34.38,
            "submitted": 2,
            "expected": 2,
            "set_aside": 0,
        },
    ]
    assert a["flags"] == []
    assert b["overall"] == 50.0 and b["rank"] == 2
    assert b["panels"][0] == {
        "panel_id": day.ps_panel,
        "score": 0.0,
        "contribution": 0.0,
        "submitted": 1,
        "expected": 1,
        "set_aside": 0,
    }  # ps2 declared a conflict with B
    assert b["panels"][1]["submitted"] == 1 and b["panels"][1]["expected"] == 2
    assert b["flags"] == ["people_supported_preferred_other", "concern_raised"]


def test_an_amendment_changes_the_results(scored):
    day = scored
    day.put("staff", day.a, day.body((5, 5), amend_reason="I mixed up the candidates"))
    a = day.world.get(f"/vacancies/{day.vacancy_id}/results", "hr").get_json()["candidates"][0]
    # Staff: 87.5 and 100 → 93.75; overall (62.5 + 93.75)/2 = 78.125
    assert a["panels"][1]["score"] == 93.75 and a["overall"] == 78.13


def test_results_are_for_hr_and_the_lead_from_interviewing(day, api, make_user):
    for who in ("ps", "staff", "outsider", "admin"):
        assert day.world.get(f"/vacancies/{day.vacancy_id}/results", who).status_code == 403, who
    assert day.world.get(f"/vacancies/{day.vacancy_id}/results", "hr").status_code == 200
    # The lead scores too: their own sheets first (docs/scoring.md, case 8).
    for candidate in (day.a, day.b):
        early = day.world.get(f"/vacancies/{day.vacancy_id}/results", "lead")
        assert early.status_code == 403
        assert early.get_json()["error"]["code"] == "own_scoresheets_first"
        day.put("lead", candidate, day.body((3, 3), submit=True))
    assert day.world.get(f"/vacancies/{day.vacancy_id}/results", "lead").status_code == 200
    assert day.world.get("/vacancies/999999/results", "hr").status_code == 404
    early = day.world.vacancy()
    assert day.world.get(f"/vacancies/{early}/results", "hr").status_code == 409


def count_queries(app):
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    return statements, lambda: event.remove(engine, "before_cursor_execute", before)


def test_results_take_the_same_few_queries_however_many_candidates(app, scored):
    day = scored
    statements, stop = count_queries(app)
    try:
        day.world.get(f"/vacancies/{day.vacancy_id}/results", "hr")
        few = len(statements)
        with app.app_context():
            from recruit.candidates.models import Candidate

            for n in range(8):
                db.session.add(
                    Candidate(
                        vacancy_id=day.vacancy_id,
                        name=f"Extra {n}",
                        alias=f"Extra {n}",
                        status="shortlisted",
                    )
                )
            db.session.commit()
        statements.clear()
        day.world.get(f"/vacancies/{day.vacancy_id}/results", "hr")
        assert len(statements) == few
    finally:
        stop()
    # token lookup and the vacancy, then four queries for the results
    assert few <= 6


# --- decisions ------------------------------------------------------------------------------------


def test_decisions_need_reasons_and_overrides(app, scored):
    day = scored
    world = day.world
    path = f"/vacancies/{day.vacancy_id}/decisions"
    early = world.post(
        path, "hr", {"candidate_id": day.a, "outcome": "appoint", "rationale": "Best"}
    )
    assert early.status_code == 409
    world.move(day.vacancy_id, "deciding")
    assert (
        world.post(
            path, "hr", {"candidate_id": day.a, "outcome": "hire", "rationale": "x"}
        ).status_code
        == 422
    )
    assert (
        world.post(
            path, "hr", {"candidate_id": day.a, "outcome": "appoint", "rationale": " "}
        ).status_code
        == 422
    )
    assert (
        world.post(
            path, "hr", {"candidate_id": 999999, "outcome": "appoint", "rationale": "x"}
        ).status_code
        == 422
    )
    for who in ("ps", "staff", "outsider"):
        assert (
            world.post(
                path, who, {"candidate_id": day.a, "outcome": "appoint", "rationale": "x"}
            ).status_code
            == 403
        )
    needs = world.post(
        path,
        "lead",
        {"candidate_id": day.b, "outcome": "appoint", "rationale": "Strong on experience"},
    )
    assert needs.status_code == 422
    assert needs.get_json()["error"]["code"] == "override_reason_required"
    assert "override_reason" in needs.get_json()["error"]["fields"]
    ok = world.post(
        path,
        "lead",
        {
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Strong on experience",
            "override_reason": "Only B can drive the minibus the residents use",
        },
    )
    assert ok.status_code == 201
    assert ok.get_json()["flags"] == ["people_supported_preferred_other", "concern_raised"]
    full = world.post(
        path, "hr", {"candidate_id": day.a, "outcome": "appoint", "rationale": "Also good"}
    )
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "posts_filled"
    assert (
        world.post(
            path,
            "hr",
            {"candidate_id": day.a, "outcome": "reserve", "rationale": "Very close second"},
        ).status_code
        == 201
    )
    assert world.move(day.vacancy_id, "decided").status_code == 200
    statuses = {
        c["id"]: c["status"]
        for c in world.get(f"/vacancies/{day.vacancy_id}/candidates", "hr").get_json()["candidates"]
    }
    assert statuses == {day.a: "reserve", day.b: "appointed"}
    with app.app_context():
        from sqlalchemy import select

        from recruit.core.audit import AuditRecord

        actions = db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.action.like("decision.%"))
        ).all()
        assert sorted(actions) == ["decision.override", "decision.recorded", "decision.recorded"]


def test_decided_needs_a_decision_for_everyone(scored):
    day = scored
    day.world.move(day.vacancy_id, "deciding")
    day.world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "hr",
        {"candidate_id": day.a, "outcome": "appoint", "rationale": "Best overall"},
    )
    answer = day.world.move(day.vacancy_id, "decided")
    assert answer.status_code == 409 and "Candidate B" in answer.get_json()["error"]["message"]
