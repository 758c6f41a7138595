"""Candidate pages: adding, CSV import with a per-row report, redacted applications, shortlisting
together, and the interview schedule with pacing and a calendar file."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from recruit.candidates.models import Candidate, InterviewSlot
from recruit.extensions import db
from tests.conftest import csrf_from
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in, tablet_sign_in


def test_hr_adds_and_imports_candidates_with_a_report(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    password_sign_in(client, world, "hr")
    page = client.get(f"/vacancies/{vacancy_id}/candidates")
    client.post(
        f"/vacancies/{vacancy_id}/candidates",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "Ann Smith",
            "alias": "Ann",
            "email": "ann@example.org",
        },
    )
    csv_bytes = (
        "\ufeffname,email,phone\nBob Brown,bob@example.org,01234 567890\n"
        ",nobody@example.org,\nCara Cole,not-an-email,\nDev Das,,\n"
    ).encode()
    report = client.post(
        f"/vacancies/{vacancy_id}/candidates/import",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(csv_bytes), "people.csv")},
        content_type="multipart/form-data",
    )
    assert report.status_code == 200
    assert "2 candidates added, 2 rows refused" in report.text
    assert ">3<" in report.text and ">4<" in report.text
    wrong_type = client.post(
        f"/vacancies/{vacancy_id}/candidates/import",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(b"x"), "people.xlsx")},
        content_type="multipart/form-data",
    )
    assert "must be a CSV" in wrong_type.text
    with app.app_context():
        rows = db.session.scalars(select(Candidate).order_by(Candidate.id)).all()
        assert [(c.name, c.alias) for c in rows] == [
            ("Ann Smith", "Ann"),
            ("Bob Brown", "Candidate A"),
            ("Dev Das", "Candidate B"),
        ]


def test_panels_read_redacted_applications_and_hr_sees_the_tally(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    ann = world.post(
        f"/vacancies/{vacancy_id}/candidates",
        "hr",
        {"name": "Ann Smith", "email": "ann@example.org", "phone": "07700 900123"},
    ).get_json()
    password_sign_in(client, world, "hr")
    form = client.get(f"/candidates/{ann['id']}/application")
    client.post(
        f"/candidates/{ann['id']}/application",
        data={
            "csrf_token": csrf_from(form.text),
            "text": "I am Ann Smith from Leeds LS1 4AB. I worked at Sunny Homes for 5 years. "
            "Call 07700 900123 or ann.smith@mail.example.",
            "redact_terms": "Sunny Homes",
        },
    )
    tablet_sign_in(client, world, "ps")
    gate = client.get(f"/vacancies/{vacancy_id}/candidates")
    assert gate.status_code == 302 and "/declaration" in gate.headers["Location"]
    declaration = client.get(gate.headers["Location"])
    client.post(
        gate.headers["Location"],
        data={"csrf_token": csrf_from(declaration.text), "confidentiality": "y"},
    )
    page = client.get(f"/vacancies/{vacancy_id}/candidates")
    assert page.status_code == 200 and "Candidate A" in page.text and "worked at" in page.text
    for secret in ("Ann", "Smith", "Sunny Homes", "07700", "LS1 4AB", "mail.example"):
        assert secret not in page.text, secret
    client.post(
        f"/candidates/{ann['id']}/view", data={"csrf_token": csrf_from(page.text), "answer": "yes"}
    )
    password_sign_in(client, world, "hr")
    listing = client.get(f"/vacancies/{vacancy_id}/candidates")
    assert "1 / 0 / 0" in listing.text
    client.post(
        f"/candidates/{ann['id']}/shortlisting",
        data={"csrf_token": csrf_from(listing.text), "decision": "shortlisted"},
    )
    with app.app_context():
        assert db.session.get(Candidate, ann["id"]).status == "shortlisted"


def test_only_hr_sees_names_and_contacts(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    ann = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"}).get_json()
    password_sign_in(client, world, "lead")
    assert client.get(f"/candidates/{ann['id']}/application").status_code == 403
    password_sign_in(client, world, "outsider")
    assert client.get(f"/vacancies/{vacancy_id}/candidates").status_code == 403


def test_the_schedule_warns_about_pacing_and_exports_a_calendar(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, ps_panel, _ = world.ready_for_shortlisting()
    world.call(
        "PATCH", f"/panels/{ps_panel}", "hr", {"max_interviews_per_day": 1, "break_minutes": 30}
    )
    a = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"}).get_json()
    b = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Bob Brown"}).get_json()
    day = date.today()
    password_sign_in(client, world, "hr")
    page = client.get(f"/vacancies/{vacancy_id}/schedule")
    base = {
        "csrf_token": csrf_from(page.text),
        "panel_id": ps_panel,
        "day": [str(day.day), str(day.month), str(day.year)],
        "minutes": "45",
        "place": "Lounge",
    }
    first = client.post(
        f"/vacancies/{vacancy_id}/schedule", data={**base, "candidate_id": a["id"], "time": "23:00"}
    )
    assert first.status_code == 302
    second = client.post(
        f"/vacancies/{vacancy_id}/schedule", data={**base, "candidate_id": b["id"], "time": "23:50"}
    )
    shown = client.get(second.headers["Location"]).text
    assert "the most for this panel is 1 a day" in shown
    assert "only 5 minutes between interviews" in shown
    bad = client.post(
        f"/vacancies/{vacancy_id}/schedule", data={**base, "candidate_id": a["id"], "time": "25:99"}
    )
    assert bad.status_code == 200 and "There is a problem" in bad.text
    with app.app_context():
        assert len(db.session.scalars(select(InterviewSlot)).all()) == 2
    tablet_sign_in(client, world, "ps")
    today = client.get("/my/interviews")
    assert "Your interviews today" in today.text and "Candidate A" in today.text
    calendar = client.get("/my/interviews.ics")
    assert calendar.mimetype == "text/calendar"
    text = calendar.get_data(as_text=True)
    assert text.count("BEGIN:VEVENT") == 2 and "Ann" not in text and "LOCATION:Lounge" in text
    assert "\r\n" in text
    password_sign_in(client, world, "outsider")
    assert "BEGIN:VEVENT" not in client.get("/my/interviews.ics").get_data(as_text=True)
    assert client.get(f"/vacancies/{vacancy_id}/schedule").status_code == 403


def test_the_lead_books_but_members_only_look(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, ps_panel, _ = world.ready_for_shortlisting()
    a = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"}).get_json()
    tomorrow = date.today() + timedelta(days=1)
    password_sign_in(client, world, "staff")
    page = client.get(f"/vacancies/{vacancy_id}/schedule")
    assert page.status_code == 200 and "Book an interview" not in page.text
    refused = client.post(
        f"/vacancies/{vacancy_id}/schedule",
        data={
            "csrf_token": csrf_from(page.text),
            "candidate_id": a["id"],
            "panel_id": ps_panel,
            "day": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
            "time": "10:00",
            "minutes": "30",
        },
    )
    assert refused.status_code == 403
    password_sign_in(client, world, "lead")
    assert "Book an interview" in client.get(f"/vacancies/{vacancy_id}/schedule").text


def test_hr_withdraws_a_candidate_from_a_page_that_says_what_follows(app, api, client, make_user):
    from tests.test_api_scoring import Day

    day = Day(World(api, make_user))
    password_sign_in(client, day.world, "hr")
    listing = client.get(f"/vacancies/{day.vacancy_id}/candidates").text
    assert f'href="/candidates/{day.a}/withdraw"' in listing
    page = client.get(f"/candidates/{day.a}/withdraw")
    assert page.status_code == 200
    assert "can never be appointed" in page.text and "set aside" in page.text
    too_long = client.post(
        f"/candidates/{day.a}/withdraw",
        data={"csrf_token": csrf_from(page.text), "reason": "x" * 2001},
    )
    assert too_long.status_code == 200 and "govuk-error-summary" in too_long.text
    done = client.post(
        f"/candidates/{day.a}/withdraw",
        data={"csrf_token": csrf_from(page.text), "reason": "Took a job nearer home"},
    )
    assert done.status_code == 302
    with app.app_context():
        candidate = db.session.get(Candidate, day.a)
        assert candidate.status == "withdrawn"
        assert candidate.withdrawal_reason == "Took a job nearer home"
    again = client.get(f"/candidates/{day.a}/withdraw").text
    assert "Took a job nearer home" in again and "Record the withdrawal" not in again
    listing = client.get(f"/vacancies/{day.vacancy_id}/candidates").text
    assert f'href="/candidates/{day.a}/withdraw"' not in listing
