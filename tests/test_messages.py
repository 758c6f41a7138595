"""Messages through the outbox: invitations, interview slots with a calendar file, reminders
(at most one a day), and HR's notice when every score is in."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from sqlalchemy import select

from recruit.candidates.models import InterviewSlot
from recruit.core.outbox import OutboxMessage
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels.messages import notify_ready_to_move_on, send_due_reminders
from recruit.people.models import User
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World
from tests.test_workers import app as worker_app  # noqa: F401 - real worker fixtures
from tests.test_workers import stack, stacks  # noqa: F401


def give_emails(app, world: World, *names: str) -> None:
    with app.app_context():
        for name in names:
            db.session.get(User, world.id(name)).email = f"{name}@example.org"
        db.session.commit()


def mail_to(app, address: str) -> list[dict]:
    with app.app_context():
        return [
            m.payload
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if m.payload.get("to") == address
        ]


def test_invitations_in_easy_read_for_people_supported(app, api, make_user):
    world = World(api, make_user)
    give_emails(app, world, "ps", "staff")
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    ps = [m["subject"] for m in mail_to(app, "ps@example.org")]
    staff = [m["subject"] for m in mail_to(app, "staff@example.org")]
    assert ps == [
        "You can help choose a new staff member",
        "What should the new staff member be like?",
    ]
    assert staff[0].startswith("You are on the interview panel for Support worker")
    assert staff[1].startswith("Help choose the qualities for Support worker")


def test_an_interview_slot_comes_with_a_calendar_file(app, api, make_user, client):
    world = World(api, make_user)
    give_emails(app, world, "ps")
    vacancy_id, ps_panel, _ = world.ready_for_shortlisting()
    candidate = world.post(
        f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"}
    ).get_json()
    with app.app_context():
        from recruit.candidates.schedule import add_slot
        from recruit.vacancies.models import Vacancy

        add_slot(
            db.session.get(User, world.id("hr")),
            db.session.get(Vacancy, vacancy_id),
            candidate_id=candidate["id"],
            panel_id=ps_panel,
            starts_at=utcnow() + timedelta(days=1),
            minutes=45,
            place="Lounge",
        )
        db.session.commit()
    message = mail_to(app, "ps@example.org")[-1]
    assert message["subject"].startswith("You will meet Candidate A on")
    assert "BEGIN:VEVENT" in message["calendar"] and "Ann" not in message["calendar"]
    assert "Where: Lounge" in message["body"]


def test_reminders_go_once_a_day_to_those_who_have_not_sent(app, api, make_user):
    world = World(api, make_user)
    give_emails(app, world, "ps", "ps2", "lead")
    day = Day(world)
    with app.app_context():
        for candidate, panel in ((day.a, day.ps_panel), (day.a, day.staff_panel)):
            db.session.add(
                InterviewSlot(
                    vacancy_id=day.vacancy_id,
                    candidate_id=candidate,
                    panel_id=panel,
                    starts_at=utcnow() - timedelta(hours=4),
                    ends_at=utcnow() - timedelta(hours=3),
                )
            )
        db.session.commit()
    day.put("ps", day.a, day.body((3, 3), submit=True))
    day.put("ps2", day.a, day.body((2, 2)))  # a draft is not sent
    with app.app_context():
        assert send_due_reminders() == 3  # ps2, lead and staff; ps has sent
        db.session.commit()
        assert send_due_reminders() == 0  # not twice in a day
        db.session.commit()
    assert [m["subject"] for m in mail_to(app, "ps2@example.org")][
        -1
    ] == "Please tell us what you thought"
    assert mail_to(app, "ps@example.org")[-1]["subject"] != "Please tell us what you thought"
    assert "Candidate A" in mail_to(app, "lead@example.org")[-1]["body"]


def test_hr_is_told_once_when_every_score_is_in(app, api, make_user):
    world = World(api, make_user)
    give_emails(app, world, "hr")
    day = Day(world)
    with app.app_context():
        assert notify_ready_to_move_on() == 0
        db.session.commit()
    for who in ("ps", "ps2", "lead", "staff"):
        day.put(who, day.a, day.body((2, 2), submit=True))
    for who in ("ps", "lead", "staff"):  # ps2 declared a conflict with B
        day.put(who, day.b, day.body((2, 2), submit=True))
    with app.app_context():
        assert notify_ready_to_move_on() == 1
        db.session.commit()
        assert notify_ready_to_move_on() == 0
    assert mail_to(app, "hr@example.org")[-1]["subject"].endswith("every panel has sent its scores")


def test_the_calendar_file_reaches_the_mail_server(worker_app, api, make_user, stack):  # noqa: F811
    world = World(api, make_user)
    give_emails(worker_app, world, "ps")
    vacancy_id, ps_panel, _ = world.ready_for_shortlisting()
    candidate = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann"}).get_json()
    with worker_app.app_context():
        from recruit.candidates.schedule import add_slot
        from recruit.vacancies.models import Vacancy

        add_slot(
            db.session.get(User, world.id("hr")),
            db.session.get(Vacancy, vacancy_id),
            candidate_id=candidate["id"],
            panel_id=ps_panel,
            starts_at=utcnow() + timedelta(days=1),
            minutes=45,
        )
        db.session.commit()
    stack.wait(
        lambda: any("You will meet" in str(m["Subject"]) for m in stack.emails()),
        "the interview email",
    )
    sent = next(m for m in stack.emails() if "You will meet" in str(m["Subject"]))
    parsed = email.message_from_bytes(sent.as_bytes(), policy=email.policy.default)
    calendars = [
        part for part in parsed.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert len(calendars) == 1 and "BEGIN:VEVENT" in calendars[0].get_content()
    assert sent["Message-ID"].startswith("<outbox-")


def test_people_without_email_get_the_same_messages_in_the_app(app, api, make_user, client):
    from tests.test_pages_qualities import tablet_sign_in

    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    tablet_sign_in(client, world, "ps")  # ps has no email address
    home = client.get("/")
    assert "Messages for you" in home.text
    assert "What should the new staff member be like?" in home.text
    assert "You can help choose a new staff member" in home.text
    from tests.conftest import csrf_from

    with app.app_context():
        from recruit.core.notices import Notice

        notice_id = db.session.scalar(
            select(Notice.id).where(Notice.user_id == world.id("ps")).order_by(Notice.id.desc())
        )
    client.post(f"/messages/{notice_id}/read", data={"csrf_token": csrf_from(home.text)})
    home = client.get("/")
    assert "What should the new staff member be like?" not in home.text
    assert "What should the new staff member be like?" in client.get("/messages").text
    with app.app_context():
        other = db.session.scalar(select(Notice.id).where(Notice.user_id == world.id("staff")))
    assert (
        client.post(
            f"/messages/{other}/read", data={"csrf_token": csrf_from(home.text)}
        ).status_code
        == 403
    )
