"""The scoring pages through the test client (no JavaScript), on both databases.

Each screen is a plain form: it saves a draft through the same operation as the API and goes
to the next screen; the summary submits; a submitted scoresheet changes only with a reason.
Conflicted members, HR and outsiders are refused; nobody sees anyone else's scores; the
lead sees who has sent (never what) and reminds those who have not, by email.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from recruit.core.audit import AuditRecord
from recruit.core.outbox import OutboxMessage
from recruit.extensions import db
from recruit.people.models import User
from recruit.scoring.models import Scoresheet
from tests.conftest import csrf_from
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in, tablet_sign_in


@pytest.fixture
def day(api, make_user) -> Day:
    return Day(World(api, make_user))


def sheet_of(app, day: Day, who: str, candidate: int) -> dict | None:
    with app.app_context():
        sheet = db.session.scalar(
            select(Scoresheet).where(
                Scoresheet.user_id == day.world.id(who), Scoresheet.candidate_id == candidate
            )
        )
        if sheet is None:
            return None
        return {
            "status": sheet.status,
            "scores": {s.quality_id: s.value for s in sheet.scores},
            "comment": sheet.comment,
            "would_work_with": sheet.would_work_with,
            "amendments": sheet.amendments,
        }


def reminders(app) -> list[dict]:
    """The reminder emails queued in the outbox (other areas queue their own emails too)."""
    with app.app_context():
        return [
            m.payload
            for m in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.task == "email.send")
            ).all()
            if "send" in m.payload["subject"] and "scores" in m.payload["subject"]
        ]


def visible_steps(html: str) -> list[str]:
    """The kinds of the screens drawn without the `hidden` attribute."""
    return re.findall(r'data-kind="([a-z_]+)" data-title="[^"]*"(?! hidden)>', html)


def post_screen(client, candidate: int, page_html: str, step: int, go: str = "next", **fields):
    data = {"csrf_token": csrf_from(page_html), "step": str(step), "go": go, **fields}
    drawn_for = re.search(r'name="as_user" value="(\d+)"', page_html)
    if drawn_for:  # as the browser sends it: the page says whom it was drawn for
        data["as_user"] = drawn_for.group(1)
    return client.post(f"/candidates/{candidate}/score", data=data)


def test_a_person_supported_scores_screen_by_screen_without_javascript(app, client, day):
    q0, q1 = day.qualities
    tablet_sign_in(client, day.world, "ps")
    listing = client.get(f"/vacancies/{day.vacancy_id}/scoring")
    assert listing.status_code == 200
    assert "The people you meet today" in listing.text and "app-tablet" in listing.text
    assert "Candidate A" in listing.text and "Not started" in listing.text
    assert f'href="/candidates/{day.a}/score"' in listing.text

    page = client.get(f"/candidates/{day.a}/score")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"  # a shared tablet: never cached
    assert "Now interviewing: <strong" in page.text and "Candidate A" in page.text
    assert visible_steps(page.text) == ["quality"]  # one question on the screen
    assert "Question 1 of 3" in page.text and "Read it to me" in page.text
    for word in ("No", "A bit", "Yes", "Not sure"):
        assert f'<span class="app-choice__word">{word}</span>' in page.text
    assert "app-face--sad" in page.text and "app-face--happy" in page.text
    assert f'name="q-{q0}" value="not_sure"' in page.text
    assert 'name="go" value="back"' in page.text and "data-back hidden" in page.text

    # Screen 1: a face. Saved as a draft, and on to screen 2.
    answer = post_screen(client, day.a, page.text, 0, **{f"q-{q0}": "3"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("?step=1")
    assert sheet_of(app, day, "ps", day.a) == {
        "status": "draft",
        "scores": {q0: 3},
        "comment": "",
        "would_work_with": None,
        "amendments": 0,
    }
    # Screen 2: "not sure", which is saved as no value (not a zero).
    page = client.get(answer.headers["Location"])
    assert visible_steps(page.text) == ["quality"] and "Question 2 of 3" in page.text
    assert f'id="q{q0}-3" name="q-{q0}" value="3" checked' in page.text  # kept, on a hidden screen
    answer = post_screen(client, day.a, page.text, 1, **{f"q-{q0}": "3", f"q-{q1}": "not_sure"})
    assert answer.headers["Location"].endswith("?step=2")
    assert sheet_of(app, day, "ps", day.a)["scores"] == {q0: 3, q1: None}
    # Screen 3: would you like this person to support you?
    page = client.get(answer.headers["Location"])
    assert "Would you like this person to support you?" in page.text
    assert visible_steps(page.text) == ["would_work_with"]
    answer = post_screen(client, day.a, page.text, 2, would_work_with="yes")
    # Screen 4: a comment, then Back: saved all the same.
    page = client.get(answer.headers["Location"])
    assert visible_steps(page.text) == ["comment"]
    answer = post_screen(client, day.a, page.text, 3, go="back", comment="  Smiled a lot  ")
    assert answer.headers["Location"].endswith("?step=2")
    assert sheet_of(app, day, "ps", day.a)["comment"] == "Smiled a lot"
    assert sheet_of(app, day, "ps", day.a)["would_work_with"] == "yes"

    # The summary: every answer, with a way to change it, and Send.
    summary = client.get(f"/candidates/{day.a}/score?step=4")
    assert visible_steps(summary.text) == ["summary"]
    assert "Check your answers for Candidate A" in summary.text
    assert summary.text.count('class="app-answer__word">Yes<') == 2  # Kind, and support you
    assert 'class="app-answer__word">Not sure<' in summary.text and "Smiled a lot" in summary.text
    assert 'name="go" value="submit"' in summary.text and "Send my scores" in summary.text
    assert client.get(f"/candidates/{day.a}/score").text.count("data-step-heading") == 5
    sent = post_screen(client, day.a, summary.text, 4, go="submit")
    assert sent.status_code == 302
    final = client.get(sent.headers["Location"])
    assert "Your scores for Candidate A are sent" in final.text
    assert "I need to change my answers" in final.text
    assert sheet_of(app, day, "ps", day.a)["status"] == "submitted"
    with app.app_context():
        assert db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.action.like("scoresheet.%"))
        ).all() == ["scoresheet.submitted"]

    # Final: the screens no longer change it.
    again = post_screen(client, day.a, final.text, 0, **{f"q-{q0}": "1"})
    assert again.status_code == 302
    assert sheet_of(app, day, "ps", day.a)["scores"] == {q0: 3, q1: None}
    assert "Sent" in client.get(f"/vacancies/{day.vacancy_id}/scoring").text


def test_a_submitted_scoresheet_changes_only_with_a_reason(app, client, day):
    q0, q1 = day.qualities
    day.put("ps", day.a, day.body((3, 2), submit=True, would_work_with="yes"))
    tablet_sign_in(client, day.world, "ps")
    page = client.get(f"/candidates/{day.a}/score")
    assert "Your scores for Candidate A are sent" in page.text
    fields = {f"q-{q0}": "1", f"q-{q1}": "2", "would_work_with": "no", "comment": ""}
    refused = client.post(
        f"/candidates/{day.a}/score/change",
        data={"csrf_token": csrf_from(page.text), "amend_reason": "  ", **fields},
    )
    assert refused.status_code == 422
    assert "Please say why you need to change your answers." in refused.text
    assert sheet_of(app, day, "ps", day.a)["scores"] == {q0: 3, q1: 2}
    changed = client.post(
        f"/candidates/{day.a}/score/change",
        data={
            "csrf_token": csrf_from(page.text),
            "amend_reason": "I pressed the wrong face",
            **fields,
        },
    )
    assert changed.status_code == 302
    after = sheet_of(app, day, "ps", day.a)
    assert after["status"] == "submitted" and after["scores"] == {q0: 1, q1: 2}
    assert after["would_work_with"] == "no" and after["amendments"] == 1
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "scoresheet.amended")
        ).one()
        assert record.after["reason"] == "I pressed the wrong face"


def test_a_page_drawn_for_someone_else_saves_nothing(app, client, day):
    """Jo's page, still open on the shared tablet after Amir signed in, cannot save as Amir."""
    tablet_sign_in(client, day.world, "ps")
    jo_page = client.get(f"/candidates/{day.a}/score").text
    tablet_sign_in(client, day.world, "ps2")
    answer = post_screen(client, day.a, jo_page, 0, **{f"q-{day.qualities[0]}": "1"})
    assert answer.status_code == 403 and "sign in as yourself" in answer.text
    assert sheet_of(app, day, "ps2", day.a) is None


def test_a_wrong_value_is_refused_in_plain_words(app, client, day):
    q0, _ = day.qualities
    tablet_sign_in(client, day.world, "ps")
    page = client.get(f"/candidates/{day.a}/score")
    for value, status in (("banana", 422), ("7", 422)):
        answer = post_screen(client, day.a, page.text, 0, **{f"q-{q0}": value})
        assert answer.status_code == status, value
        assert "There is a problem" in answer.text
    assert sheet_of(app, day, "ps", day.a) is None


def test_staff_score_every_quality_on_one_denser_screen(app, client, day):
    q0, q1 = day.qualities
    password_sign_in(client, day.world, "staff")
    page = client.get(f"/candidates/{day.a}/score")
    assert page.status_code == 200 and "app-tablet" not in page.text
    assert "app-scoring--dense" in page.text and "app-choices--compact" in page.text
    assert visible_steps(page.text) == ["qualities"]
    assert f'name="q-{q0}"' in page.text and f'name="q-{q1}"' in page.text
    assert "Yes, a lot" in page.text  # the staff panel's 5-point scale
    assert "Would you like this person to support you?" not in page.text
    answer = post_screen(client, day.a, page.text, 0, **{f"q-{q0}": "5", f"q-{q1}": "4"})
    assert answer.headers["Location"].endswith("?step=1")
    summary = client.get(f"/candidates/{day.a}/score?step=2")
    post_screen(client, day.a, summary.text, 2, go="submit")
    assert sheet_of(app, day, "staff", day.a)["status"] == "submitted"
    assert sheet_of(app, day, "staff", day.a)["scores"] == {q0: 5, q1: 4}


def test_a_conflicted_member_does_not_score_that_candidate(app, client, day):
    tablet_sign_in(client, day.world, "ps2")
    listing = client.get(f"/vacancies/{day.vacancy_id}/scoring")
    assert "You do not score this person" in listing.text
    assert f'href="/candidates/{day.b}/score"' not in listing.text
    assert f'href="/candidates/{day.a}/score"' in listing.text
    page = client.get(f"/candidates/{day.b}/score")
    assert page.status_code == 403 and "you do not score them" in page.text
    refused = client.post(
        f"/candidates/{day.b}/score",
        data={"csrf_token": csrf_from(listing.text), "step": "0", f"q-{day.qualities[0]}": "3"},
    )
    assert refused.status_code == 403
    assert sheet_of(app, day, "ps2", day.b) is None


def test_hr_and_outsiders_cannot_score(app, client, day):
    for who in ("hr", "outsider", "admin"):
        password_sign_in(client, day.world, who)
        assert client.get(f"/vacancies/{day.vacancy_id}/scoring").status_code == 403, who
        page = client.get(f"/candidates/{day.a}/score")
        assert page.status_code == 403, who
        home = client.get("/")
        posted = client.post(
            f"/candidates/{day.a}/score",
            data={"csrf_token": csrf_from(home.text), "step": "0", f"q-{day.qualities[0]}": "3"},
        )
        assert posted.status_code == 403, who
    with app.app_context():
        assert db.session.scalar(select(Scoresheet)) is None
    # Signed out: to the sign-in page.
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    assert client.get(f"/candidates/{day.a}/score").status_code == 302


def test_a_member_declares_before_scoring(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    candidate = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann"}).get_json()
    world.move(vacancy_id, "interviewing")
    tablet_sign_in(client, world, "ps")
    for path in (f"/vacancies/{vacancy_id}/scoring", f"/candidates/{candidate['id']}/score"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith(
            f"/vacancies/{vacancy_id}/declaration"
        )


def test_nobody_sees_anyone_elses_scores(app, client, day):
    day.put("staff", day.a, day.body((5, 1), submit=True, comment="SECRET staff remark"))
    day.put("ps2", day.a, day.body((1, 1), comment="SECRET ps2 remark"))
    tablet_sign_in(client, day.world, "ps")
    pages = [
        client.get(f"/vacancies/{day.vacancy_id}/scoring"),
        client.get(f"/candidates/{day.a}/score"),
        client.get(f"/candidates/{day.a}/score?step=4"),
    ]
    day.put("ps", day.a, day.body((2, 2), submit=True))
    pages.append(client.get(f"/candidates/{day.a}/score"))
    for page in pages:
        assert page.status_code == 200
        assert "SECRET" not in page.text
    # The lead's view says who has sent, never what they gave.
    password_sign_in(client, day.world, "lead")
    status = client.get(f"/vacancies/{day.vacancy_id}/scoring/status")
    assert status.status_code == 200 and "SECRET" not in status.text
    assert "SECRET" not in client.get(f"/vacancies/{day.vacancy_id}/scoring/status.json").text


def test_the_lead_sees_who_has_sent_and_reminds_who_has_not(app, client, day):
    day.put("ps", day.a, day.body((3, 3), submit=True))
    day.put("staff", day.a, day.body((4, 4)))
    with app.app_context():
        db.session.get(User, day.world.id("staff")).email = "staff@example.org"
        db.session.commit()
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/scoring/status")
    assert page.status_code == 200
    assert 'data-refresh="15"' in page.text and "status.json" in page.text

    def cell(who: str, candidate: int) -> str:
        match = re.search(
            rf'data-cell="{day.world.id(who)}-{candidate}" data-state="([a-z_]+)"', page.text
        )
        return match.group(1)

    assert cell("ps", day.a) == "sent" and cell("ps", day.b) == "not_started"
    assert cell("staff", day.a) == "draft" and cell("ps2", day.b) == "conflict"
    assert cell("lead", day.a) == "not_started"
    assert "1 of 4 sent" in page.text and "0 of 3 sent" in page.text  # ps2 does not score B
    data = client.get(f"/vacancies/{day.vacancy_id}/scoring/status.json").get_json()
    assert data["cells"][f"{day.world.id('ps')}-{day.a}"] == "sent"
    assert data["cells"][f"{day.world.id('ps2')}-{day.b}"] == "conflict"
    assert data["candidates"][str(day.a)] == {"sent": 1, "expected": 4}
    assert data["outstanding"][str(day.world.id("ps"))] == 1

    reminded = client.post(
        f"/vacancies/{day.vacancy_id}/scoring/remind/{day.world.id('staff')}",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "Reminder sent to" in reminded.text
    [email] = reminders(app)
    assert email["to"] == "staff@example.org"
    assert email["subject"] == "Reminder: please send your scores for Support worker"
    assert "Candidate A, Candidate B" in email["body"]
    # Without an email address (nor a supporter's), the lead is told to remind them in person.
    no_email = client.post(
        f"/vacancies/{day.vacancy_id}/scoring/remind/{day.world.id('ps2')}",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "Please remind them in person" in no_email.text
    assert len(reminders(app)) == 1


def test_a_reminder_goes_to_the_supporter_of_a_person_without_email(app, client, day):
    from recruit.panels.models import PanelMember

    with app.app_context():
        db.session.get(User, day.world.id("staff")).email = "supporter@example.org"
        seat = db.session.scalar(
            select(PanelMember).where(PanelMember.user_id == day.world.id("ps"))
        )
        seat.supporter_id = day.world.id("staff")
        db.session.commit()
    password_sign_in(client, day.world, "hr")
    page = client.get(f"/vacancies/{day.vacancy_id}/scoring/status")
    assert page.status_code == 200  # HR runs the day too
    client.post(
        f"/vacancies/{day.vacancy_id}/scoring/remind/{day.world.id('ps')}",
        data={"csrf_token": csrf_from(page.text)},
    )
    [email] = reminders(app)
    assert email["to"] == "supporter@example.org"
    assert email["subject"].startswith("Please help ")


def test_only_hr_and_leads_see_the_day(client, day):
    for who in ("staff", "outsider"):
        password_sign_in(client, day.world, who)
        assert client.get(f"/vacancies/{day.vacancy_id}/scoring/status").status_code == 403
        assert client.get(f"/vacancies/{day.vacancy_id}/scoring/status.json").status_code == 403
        home = client.get("/")
        refused = client.post(
            f"/vacancies/{day.vacancy_id}/scoring/remind/{day.world.id('ps')}",
            data={"csrf_token": csrf_from(home.text)},
        )
        assert refused.status_code == 403
    tablet_sign_in(client, day.world, "ps")
    assert client.get(f"/vacancies/{day.vacancy_id}/scoring/status").status_code == 403


def test_pages_link_to_scoring_at_interviewing(client, day):
    tablet_sign_in(client, day.world, "ps")
    home = client.get("/")
    assert f'href="/vacancies/{day.vacancy_id}/scoring"' in home.text
    assert "Score the people you meet" in home.text
    overview = client.get(f"/vacancies/{day.vacancy_id}")
    assert f'href="/vacancies/{day.vacancy_id}/scoring"' in overview.text
    password_sign_in(client, day.world, "lead")
    overview = client.get(f"/vacancies/{day.vacancy_id}")
    assert f'href="/vacancies/{day.vacancy_id}/scoring/status"' in overview.text
    panels = client.get(f"/vacancies/{day.vacancy_id}/panels")
    assert f'href="/tablet/open?panel={day.ps_panel}"' in panels.text


def test_a_tablet_opens_with_a_panels_members_ticked(client, day):
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/tablet/open?panel={day.ps_panel}")
    assert page.status_code == 200
    ticked = set(re.findall(r'value="(\d+)" checked', page.text))
    assert ticked == {str(day.world.id("ps")), str(day.world.id("ps2"))}
    # Someone else's panel is not used to fill the form.
    password_sign_in(client, day.world, "outsider")
    page = client.get(f"/tablet/open?panel={day.ps_panel}")
    assert page.status_code == 403  # staff cannot open tablets at all


def test_no_time_out_signs_anyone_out_while_scoring(app, client, day):
    """The sign-in lasts as long as the browser's session, the page's CSRF token never expires
    and the scoring pages never reload or move on by themselves."""
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    tablet_sign_in(client, day.world, "ps")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is None  # no expiry date: no time-out
    page = client.get(f"/candidates/{day.a}/score")
    assert 'http-equiv="refresh"' not in page.text


def test_the_lead_sees_a_sheet_set_aside_after_a_late_conflict(client, day):
    """ps sends A, then says they know A: the grid says "set aside", never "sent", and A's
    count leaves ps out of both sides (docs/scoring.md, case 3)."""
    day.put("ps", day.a, day.body((3, 3), submit=True))
    day.world.post(
        f"/vacancies/{day.vacancy_id}/declarations",
        "ps",
        {"confidentiality": True, "conflicts": [day.a]},
    )
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/scoring/status").text
    assert f'data-cell="{day.world.id("ps")}-{day.a}" data-state="set_aside"' in page
    assert "Set aside: conflict" in page
    data = client.get(f"/vacancies/{day.vacancy_id}/scoring/status.json").get_json()
    assert data["candidates"][str(day.a)] == {"sent": 0, "expected": 3}
    assert data["outstanding"][str(day.world.id("ps"))] == 1  # B only
