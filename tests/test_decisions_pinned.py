"""Decisions pinned down where mutation testing (`make mutate`) found them unchecked: the words
of every refusal, the 5,000-character limits, what a retry and a change record, releasing the
results, and "you said, we did" (what each panel member is told), figures worked by hand.

The day (tests.test_api_scoring.Day): Residents, the people supported panel (ps, ps2; 3-point
scale, weight 50) and Staff (lead, staff; 5-point scale, weight 50); qualities Kind and
Listens; candidates A and B; ps2 declared a conflict with B.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from recruit.core.audit import AuditRecord
from recruit.core.errors import ValidationFailed
from recruit.extensions import db
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World, error_code

LIMIT = 5000


@pytest.fixture
def day(api, make_user) -> Day:
    return Day(World(api, make_user))


def decide(day: Day, candidate: int, outcome: str = "appoint", who: str = "lead", **extra):
    body = {"candidate_id": candidate, "outcome": outcome, "rationale": "Best on the day"}
    return day.world.post(f"/vacancies/{day.vacancy_id}/decisions", who, {**body, **extra})


def fields(answer) -> dict[str, list[str]]:
    assert answer.status_code == 422, answer.get_json()
    return answer.get_json()["error"]["fields"]


def actions(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditRecord.action)
                .where(AuditRecord.action.like("decision.%"))
                .order_by(AuditRecord.id)
            ).all()
        )


def scored(day: Day) -> None:
    """The hand-worked day of tests/test_results.py:
    A: Residents ps (3, 2) → 75, ps2 (2, not sure) → 50: 62.5; Staff lead (5, 4) → 87.5,
       staff (3, 3) → 50: 68.75. Overall (62.5 + 68.75) / 2 = 65.625; contributions 31.25
       and 34.375.
    B: Residents ps (1, 1) → 0, and "no" to being supported by B; Staff lead (5, 5) → 100.
       Overall 50. Residents prefer A; B is flagged people_supported_preferred_other and
       concern_raised."""
    day.put("ps", day.a, day.body((3, 2), submit=True))
    day.put("ps2", day.a, day.body((2, None), submit=True))
    day.put("lead", day.a, day.body((5, 4), submit=True))
    day.put("staff", day.a, day.body((3, 3), submit=True))
    day.put("ps", day.b, day.body((1, 1), submit=True, would_work_with="no"))
    day.put("lead", day.b, day.body((5, 5), submit=True))


# --- refusals, word for word ---------------------------------------------------------------------


def test_each_refusal_says_what_to_change(day):
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    assert fields(decide(day, day.a, "hire")) == {
        "outcome": ["Choose appoint, reserve or not_appointed."]
    }
    for empty in ("", "   "):
        assert fields(decide(day, day.a, rationale=empty)) == {
            "rationale": ["Say why, in plain words. Panel members will read it."]
        }
    assert fields(decide(day, 999_999)) == {
        "candidate_id": ["This is not a candidate of this vacancy."]
    }
    # All at once: each field says its own.
    assert set(fields(decide(day, 999_999, "hire", rationale=""))) == {
        "outcome",
        "rationale",
        "candidate_id",
    }


def test_a_candidate_of_another_vacancy_or_out_of_the_running_is_refused(app, day):
    from recruit.candidates.models import Candidate, CandidateStatus

    other = day.world.vacancy(title="Cook")
    with app.app_context():
        stranger = Candidate(
            vacancy_id=other, name="Sam", alias="Candidate A", status="shortlisted"
        )
        db.session.add(stranger)
        db.session.commit()
        stranger_id = stranger.id
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    refusal = {"candidate_id": ["This is not a candidate of this vacancy."]}
    assert fields(decide(day, stranger_id)) == refusal
    with app.app_context():
        db.session.get(Candidate, day.b).status = CandidateStatus.NOT_SHORTLISTED
        db.session.commit()
    assert fields(decide(day, day.b)) == refusal
    assert decide(day, day.a).status_code == 201


def test_decisions_wait_for_the_deciding_stage(day):
    early = decide(day, day.a)
    assert early.status_code == 409 and error_code(early) == "not_deciding"
    assert early.get_json()["error"]["message"] == (
        "Decisions are recorded when the vacancy is at the deciding stage."
    )


def test_going_against_people_supported_needs_a_reason_said_in_full(day):
    """B stands against both things people supported said: the message names both, in order."""
    scored(day)
    day.world.move(day.vacancy_id, "deciding")
    refused = decide(day, day.b)
    assert refused.status_code == 422 and error_code(refused) == "override_reason_required"
    assert refused.get_json()["error"]["message"] == (
        "Appointing this candidate goes against what people supported said (the people "
        "supported panels preferred someone else; a person supported said they would not like "
        "this person to support them). Give an override reason: the panel members will see it."
    )
    assert fields(refused) == {
        "override_reason": ["Say why you are appointing this candidate anyway."]
    }
    # Only what stands is named: A has no flag; reserve needs no reason.
    assert decide(day, day.b, "reserve").status_code == 201
    assert decide(day, day.a).status_code == 201


# --- the 5,000-character limits, after stripping -------------------------------------------------


def record(app, day: Day, candidate: int, **kwargs):
    """Call the operation as the decision page does: the form's words as typed."""
    from recruit.decisions.operations import record_decision
    from recruit.people.models import User
    from recruit.vacancies.models import Vacancy

    with app.app_context():
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        lead = db.session.get(User, day.world.id("lead"))
        decision = record_decision(lead, vacancy, candidate_id=candidate, **kwargs)
        db.session.commit()
        return decision.rationale, decision.override_reason


def refused_fields(app, day: Day, candidate: int, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        record(app, day, candidate, **kwargs)
    return refused.value.fields


def test_a_rationale_of_5000_characters_is_kept_and_5001_refused(app, day):
    day.world.move(day.vacancy_id, "deciding")
    longest = "w" * LIMIT
    # Spaces around do not count: they are stripped first.
    assert record(app, day, day.a, outcome="reserve", rationale=f"  {longest}\n") == (longest, "")
    assert refused_fields(app, day, day.a, outcome="reserve", rationale=longest + "w") == {
        "rationale": ["Use at most 5000 characters."]
    }


def test_an_override_reason_of_5000_characters_is_kept_and_5001_refused(app, day):
    scored(day)
    day.world.move(day.vacancy_id, "deciding")
    longest = "r" * LIMIT
    kept = record(
        app, day, day.b, outcome="appoint", rationale="Drives", override_reason=f" {longest} "
    )
    assert kept == ("Drives", longest)
    assert refused_fields(
        app, day, day.b, outcome="appoint", rationale="Drives", override_reason=longest + "r"
    ) == {"override_reason": ["Use at most 5000 characters."]}


def test_an_override_reason_is_kept_only_with_an_appointment(app, day):
    """A reason to go against people supported explains an appointment; sent with a reserve
    decision it is not kept, and not shown to anyone."""
    scored(day)
    day.world.move(day.vacancy_id, "deciding")
    answer = decide(day, day.b, "reserve", override_reason="Drives the minibus")
    assert answer.status_code == 201 and answer.get_json()["override_reason"] == ""
    assert actions(app) == ["decision.recorded"]  # no override was recorded


# --- posts ---------------------------------------------------------------------------------------


def test_one_post_filled_says_so_in_the_singular(day):
    day.world.move(day.vacancy_id, "deciding")
    assert decide(day, day.b, "reserve").status_code == 201  # a reserve fills no post
    assert decide(day, day.a).status_code == 201
    full = decide(day, day.b)
    assert full.status_code == 409 and error_code(full) == "posts_filled"
    assert full.get_json()["error"]["message"] == (
        "All 1 post are already filled. Change another decision first, or record this one as "
        "reserve."
    )
    # The appointed candidate's own decision can still be changed: it fills the post already.
    again = decide(day, day.a, rationale="Best on the day, and kind")
    assert again.status_code == 201 and again.get_json()["rationale"] == "Best on the day, and kind"


def test_two_posts_filled_says_so_in_the_plural(api, make_user):
    day = Day(World(api, make_user), late_candidate=True)
    answer = day.world.call("PATCH", f"/vacancies/{day.vacancy_id}", "hr", {"posts": 2})
    assert answer.status_code == 200, answer.get_json()
    day.world.move(day.vacancy_id, "deciding")
    assert decide(day, day.a).status_code == 201
    assert decide(day, day.b).status_code == 201
    full = decide(day, day.c)
    assert full.status_code == 409
    assert full.get_json()["error"]["message"].startswith("All 2 posts are already filled.")


# --- retries and changes -------------------------------------------------------------------------


def test_a_retry_changes_nothing_and_a_change_is_recorded_as_one(app, day):
    day.world.move(day.vacancy_id, "deciding")
    first = decide(day, day.a, "reserve").get_json()
    again = decide(day, day.a, "reserve").get_json()
    assert again == first  # same decision, same time: nothing happened
    assert actions(app) == ["decision.recorded"]
    changed = decide(day, day.a, "not_appointed", rationale="Less experience").get_json()
    assert (changed["outcome"], changed["rationale"]) == ("not_appointed", "Less experience")
    assert changed["id"] == first["id"]
    assert actions(app) == ["decision.recorded", "decision.changed"]
    with app.app_context():
        change = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "decision.changed")
        ).one()
        assert (change.before["outcome"], change.after["outcome"]) == ("reserve", "not_appointed")
        assert change.subject_id == first["id"]
        assert change.after["rationale"] == "Less experience"
    decide(day, day.b, "reserve")
    assert decide(day, day.a, "not_appointed", rationale="Less experience").get_json() == changed


def test_an_override_is_recorded_in_the_trail_with_its_reason(app, day):
    scored(day)
    day.world.move(day.vacancy_id, "deciding")
    answer = decide(day, day.b, override_reason="Only B can drive the minibus")
    assert answer.status_code == 201
    assert answer.get_json()["flags"] == ["people_supported_preferred_other", "concern_raised"]
    assert actions(app) == ["decision.recorded", "decision.override"]
    with app.app_context():
        override = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "decision.override")
        ).one()
        assert override.after["override_reason"] == "Only B can drive the minibus"
        assert override.after["candidate_id"] == day.b
        assert override.subject_id == answer.get_json()["id"]
    again = decide(day, day.b, override_reason="Only B can drive the minibus")
    assert again.get_json() == answer.get_json()  # a retry: nothing new in the trail
    assert actions(app) == ["decision.recorded", "decision.override"]


# --- releasing the results -----------------------------------------------------------------------


def release(day: Day, who: str = "lead"):
    return day.world.post(f"/vacancies/{day.vacancy_id}/release", who, {})


def test_results_are_released_once(app, day):
    day.world.move(day.vacancy_id, "deciding")
    first = release(day)
    assert first.status_code == 200
    again = release(day, "hr")
    assert again.get_json()["released_at"] == first.get_json()["released_at"]
    with app.app_context():
        records = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "results.released")
        ).all()
        assert [(r.subject_id, r.after) for r in records] == [(day.vacancy_id, {"released": True})]


def test_results_of_a_withdrawn_vacancy_are_never_released(api, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    early = world.post(f"/vacancies/{vacancy_id}/release", "hr", {})
    assert early.status_code == 409 and error_code(early) == "not_deciding"
    assert early.get_json()["error"]["message"] == (
        "Results are shared with panel members once the vacancy is at the deciding stage, "
        "when everyone has finished scoring."
    )
    assert world.move(vacancy_id, "withdrawn").status_code == 200
    late = world.post(f"/vacancies/{vacancy_id}/release", "hr", {})
    assert late.status_code == 409 and error_code(late) == "not_deciding"


# --- "you said, we did" --------------------------------------------------------------------------


def summaries(app, day: Day, *who: str) -> dict:
    """What each of `who` is told (HR has no seat on a panel)."""
    from recruit.decisions.operations import outcome_for
    from recruit.panels.models import PanelMember
    from recruit.vacancies.models import Vacancy

    with app.app_context():
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        told = {}
        for name in who:
            seat = db.session.scalars(
                select(PanelMember).where(
                    PanelMember.vacancy_id == day.vacancy_id,
                    PanelMember.user_id == day.world.id(name),
                )
            ).one_or_none()
            told[name] = outcome_for(vacancy, seat)
        return told


def panel_words(summary) -> tuple:
    return (
        summary.panel_name,
        summary.panel_kind,
        summary.panel_share,
        summary.panel_part,
        summary.panel_first_choice,
        summary.went_against_panel,
    )


def test_you_said_we_did_for_each_panel(app, api, make_user):
    """A appointed, B reserve, C (added late, never scored) not appointed. From the scored day:
    A's overall 65.625 came 31.25 from Residents and 34.375 from Staff, so Residents gave
    100 · 31.25 / 65.625 = 47.6 % of it and Staff 52.4 %; each panel has half the weight.
    Residents liked A best (62.5 against B's 0): the decision went their way. Staff liked B
    best (100 against A's 68.75): it went against them."""
    day = Day(World(api, make_user), late_candidate=True)
    scored(day)
    day.world.move(day.vacancy_id, "deciding")
    assert decide(day, day.a, rationale="Kind and calm").status_code == 201
    assert decide(day, day.b, "reserve", rationale="A close second").status_code == 201
    assert decide(day, day.c, "not_appointed", rationale="Not interviewed").status_code == 201
    told = summaries(app, day, "hr", "ps", "lead")
    for summary in told.values():
        assert summary.appointed == ["Candidate A"]
        assert summary.reserve == ["Candidate B"]  # not C, who was not appointed
        assert summary.rationales == [("Candidate A", "Kind and calm")]
        assert summary.override_reasons == []
    assert panel_words(told["hr"]) == (None, None, None, None, None, False)
    assert panel_words(told["ps"]) == (
        "people_supported panel",
        "people_supported",
        50.0,
        100 * 31.25 / 65.625,
        "Candidate A",
        False,
    )
    assert panel_words(told["lead"]) == (
        "staff panel",
        "staff",
        50.0,
        100 * 34.375 / 65.625,
        "Candidate B",
        True,
    )
    assert told["ps"].panel_no_score == [] and told["lead"].panel_set_aside == []

    # The lead changes their mind: B appointed against what Residents said, with a reason.
    # B's overall 50 is all Staff's (Residents scored B 0): Residents gave 0 % of it, Staff 100 %.
    assert decide(day, day.a, "reserve", rationale="Second").status_code == 201
    reason = "Only B can drive the minibus the residents use"
    assert decide(day, day.b, rationale="Drives", override_reason=reason).status_code == 201
    told = summaries(app, day, "ps", "lead")
    for summary in told.values():
        assert (summary.appointed, summary.reserve) == (["Candidate B"], ["Candidate A"])
        assert summary.override_reasons == [reason]
        assert summary.rationales == [("Candidate B", "Drives")]
    assert panel_words(told["ps"])[2:] == (50.0, 0.0, "Candidate A", True)
    assert panel_words(told["lead"])[2:] == (50.0, 100.0, "Candidate B", False)


def test_an_appointed_candidate_a_panel_never_scored(app, api, make_user):
    """C was added late and nobody scored them; appointing C goes against both panels' first
    choices, and each panel is told it had no score for C (nothing sent), not a share of 0.
    ps said they know A after sending A's sheet: Residents are told one of their sheets for A
    was set aside; Staff had none set aside."""
    day = Day(World(api, make_user), late_candidate=True)
    scored(day)
    answer = day.world.post(
        f"/vacancies/{day.vacancy_id}/declarations",
        "ps",
        {"confidentiality": True, "conflicts": [day.a]},
    )
    assert answer.status_code == 201, answer.get_json()
    day.world.move(day.vacancy_id, "deciding")
    assert decide(day, day.c, override_reason="Starts on Monday").status_code == 201
    told = summaries(app, day, "ps", "lead")
    for summary in told.values():
        assert summary.appointed == ["Candidate C"] and summary.reserve == []
        assert summary.panel_part is None
        assert summary.panel_no_score == [("Candidate C", "not_sent")]
        assert summary.went_against_panel is True
        assert summary.override_reasons == ["Starts on Monday"]
    assert told["ps"].panel_set_aside == [("Candidate A", 1)]
    assert told["lead"].panel_set_aside == []


def test_nobody_appointed_goes_against_no_panel(app, day):
    scored(day)
    day.world.move(day.vacancy_id, "deciding")
    decide(day, day.a, "not_appointed", rationale="Not this time")
    decide(day, day.b, "not_appointed", rationale="Not this time")
    told = summaries(app, day, "ps", "lead")
    assert [s.appointed for s in told.values()] == [[], []]
    assert panel_words(told["ps"])[2:] == (50.0, None, "Candidate A", False)
    assert panel_words(told["lead"])[2:] == (50.0, None, "Candidate B", False)


def test_a_panels_equal_favourites_are_both_its_first_choice(app, day):
    """Staff score A and B alike: lead (5, 5) and staff (3, 3) → 100 and 50 → 75 for both.
    Their first choice is "Candidate A and Candidate B"; appointing A goes their way."""
    for who, values in (("lead", (5, 5)), ("staff", (3, 3))):
        day.put(who, day.a, day.body(values, submit=True))
        day.put(who, day.b, day.body(values, submit=True))
    day.world.move(day.vacancy_id, "deciding")
    decide(day, day.a)
    told = summaries(app, day, "lead")["lead"]
    assert (told.panel_first_choice, told.went_against_panel) == (
        "Candidate A and Candidate B",
        False,
    )
    assert told.panel_part == 100.0  # Staff gave all of A's overall: Residents sent nothing


def test_half_a_point_more_is_a_panels_first_choice(monkeypatch):
    """Scores 50.5 and 50 are not equal: the panel's first choice is the 50.5 alone, and
    appointing the other goes against it. (The figures are set directly: a day of two
    qualities cannot give scores so close.)"""
    from types import SimpleNamespace

    from recruit.decisions import operations
    from recruit.scoring.results import CandidateResult, PanelInfo, PanelResult

    def result(cid: int, score: float) -> CandidateResult:
        panel = PanelResult(1, score, score, 1, 1)
        return CandidateResult(cid, f"Candidate {'AB'[cid - 1]}", score, cid, True, [panel])

    panels = [PanelInfo(1, "Staff", "staff", 1.0, 5)]
    monkeypatch.setattr(
        operations, "vacancy_results", lambda _: (panels, [result(1, 50.5), result(2, 50.0)])
    )
    chosen = SimpleNamespace(outcome="appoint", override_reason="", rationale="Kind")
    monkeypatch.setattr(operations, "decisions_of", lambda _: {2: chosen})
    told = operations.outcome_for(None, SimpleNamespace(panel_id=1))
    assert (told.panel_first_choice, told.went_against_panel) == ("Candidate A", True)
    assert told.panel_set_aside == []  # no sheet of theirs was set aside

    # Scores at most a billionth of a point apart are the same score, as ranks count them:
    # 0 and 1e-9 are both first choices, and so are 50 and 50 + 1e-12.
    for low, high in ((0.0, 1e-9), (50.0, 50.0 + 1e-12)):
        results = [result(1, high), result(2, low)]
        monkeypatch.setattr(operations, "vacancy_results", lambda _, r=results: (panels, r))
        told = operations.outcome_for(None, SimpleNamespace(panel_id=1))
        assert (told.panel_first_choice, told.went_against_panel) == (
            "Candidate A and Candidate B",
            False,
        )


def test_everyone_on_a_panel_is_told_in_their_own_words(app, day):
    """One message per seat, each linking to the outcome page: the people supported in easy
    read, staff in full, with their own panel's figures."""
    from recruit.core.notices import Notice
    from recruit.decisions.operations import notify_outcome
    from recruit.vacancies.models import Vacancy

    scored(day)
    day.world.move(day.vacancy_id, "deciding")
    decide(day, day.a, rationale="Kind and calm")
    decide(day, day.b, "reserve", rationale="A close second")
    with app.app_context():
        told = notify_outcome(db.session.get(Vacancy, day.vacancy_id))
        db.session.commit()
        notices = {
            n.user_id: n
            for n in db.session.scalars(select(Notice).where(Notice.link.like("%/outcome")))
        }
    assert told == 4 == len(notices)
    for who in ("ps", "ps2", "lead", "staff"):
        assert notices[day.world.id(who)].link == f"/vacancies/{day.vacancy_id}/outcome"
    for who in ("ps", "ps2"):
        assert notices[day.world.id(who)].subject == "We chose a new support worker"
    for who in ("lead", "staff"):
        notice = notices[day.world.id(who)]
        assert notice.subject == "The decision for Support worker, Oak House"
        assert "Appointed: Candidate A" in notice.body and "Reserve: Candidate B" in notice.body
        assert "staff panel, had 50% of the weight and gave 52%" in notice.body


def test_a_withdrawn_candidates_decision_goes_but_stays_whole_in_the_trail(app, day):
    """A is appointed, then withdraws: the decision goes (the post is free again), and the
    trail keeps it as it was, with why it went."""
    day.world.move(day.vacancy_id, "deciding")
    appointed = decide(day, day.a, rationale="Kind and calm").get_json()
    withdrawn = day.world.post(f"/candidates/{day.a}/withdraw", "hr", {"reason": "Moved away"})
    assert withdrawn.status_code == 200
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "decision.set_aside")
        ).one()
        assert (record.subject_id, record.after) == (day.a, {"reason": "withdrawn"})
        assert record.before == {
            "candidate_id": day.a,
            "outcome": "appoint",
            "rationale": "Kind and calm",
            "override_reason": "",
            "flags": appointed["flags"],
        }


def test_an_appointment_turned_by_a_late_conflict_is_kept_in_the_trail_with_why(app, day):
    """Residents: ps A (3, 3) → 100, B (2, 2) → 50; ps2 A (1, 2) → 25: Residents A 62.5,
    B 50. A is appointed without an override. ps then says they know A: Residents' A is ps2's
    25 alone, B is their first choice, and the appointment goes, the trail saying which of
    what people supported said now stands against it."""
    day.put("ps", day.a, day.body((3, 3), submit=True))
    day.put("ps", day.b, day.body((2, 2), submit=True))
    day.put("ps2", day.a, day.body((1, 2), submit=True))
    for who in ("lead", "staff"):
        day.put(who, day.a, day.body((5, 5), submit=True))
        day.put(who, day.b, day.body((5, 5), submit=True))
    day.world.move(day.vacancy_id, "deciding")
    appointed = decide(day, day.a).get_json()
    answer = day.world.post(
        f"/vacancies/{day.vacancy_id}/declarations",
        "ps",
        {"confidentiality": True, "conflicts": [day.a]},
    )
    assert answer.status_code == 201, answer.get_json()
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "decision.set_aside")
        ).one()
        assert record.after == {
            "reason": "results_changed",
            "flags": ["people_supported_preferred_other"],
        }
        assert (record.before["outcome"], record.before["flags"]) == ("appoint", [])
        assert record.subject_id == appointed["id"]


def test_rechecking_appointments_says_which_went(app, day):
    """An appointment of B standing against what people supported said (they preferred A, and
    one said "no" to B) with no override reason is set aside when appointments are rechecked,
    and the recheck names B; a reserve decision stays. Before deciding there is nothing to
    recheck."""
    from recruit.decisions.models import Decision
    from recruit.decisions.operations import recheck_appointments
    from recruit.people.models import User
    from recruit.vacancies.models import Vacancy

    scored(day)
    with app.app_context():
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        hr = db.session.get(User, day.world.id("hr"))
        assert recheck_appointments(vacancy, actor=hr) == []  # interviewing
    day.world.move(day.vacancy_id, "deciding")
    decide(day, day.a, "reserve")
    with app.app_context():
        # As it stood before the results turned: appointed with no reason given.
        db.session.add(
            Decision(
                vacancy_id=day.vacancy_id, candidate_id=day.b, outcome="appoint", rationale="Drives"
            )
        )
        db.session.commit()
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        hr = db.session.get(User, day.world.id("hr"))
        assert recheck_appointments(vacancy, actor=hr) == [day.b]
        db.session.commit()
        kept = db.session.scalars(select(Decision.candidate_id)).all()
    assert kept == [day.a]
