"""The decision page, releasing results, the override rule in the page, and "you said, we did"."""

from __future__ import annotations

import re

from sqlalchemy import select

from recruit.core.outbox import OutboxMessage
from recruit.extensions import db
from tests.conftest import csrf_from
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in, tablet_sign_in


def scored_day(api, make_user, app) -> Day:
    world = World(api, make_user)
    with app.app_context():
        from recruit.people.models import User

        for who in ("ps", "staff"):
            db.session.get(User, world.id(who)).email = f"{who}@example.org"
        db.session.commit()
    day = Day(world)
    day.put("ps", day.a, day.body((3, 2), submit=True, comment="Really listened"))
    day.put("ps2", day.a, day.body((2, None), submit=True))
    day.put("lead", day.a, day.body((5, 4), submit=True))
    day.put("staff", day.a, day.body((3, 3), submit=True))
    day.put("ps", day.b, day.body((1, 1), submit=True, would_work_with="no"))
    day.put("lead", day.b, day.body((5, 5), submit=True))
    return day


def test_the_decision_page_shows_the_weighting(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    assert page.status_code == 200
    text = page.text
    assert text.index("Rank 1: Candidate A") < text.index("Rank 2: Candidate B")
    assert "65.63 out of 100" in text and "31.25" in text and "34.38" in text
    assert 'role="img"' in text and "overall 65.6 out of 100" in text
    assert "People supported preferred someone else" in text
    assert "said “no” to being supported" in text
    assert "Really listened" in text
    assert "Ann" not in text  # panels see aliases, even the lead
    for who in ("staff", "outsider"):
        password_sign_in(client, day.world, who)
        assert client.get(f"/vacancies/{day.vacancy_id}/decision").status_code == 403
    tablet_sign_in(client, day.world, "ps")
    assert client.get(f"/vacancies/{day.vacancy_id}/decision").status_code == 403


def test_the_override_rule_holds_in_the_page(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    day.world.move(day.vacancy_id, "deciding")
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    token = csrf_from(page.text)
    refused = client.post(
        f"/vacancies/{day.vacancy_id}/decision",
        data={
            "csrf_token": token,
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Experienced",
        },
    )
    shown = client.get(refused.headers["Location"]).text
    assert "The decision was not saved" in shown and "override reason" in shown
    client.post(
        f"/vacancies/{day.vacancy_id}/decision",
        data={
            "csrf_token": token,
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Experienced",
            "override_reason": "Only B can drive the minibus",
        },
    )
    client.post(
        f"/vacancies/{day.vacancy_id}/decision",
        data={
            "csrf_token": token,
            "candidate_id": day.a,
            "outcome": "reserve",
            "rationale": "Close second",
        },
    )
    page = client.get(f"/vacancies/{day.vacancy_id}/decision").text
    assert "Decision: Appoint." in page and "Only B can drive the minibus" in page
    assert day.world.move(day.vacancy_id, "decided").status_code == 200
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        outcome = {
            m.payload["to"]: m.payload
            for m in messages
            if not m.payload["subject"].startswith("Welcome")
        }
    easy = outcome["ps@example.org"]
    assert easy["subject"].startswith("We chose a new")
    assert "We chose: Candidate B" in easy["body"]
    assert "Your panel liked Candidate A best" in easy["body"]
    assert "Only B can drive the minibus" in easy["body"]
    staff = outcome["staff@example.org"]
    assert "Appointed: Candidate B" in staff["body"]


def test_you_said_we_did_for_a_person_supported(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    world = day.world
    world.move(day.vacancy_id, "deciding")
    world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "lead",
        {
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Experienced",
            "override_reason": "Only B can drive the minibus",
        },
    )
    world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "lead",
        {"candidate_id": day.a, "outcome": "not_appointed", "rationale": "Less experience"},
    )
    world.move(day.vacancy_id, "decided")
    tablet_sign_in(client, world, "ps")
    page = client.get(f"/vacancies/{day.vacancy_id}/outcome")
    assert page.status_code == 200
    assert "We chose <strong>Candidate B</strong>" in page.text
    assert re.search(r"50 out of every 100 points", page.text)
    assert "Your panel liked <strong>Candidate A</strong> best" in page.text
    assert "Only B can drive the minibus" in page.text


def test_members_see_results_only_once_released(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    tablet_sign_in(client, day.world, "ps")
    assert client.get(f"/vacancies/{day.vacancy_id}/our-results").status_code == 403
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    client.post(f"/vacancies/{day.vacancy_id}/release", data={"csrf_token": csrf_from(page.text)})
    tablet_sign_in(client, day.world, "ps")
    shown = client.get(f"/vacancies/{day.vacancy_id}/our-results")
    assert shown.status_code == 200 and "Candidate A: 66 out of 100" in shown.text
    password_sign_in(client, day.world, "outsider")
    assert client.get(f"/vacancies/{day.vacancy_id}/our-results").status_code == 403
