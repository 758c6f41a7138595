"""The eight ways the weighting's promises leaked in ordinary sequences of events (issue 16),
each reproduced over the API on both databases. docs/scoring.md states the rule with the
same cases worked by hand.

The day (tests.test_api_scoring.Day): people supported panel (ps, ps2; 3-point scale, weight
50), staff panel (lead, staff; 5-point scale, weight 50); qualities Kind and Listens;
candidates A and B; ps2 declared a conflict with B.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from recruit.core.audit import AuditRecord
from recruit.core.notices import Notice
from recruit.extensions import db
from tests.conftest import csrf_from
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World, error_code
from tests.test_pages_qualities import tablet_sign_in


@pytest.fixture
def day(api, make_user) -> Day:
    return Day(World(api, make_user))


@pytest.fixture
def world(api, make_user) -> World:
    return World(api, make_user)


def results(day: Day, who: str = "hr") -> dict[int, dict]:
    answer = day.world.get(f"/vacancies/{day.vacancy_id}/results", who)
    assert answer.status_code == 200, answer.get_json()
    return {c["candidate_id"]: c for c in answer.get_json()["candidates"]}


def declare(day: Day, who: str, conflicts: list[int]):
    return day.world.post(
        f"/vacancies/{day.vacancy_id}/declarations",
        who,
        {"confidentiality": True, "conflicts": conflicts},
    )


def decide(day: Day, candidate: int, outcome: str = "appoint", **extra):
    return day.world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "lead",
        {"candidate_id": candidate, "outcome": outcome, "rationale": "Best on the day", **extra},
    )


def patch_posts(day: Day, posts: int):
    return day.world.call("PATCH", f"/vacancies/{day.vacancy_id}", "hr", {"posts": posts})


def everyone_sends(day: Day) -> None:
    """The staff panel scores A 100 and B 0; ps scores B 100; ps2 sends A all "not sure"."""
    for who in ("lead", "staff"):
        day.put(who, day.a, day.body((5, 5), submit=True))
        day.put(who, day.b, day.body((1, 1), submit=True))
    day.put("ps", day.b, day.body((3, 3), submit=True))
    day.put("ps2", day.a, day.body((None, None), submit=True))


# --- 1 and 2: the people supported's first choice, and a panel without a score --------------------


def test_1_appointing_someone_people_supported_did_not_score_needs_an_override(api, make_user):
    """ps declares a conflict with A and ps2 answers "not sure" to everything about A, so the
    people supported panel has no score for A; ps scores B. Staff score A highly. Appointing A
    goes against the people supported's first choice (B): an override reason is required."""
    day = Day(World(api, make_user), undeclared=("ps",))
    assert declare(day, "ps", [day.a]).status_code == 201
    everyone_sends(day)
    got = results(day)
    assert got[day.a]["panels"][0]["score"] is None
    assert got[day.b]["panels"][0]["score"] == 100.0
    assert got[day.a]["rank"] == 1  # the staff's 100 alone
    assert "people_supported_preferred_other" in got[day.a]["flags"]
    assert "people_supported_preferred_other" not in got[day.b]["flags"]
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    refused = decide(day, day.a)
    assert refused.status_code == 422
    assert error_code(refused) == "override_reason_required"
    accepted = decide(day, day.a, override_reason="B cannot work nights, which the job needs")
    assert accepted.status_code == 201
    assert "people_supported_preferred_other" in accepted.get_json()["flags"]


def test_2_a_panel_of_only_not_sure_is_flagged_and_nothing_is_stretched(api, make_user):
    """A's people supported panel sent one sheet, all "not sure": it has no score. The result
    keeps complete (v1: every panel sent a sheet), flags panel_without_score, and the overall is
    the staff's score alone with its contribution said as such (100 over 50 of the weight)."""
    day = Day(World(api, make_user), undeclared=("ps",))
    assert declare(day, "ps", [day.a]).status_code == 201
    everyone_sends(day)
    a = results(day)[day.a]
    assert a["complete"] is True
    assert "panel_without_score" in a["flags"]
    ps, staff = a["panels"]
    assert (ps["submitted"], ps["score"], ps["contribution"]) == (1, None, None)
    assert (staff["score"], staff["contribution"], a["overall"]) == (100.0, 100.0, 100.0)
    b = results(day)[day.b]
    assert "panel_without_score" not in b["flags"]


def test_2_a_panel_with_nothing_sent_is_incomplete_not_without_score(day):
    day.put("lead", day.a, day.body((5, 5), submit=True))
    a = results(day)[day.a]
    assert a["complete"] is False
    assert "incomplete" in a["flags"] and "panel_without_score" not in a["flags"]


# --- 3: a conflict declared after sending --------------------------------------------------------


def test_3_a_conflict_declared_after_sending_sets_the_sheet_aside(app, day):
    """ps sends 100 for A, then says they know A: the sheet is kept but no longer counts; the
    panel's score for A is ps2's alone (50), submitted 1 of expected 1, set aside 1."""
    day.put("ps", day.a, day.body((3, 3), submit=True))
    day.put("ps2", day.a, day.body((2, 2), submit=True))
    before = results(day)[day.a]["panels"][0]
    assert (before["score"], before["submitted"], before["expected"]) == (75.0, 2, 2)
    assert declare(day, "ps", [day.a]).status_code == 201
    after = results(day)[day.a]["panels"][0]
    assert (after["score"], after["submitted"], after["expected"]) == (50.0, 1, 1)
    assert after["set_aside"] == 1
    with app.app_context():
        actions = db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.action == "scoresheet.set_aside")
        ).all()
    assert actions == ["scoresheet.set_aside"]
    own = day.world.get(f"/candidates/{day.a}/scoresheet", "ps")
    assert own.status_code == 403  # kept, but they no longer score A


def test_3_a_conflict_stays_once_interviewing_has_started(day):
    refused = declare(day, "ps2", [])
    assert refused.status_code == 409
    assert error_code(refused) == "conflict_stays"
    assert "Candidate B" in refused.get_json()["error"]["message"]
    assert declare(day, "ps2", [day.b, day.a]).status_code == 201  # adding one is fine
    assert results(day)[day.a]["panels"][0]["expected"] == 1


def test_3_a_conflict_declared_while_deciding_reopens_an_appointment_it_turns(app, day):
    """Residents: ps A 100, B 50; ps2 A (1, 2) → 25 (ps2 knows B). Residents A 62.5 > B 50, so
    appointing A needs no override. Then ps says they know A: A's Residents score is ps2's 25
    alone, B is now the people supported's first choice, and the appointment made without an
    override reason is set aside to be made again."""
    day.put("ps", day.a, day.body((3, 3), submit=True))
    day.put("ps", day.b, day.body((2, 2), submit=True))
    day.put("ps2", day.a, day.body((1, 2), submit=True))
    for who in ("lead", "staff"):
        day.put(who, day.a, day.body((5, 5), submit=True))
        day.put(who, day.b, day.body((5, 5), submit=True))
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    assert decide(day, day.a).status_code == 201
    assert decide(day, day.b, "reserve").status_code == 201
    assert declare(day, "ps", [day.a]).status_code == 201
    got = results(day)
    assert got[day.a]["panels"][0]["score"] == 25.0
    assert "people_supported_preferred_other" in got[day.a]["flags"]
    refused = day.world.move(day.vacancy_id, "decided")
    assert refused.status_code == 409 and "Candidate A" in refused.get_json()["error"]["message"]
    with app.app_context():
        from recruit.decisions.models import Decision

        kept = db.session.scalars(select(Decision.candidate_id)).all()
        assert kept == [day.b]  # the reserve decision stands; the appointment went
        reason = db.session.scalars(
            select(AuditRecord.after).where(AuditRecord.action == "decision.set_aside")
        ).one()
        assert reason["reason"] == "results_changed"
    again = decide(day, day.a, override_reason="A knows the house's routines")
    assert again.status_code == 201


def test_3_before_interviewing_a_conflict_can_be_taken_back(world):
    vacancy_id, _, _ = world.ready_for_shortlisting()
    a = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann"}).get_json()["id"]
    body = {"confidentiality": True, "conflicts": [a]}
    assert world.post(f"/vacancies/{vacancy_id}/declarations", "ps", body).status_code == 201
    body["conflicts"] = []
    assert world.post(f"/vacancies/{vacancy_id}/declarations", "ps", body).status_code == 201


# --- 4: candidates added after a declaration -----------------------------------------------------


def test_4_a_late_candidate_needs_a_new_declaration_first(api, make_user):
    day = Day(World(api, make_user), late_candidate=True)
    refused = day.put("ps", day.c, day.body((3, 3)))
    assert refused.status_code == 403
    assert error_code(refused) == "declaration_required"
    assert "Candidate C" in refused.get_json()["error"]["message"]
    assert day.put("ps", day.a, day.body((3, 3))).status_code == 200  # only for that candidate
    listed = day.world.get(f"/vacancies/{day.vacancy_id}/candidates", "ps").get_json()
    assert {c["alias"]: c["needs_declaration"] for c in listed["candidates"]} == {
        "Candidate A": False,
        "Candidate B": False,
        "Candidate C": True,
    }
    assert declare(day, "ps", []).status_code == 201
    assert day.put("ps", day.c, day.body((3, 3))).status_code == 200


def test_4_the_declaration_page_asks_only_about_the_new_candidates(api, make_user, client):
    day = Day(World(api, make_user), late_candidate=True)
    tablet_sign_in(client, day.world, "ps2")
    page = client.get(f"/vacancies/{day.vacancy_id}/scoring")
    assert page.status_code == 302 and page.location.endswith(
        f"/vacancies/{day.vacancy_id}/declaration"
    )
    form = client.get(f"/vacancies/{day.vacancy_id}/declaration").text
    assert "New people to meet" in form
    assert "Candidate C" in form and 'value="' + str(day.a) + '"' not in form
    assert "You said you know Candidate B" in form


# --- 5: posts never below the appointments -------------------------------------------------------


def test_5_posts_cannot_shrink_below_the_appointments(day):
    assert patch_posts(day, 2).status_code == 200
    for who in ("lead", "staff", "ps"):
        day.put(who, day.a, day.body((3, 3), submit=True))
        day.put(who, day.b, day.body((3, 3), submit=True))
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    assert decide(day, day.a).status_code == 201
    assert decide(day, day.b).status_code == 201
    refused = patch_posts(day, 1)
    assert refused.status_code == 409
    assert error_code(refused) == "posts_below_appointments"
    got = day.world.get(f"/vacancies/{day.vacancy_id}", "hr").get_json()
    assert got["posts"] == 2
    assert decide(day, day.b, "reserve").status_code == 201
    assert patch_posts(day, 1).status_code == 200


# --- 6: a withdrawn candidate ---------------------------------------------------------------------


def test_6_a_withdrawn_appointee_frees_the_post_and_is_never_appointed(app, day):
    with app.app_context():
        from recruit.candidates.schedule import add_slot
        from recruit.people.models import User
        from recruit.vacancies.models import Vacancy

        hr = db.session.get(User, day.world.id("hr"))
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        starts = datetime.now(UTC) + timedelta(days=1)
        add_slot(
            hr, vacancy, candidate_id=day.a, panel_id=day.staff_panel, starts_at=starts, minutes=45
        )
        db.session.commit()
        told_before = db.session.scalar(select(func.coalesce(func.max(Notice.id), 0)))
    for who in ("lead", "staff", "ps"):
        day.put(who, day.a, day.body((3, 3), submit=True))
        day.put(who, day.b, day.body((2, 2), submit=True))
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    assert decide(day, day.a).status_code == 201
    assert error_code(decide(day, day.b, override_reason="Both were good")) == "posts_filled"

    withdrawn = day.world.post(
        f"/candidates/{day.a}/withdraw", "hr", {"reason": "Took another job"}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.get_json() == {"id": day.a, "status": "withdrawn"}
    assert decide(day, day.b, override_reason="A has gone").status_code == 201  # post free
    assert decide(day, day.a).status_code == 422  # never appointed again
    assert day.a not in results(day)
    with app.app_context():
        from recruit.candidates.models import Candidate, InterviewSlot
        from recruit.decisions.models import Decision

        assert db.session.scalar(select(Decision).where(Decision.candidate_id == day.a)) is None
        assert db.session.scalars(select(InterviewSlot)).all() == []
        told = db.session.scalars(select(Notice).where(Notice.id > told_before)).all()
        subjects = sorted(n.subject for n in told if "Candidate A" in n.subject)
        assert (
            subjects
            == ["Candidate A has withdrawn from Support worker"] * 2
            + ["You will not meet Candidate A"] * 2
        )  # the staff panel, and the people supported in easy read
        cancelled = [n for n in told if "cancelled" in n.body]
        assert len(cancelled) == 2  # the interview was the staff panel's
        actions = db.session.scalars(select(AuditRecord.action)).all()
        assert "decision.set_aside" in actions
    assert day.world.move(day.vacancy_id, "decided").status_code == 200
    with app.app_context():
        assert db.session.get(Candidate, day.a).status == "withdrawn"
        assert db.session.get(Candidate, day.b).status == "appointed"
    late = day.world.post(f"/candidates/{day.b}/withdraw", "hr", {})
    assert late.status_code == 409


def test_6_only_hr_records_a_withdrawal(day):
    for who in ("lead", "ps", "outsider"):
        assert day.world.post(f"/candidates/{day.a}/withdraw", who, {}).status_code == 403
    assert day.world.post("/candidates/999999/withdraw", "hr", {}).status_code == 404
    too_long = day.world.post(f"/candidates/{day.a}/withdraw", "hr", {"reason": "x" * 2001})
    assert too_long.status_code == 422
    first = day.world.post(f"/candidates/{day.a}/withdraw", "hr", {})
    again = day.world.post(f"/candidates/{day.a}/withdraw", "hr", {})
    assert first.status_code == again.status_code == 200


# --- 7: something to score -----------------------------------------------------------------------


def test_7_the_last_accepted_quality_cannot_be_declined(world):
    vacancy_id, _, _ = world.ready_for_shortlisting()
    accepted = world.get(f"/vacancies/{vacancy_id}/qualities", "hr").get_json()["qualities"]
    (only,) = [q for q in accepted if q["status"] == "accepted"]
    refused = world.post(
        f"/qualities/{only['id']}/review", "lead", {"status": "declined", "reason": "no"}
    )
    assert refused.status_code == 409
    assert error_code(refused) == "last_accepted_quality"


def test_7_interviewing_rechecks_that_a_quality_is_accepted(app, world):
    vacancy_id, _, _ = world.ready_for_shortlisting()
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann"})
    with app.app_context():
        from recruit.qualities.models import Quality

        for quality in db.session.scalars(select(Quality)).all():
            quality.status = "declined"  # as a vacancy from before this rule could be
        db.session.commit()
    refused = world.move(vacancy_id, "interviewing")
    assert refused.status_code == 409
    assert "Accept at least one quality" in refused.get_json()["error"]["message"]


# --- 8: nobody reads a figure before sending their own --------------------------------------------


def test_8_results_are_shared_with_members_only_from_deciding(day, client):
    early = day.world.post(f"/vacancies/{day.vacancy_id}/release", "lead", {})
    assert early.status_code == 409
    for who in ("lead", "staff", "ps", "ps2"):
        for candidate in (day.a, day.b):
            day.put(who, candidate, day.body((2, 2), submit=True))
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    assert day.world.post(f"/vacancies/{day.vacancy_id}/release", "ps", {}).status_code == 403
    first = day.world.post(f"/vacancies/{day.vacancy_id}/release", "lead", {})
    assert first.status_code == 200
    again = day.world.post(f"/vacancies/{day.vacancy_id}/release", "hr", {})
    assert again.status_code == 200
    assert again.get_json()["released_at"] == first.get_json()["released_at"]


def test_8_a_lead_sees_figures_only_for_candidates_they_have_sent(app, day, client, sign_in):
    """The lead sends A only. The API answers 403 own_scoresheets_first (all or nothing);
    the decision page shows A's figures and comments and holds B's back, with no ranks."""
    day.put("staff", day.a, day.body((5, 5), comment="Warm with everyone", submit=True))
    day.put("staff", day.b, day.body((1, 1), comment="Late and curt", submit=True))
    day.put("lead", day.a, day.body((4, 4), submit=True))
    refused = day.world.get(f"/vacancies/{day.vacancy_id}/results", "lead")
    assert refused.status_code == 403
    assert error_code(refused) == "own_scoresheets_first"
    assert "Candidate B" in refused.get_json()["error"]["message"]
    sign_in(day.world.people["lead"])
    page = client.get(f"/vacancies/{day.vacancy_id}/decision").text
    assert "Warm with everyone" in page
    assert "Late and curt" not in page
    assert "Rank 1" not in page
    assert "You have not sent your own scores for Candidate B" in page
    packs = client.post(f"/vacancies/{day.vacancy_id}/packs", data={"csrf_token": csrf_from(page)})
    assert packs.status_code == 403
    day.put("lead", day.b, day.body((2, 2), submit=True))
    page = client.get(f"/vacancies/{day.vacancy_id}/decision").text
    assert "Late and curt" in page and "Rank 1" in page


def test_8_a_conflicted_lead_is_not_held_back_by_that_candidate(day):
    declare(day, "lead", [day.b])
    day.put("lead", day.a, day.body((4, 4), submit=True))
    assert day.world.get(f"/vacancies/{day.vacancy_id}/results", "lead").status_code == 200


def test_8_the_rule_is_in_the_api_description(client):
    document = client.get("/api/v1/openapi.json").get_json()
    summary = document["paths"]["/api/v1/vacancies/{vacancy_id}/results"]["get"]["summary"]
    assert "own_scoresheets_first" in summary
    assert "/api/v1/vacancies/{vacancy_id}/release" in document["paths"]
    assert "/api/v1/candidates/{candidate_id}/withdraw" in document["paths"]
