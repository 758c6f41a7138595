"""Co-designing qualities in the pages: suggest, vote, review with reasons, word, order, reuse."""

from __future__ import annotations

import re

from sqlalchemy import select

from recruit.extensions import db
from recruit.qualities.models import Quality
from tests.conftest import csrf_from
from tests.test_api_vacancies import World


def sign_out(client) -> None:
    home = client.get("/")
    if home.status_code == 200:
        client.post("/sign-out", data={"csrf_token": csrf_from(home.text)})


def tablet_sign_in(client, world: World, who: str) -> None:
    """Sign a person supported in with their PIN, as the tablet does."""
    sign_out(client)
    page = client.get("/sign-in")
    lead = world.people["lead"]
    client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_from(page.text),
            "username": lead.username,
            "password": lead.password,
        },
    )
    form = client.get("/tablet/open")
    opened = client.post(
        "/tablet/open",
        data={"csrf_token": csrf_from(form.text), "label": "Day", "people": [world.id(who)]},
    )
    key = re.search(r'action="/tablet/([^/"]+)/hand-over"', opened.text).group(1)
    client.post(f"/tablet/{key}/hand-over", data={"csrf_token": csrf_from(opened.text)})
    pin_page = client.get(f"/tablet/{key}/{world.id(who)}")
    answer = client.post(
        f"/tablet/{key}/{world.id(who)}",
        data={"csrf_token": csrf_from(pin_page.text), "pin": world.people[who].pin},
    )
    assert answer.status_code == 302


def password_sign_in(client, world: World, who: str) -> None:
    sign_out(client)
    page = client.get("/sign-in")
    person = world.people[who]
    answer = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_from(page.text),
            "username": person.username,
            "password": person.password,
        },
    )
    assert answer.status_code == 302


def test_a_person_supported_suggests_and_votes_in_easy_read(app, client, api, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    staff_idea = world.quality(vacancy_id, "staff", "Good at cooking")
    tablet_sign_in(client, world, "ps")
    page = client.get(f"/vacancies/{vacancy_id}/qualities")
    assert page.status_code == 200
    assert "What should the new staff member be like?" in page.text
    assert "app-tablet" in page.text and "Read it to me" in page.text
    answer = client.post(
        f"/vacancies/{vacancy_id}/qualities",
        data={"csrf_token": csrf_from(page.text), "text": "Likes football", "symbol": "⚽"},
    )
    assert answer.status_code == 302
    client.post(f"/qualities/{staff_idea['id']}/vote", data={"csrf_token": csrf_from(page.text)})
    client.post(f"/qualities/{staff_idea['id']}/vote", data={"csrf_token": csrf_from(page.text)})
    shown = client.get(f"/vacancies/{vacancy_id}/qualities").text
    assert "Likes football" in shown and "You like this" in shown
    assert "1 person likes this" in shown
    with app.app_context():
        ours = db.session.scalar(select(Quality).where(Quality.text == "Likes football"))
        assert ours.symbol == "⚽" and ours.source_group == "people_supported"


def test_an_empty_idea_is_explained(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    tablet_sign_in(client, world, "ps")
    page = client.get(f"/vacancies/{vacancy_id}/qualities")
    answer = client.post(
        f"/vacancies/{vacancy_id}/qualities",
        data={"csrf_token": csrf_from(page.text), "text": "  "},
    )
    assert answer.status_code == 200 and "There is a problem" in answer.text


def test_the_lead_accepts_words_orders_and_declines_with_a_reason(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    kind = world.quality(vacancy_id, "ps", "Kind")
    funny = world.quality(vacancy_id, "ps2", "Funny")
    pets = world.quality(vacancy_id, "ps", "Has a cat")
    password_sign_in(client, world, "lead")
    page = client.get(f"/vacancies/{vacancy_id}/qualities")
    token = csrf_from(page.text)
    for quality in (kind, funny):
        client.post(
            f"/qualities/{quality['id']}/review", data={"csrf_token": token, "status": "accepted"}
        )
    refused = client.post(
        f"/qualities/{pets['id']}/review",
        data={"csrf_token": token, "status": "declined", "reason": ""},
    )
    assert "was not changed" in client.get(refused.headers["Location"]).text
    client.post(
        f"/qualities/{pets['id']}/review",
        data={"csrf_token": token, "status": "declined", "reason": "We cannot ask about pets."},
    )
    client.post(f"/qualities/{funny['id']}/move", data={"csrf_token": token, "direction": "up"})
    form = client.get(f"/qualities/{kind['id']}/wording")
    client.post(
        f"/qualities/{kind['id']}/wording",
        data={
            "csrf_token": csrf_from(form.text),
            "easy_read": "Kind",
            "prompt": "Was this person kind to you?",
            "interview_question": "Tell us about a time you were kind.",
            "check_in_question": "Is the new staff member kind to you?",
        },
    )
    with app.app_context():
        rows = db.session.scalars(
            select(Quality).where(Quality.vacancy_id == vacancy_id).order_by(Quality.position)
        ).all()
        accepted = [q.text for q in rows if q.status == "accepted"]
        assert accepted == ["Funny", "Kind"]
        worded = next(q for q in rows if q.text == "Kind")
        assert worded.prompt == "Was this person kind to you?"
        assert worded.check_in_question == "Is the new staff member kind to you?"
    tablet_sign_in(client, world, "ps")
    shown = client.get(f"/vacancies/{vacancy_id}/qualities").text
    assert "We cannot ask about pets." in shown and "Ideas we will not use" in shown
    # A declined idea offers no "I like this", and "read it to me" says why it was declined.
    assert f"/qualities/{pets['id']}/vote" not in shown
    assert f"/qualities/{kind['id']}/vote" in shown
    assert "We will not use this idea. We cannot ask about pets." in shown


def test_the_bank_offers_earlier_qualities_with_their_origin(app, api, client, make_user):
    world = World(api, make_user)
    old, _, _ = world.ready_for_shortlisting()  # "Kind" accepted there, from a person supported
    new = world.vacancy(title="Day support worker")
    world.panel(new)
    password_sign_in(client, world, "hr")
    page = client.get(f"/vacancies/{new}/qualities/bank?q=kind")
    assert "Kind" in page.text and "People supported" in page.text
    with app.app_context():
        source = db.session.scalar(select(Quality).where(Quality.vacancy_id == old))
    client.post(
        f"/vacancies/{new}/qualities/bank/{source.id}", data={"csrf_token": csrf_from(page.text)}
    )
    with app.app_context():
        reused = db.session.scalar(select(Quality).where(Quality.vacancy_id == new))
        assert reused.text == "Kind" and reused.reused_from_id == source.id
        assert reused.source_group == "people_supported" and reused.status == "proposed"


def test_outsiders_cannot_see_or_act(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    quality = world.quality(vacancy_id)
    password_sign_in(client, world, "outsider")
    assert client.get(f"/vacancies/{vacancy_id}/qualities").status_code == 403
    token = csrf_from(client.get("/").text)
    assert (
        client.post(f"/qualities/{quality['id']}/vote", data={"csrf_token": token}).status_code
        == 403
    )
    password_sign_in(client, world, "staff")
    assert client.post(
        f"/qualities/{quality['id']}/review", data={"csrf_token": token, "status": "accepted"}
    ).status_code in (400, 403)
    assert client.get(f"/vacancies/{vacancy_id}/qualities/bank").status_code == 403
