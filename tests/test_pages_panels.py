"""Panel pages: set-up with shares, members and supporters, declarations, training reminders."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from recruit.extensions import db
from recruit.panels.models import Panel, PanelMember
from tests.conftest import csrf_from
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in, tablet_sign_in


def test_hr_sets_up_panels_and_sees_shares(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id = world.vacancy()
    password_sign_in(client, world, "hr")
    form = client.get(f"/vacancies/{vacancy_id}/panels/new")
    client.post(
        f"/vacancies/{vacancy_id}/panels/new",
        data={
            "csrf_token": csrf_from(form.text),
            "name": "Residents",
            "kind": "people_supported",
            "weight": "3",
            "scale": "3",
            "max_interviews_per_day": "3",
            "break_minutes": "20",
        },
    )
    client.post(
        f"/vacancies/{vacancy_id}/panels/new",
        data={
            "csrf_token": csrf_from(form.text),
            "name": "Managers",
            "kind": "staff",
            "weight": "1",
            "scale": "5",
        },
    )
    page = client.get(f"/vacancies/{vacancy_id}/panels")
    assert "75.0%" in page.text and "25.0%" in page.text
    assert "At most 3 interviews a day" in page.text
    bad = client.post(
        f"/vacancies/{vacancy_id}/panels/new",
        data={
            "csrf_token": csrf_from(form.text),
            "name": "",
            "kind": "staff",
            "weight": "0",
            "scale": "4",
        },
    )
    assert bad.status_code == 200 and "There is a problem" in bad.text
    with app.app_context():
        assert db.session.scalar(select(Panel).where(Panel.name == "Residents")).scale == 3
        assert len(db.session.scalars(select(Panel)).all()) == 2


def test_hr_adds_a_person_supported_with_a_supporter(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id = world.vacancy()
    panel_id = world.panel(vacancy_id)
    password_sign_in(client, world, "hr")
    form = client.get(f"/panels/{panel_id}/members/new")
    answer = client.post(
        f"/panels/{panel_id}/members/new",
        data={
            "csrf_token": csrf_from(form.text),
            "user_id": world.id("ps"),
            "role": "member",
            "supporter_id": world.id("staff"),
        },
    )
    assert answer.status_code == 302
    page = client.get(f"/vacancies/{vacancy_id}/panels")
    assert "No training recorded" in page.text
    with app.app_context():
        seat = db.session.scalar(select(PanelMember).where(PanelMember.user_id == world.id("ps")))
        assert seat.supporter_id == world.id("staff")
    token = csrf_from(page.text)
    client.post(
        f"/admin/users/{world.id('ps')}/training",
        data={
            "csrf_token": token,
            "course": "Being on a panel",
            "completed_on": [
                str(date.today().day),
                str(date.today().month),
                str(date.today().year),
            ],
        },
    )
    assert "Being on a panel" in client.get(f"/vacancies/{vacancy_id}/panels").text


def test_a_person_supported_declares_in_easy_read(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    bob = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Bob Brown"}).get_json()
    tablet_sign_in(client, world, "ps")
    page = client.get(f"/vacancies/{vacancy_id}/declaration")
    assert "This information is private." in page.text
    assert "Candidate A" in page.text and "Ann" not in page.text
    refused = client.post(
        f"/vacancies/{vacancy_id}/declaration", data={"csrf_token": csrf_from(page.text)}
    )
    assert refused.status_code == 200 and "There is a problem" in refused.text
    answer = client.post(
        f"/vacancies/{vacancy_id}/declaration",
        data={"csrf_token": csrf_from(page.text), "confidentiality": "y", "conflicts": [bob["id"]]},
    )
    assert answer.status_code == 302
    token = world.tokens["ps"]
    listed = api.get(f"/vacancies/{vacancy_id}/candidates", token=token).get_json()["candidates"]
    assert {c["alias"]: c["conflicted"] for c in listed} == {
        "Candidate A": False,
        "Candidate B": True,
    }


def test_only_hr_changes_panels(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, ps_panel, _ = world.staffed()
    password_sign_in(client, world, "lead")
    assert client.get(f"/vacancies/{vacancy_id}/panels").status_code == 200
    assert client.get(f"/vacancies/{vacancy_id}/panels/new").status_code == 403
    assert client.get(f"/panels/{ps_panel}/edit").status_code == 403
    assert client.get(f"/panels/{ps_panel}/members/new").status_code == 403
    password_sign_in(client, world, "outsider")
    assert client.get(f"/vacancies/{vacancy_id}/panels").status_code == 403
    assert client.get(f"/vacancies/{vacancy_id}/declaration").status_code == 403
    password_sign_in(client, world, "staff")
    assert client.get(f"/admin/users/{world.id('ps')}/training").status_code == 403


def test_declaring_leads_straight_to_the_candidates_in_the_members_own_words(
    api, client, make_user
):
    """The easy-read promise is the tick box's own words, and saving goes on to the people
    (it used to show "I agree" to everyone and land on the overview)."""
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    password_sign_in(client, world, "staff")
    page = client.get(f"/vacancies/{vacancy_id}/declaration")
    assert "I agree to keep candidate material confidential" in page.text
    tablet_sign_in(client, world, "ps")
    page = client.get(f"/vacancies/{vacancy_id}/declaration")
    assert "Before you meet the people" in page.text
    assert "I will keep this private" in page.text and ">I agree<" not in page.text
    answer = client.post(
        f"/vacancies/{vacancy_id}/declaration",
        data={"csrf_token": csrf_from(page.text), "confidentiality": "y"},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/vacancies/{vacancy_id}/candidates")
    people = client.get(answer.headers["Location"])
    assert people.status_code == 200 and "Candidate A" in people.text
    assert "You can now see the candidates" in people.text


def test_the_panels_page_warns_when_people_supported_have_too_little_weight(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, ps_panel, _ = world.staffed()
    password_sign_in(client, world, "hr")
    page = client.get(f"/vacancies/{vacancy_id}/panels").text
    assert "Each panel's share of the decision" in page and "100%" in page
    assert "(the organisation's minimum is 50.0%)" in page and "Warning" not in page
    world.call("PATCH", f"/panels/{ps_panel}", "hr", {"weight": 25})
    page = client.get(f"/vacancies/{vacancy_id}/panels").text
    assert "33.3%" in page and "66.7%" in page
    assert "Warning" in page and "interviews cannot start" in page


def test_adding_nobody_to_a_panel_says_to_choose_a_person(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, ps_panel, _ = world.staffed()
    password_sign_in(client, world, "hr")
    form = client.get(f"/panels/{ps_panel}/members/new")
    answer = client.post(
        f"/panels/{ps_panel}/members/new",
        data={"csrf_token": csrf_from(form.text), "user_id": "0", "role": "member"},
    )
    assert answer.status_code == 200 and "There is a problem" in answer.text
    assert "Choose the person to add" in answer.text
    assert "There is nobody with this id" not in answer.text
