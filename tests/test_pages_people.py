"""The HTML pages for signing in, tablets and managing people, through the test client."""

from __future__ import annotations

import re

from sqlalchemy import select

from recruit.core.audit import AuditRecord
from recruit.extensions import db
from recruit.people.models import User
from tests.conftest import csrf_from


def post_form(client, path: str, data: dict, page: str | None = None):
    form_page = client.get(page or path)
    return client.post(path, data={"csrf_token": csrf_from(form_page.text), **data})


def test_sign_in_then_home_then_sign_out(client, make_user):
    staff = make_user("staff", display_name="Sam Shah")
    answer = post_form(client, "/sign-in", {"username": staff.username, "password": staff.password})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    home = client.get("/")
    assert "Hello, Sam Shah" in home.text
    signed_out = post_form(client, "/sign-out", {}, page="/")
    assert signed_out.headers["Location"].endswith("/sign-in")
    assert client.get("/").status_code == 302


def test_wrong_password_says_so_and_keeps_the_visitor_signed_out(client, make_user):
    staff = make_user("staff")
    answer = post_form(client, "/sign-in", {"username": staff.username, "password": "nope-nope"})
    assert answer.status_code == 200
    assert "There is a problem" in answer.text
    assert "not right" in answer.text
    assert client.get("/").status_code == 302


def test_sign_in_follows_next_only_within_the_site(client, make_user):
    admin = make_user("admin")
    page = client.get("/sign-in?next=/admin/users")
    answer = client.post(
        "/sign-in?next=/admin/users",
        data={
            "csrf_token": csrf_from(page.text),
            "username": admin.username,
            "password": admin.password,
        },
    )
    assert answer.headers["Location"] == "/admin/users"
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    for evil in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        page = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            query_string={"next": evil},
            data={
                "csrf_token": csrf_from(page.text),
                "username": admin.username,
                "password": admin.password,
            },
        )
        assert answer.headers["Location"] == "/", evil
        client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})


def test_a_form_without_its_csrf_token_is_refused(client, make_user):
    staff = make_user("staff")
    answer = client.post("/sign-in", data={"username": staff.username, "password": staff.password})
    assert answer.status_code == 400
    assert "reload the page" in answer.text
    assert client.get("/").status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/admin/users", "/admin/users/new", "/tablet/open"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert "/sign-in" in answer.headers["Location"]


def test_only_admin_and_hr_manage_people(client, make_user, sign_in):
    for role in ("panel_lead", "staff"):
        person = make_user(role)
        sign_in(person)
        assert client.get("/admin/users").status_code == 403
        assert client.get("/admin/users/new").status_code == 403
        client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})


def test_hr_adds_a_person_through_the_form(app, client, make_user, sign_in):
    hr = make_user("hr")
    sign_in(hr)
    form = client.get("/admin/users/new")
    assert 'value="admin"' not in form.text  # HR cannot add admins, so it is not offered
    answer = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_from(form.text),
            "display_name": "Rose Reid",
            "username": "rose",
            "role": "person_supported",
            "pin": "3579",
            "email": "",
            "password": "",
        },
    )
    assert answer.status_code == 302
    listing = client.get("/admin/users")
    assert "Rose Reid" in listing.text
    with app.app_context():
        rose = db.session.scalar(select(User).where(User.username == "rose"))
        assert rose.pin_hash and rose.password_hash is None and rose.email is None


def test_the_form_shows_operation_errors_beside_fields(client, make_user, sign_in):
    admin = make_user("admin")
    sign_in(admin)
    form = client.get("/admin/users/new")
    answer = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_from(form.text),
            "display_name": "X",
            "username": "bad name",
            "role": "staff",
            "pin": "12",
        },
    )
    assert answer.status_code == 200
    assert "There is a problem" in answer.text
    assert 'href="#username"' in answer.text and 'href="#pin"' in answer.text


def test_reset_pin_is_audited_and_the_new_pin_works(app, client, api, make_user, sign_in):
    admin = make_user("admin")
    person = make_user("person_supported", password=None, pin="1111")
    sign_in(admin)
    answer = post_form(client, f"/admin/users/{person.id}/pin", {"pin": "9753"})
    assert answer.status_code == 302
    assert api.post("/tokens", json={"username": person.username, "pin": "1111"}).status_code == 401
    assert api.post("/tokens", json={"username": person.username, "pin": "9753"}).status_code == 201
    with app.app_context():
        actions = db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.subject_id == person.id)
        ).all()
    assert "user.pin_reset" in actions


def test_hr_cannot_reset_an_admins_password(client, make_user, sign_in):
    admin = make_user("admin")
    hr = make_user("hr")
    sign_in(hr)
    assert client.get(f"/admin/users/{admin.id}/password").status_code == 403
    assert client.get("/admin/users/99999/password").status_code == 404


# --- the shared tablet ---------------------------------------------------------------------


def open_tablet(client, people: list[int], label="Oak House interviews") -> str:
    form = client.get("/tablet/open")
    answer = client.post(
        "/tablet/open",
        data={"csrf_token": csrf_from(form.text), "label": label, "people": people},
    )
    assert answer.status_code == 200, answer.text
    key = re.search(r'action="/tablet/([^/"]+)/hand-over"', answer.text).group(1)
    client.post(f"/tablet/{key}/hand-over", data={"csrf_token": csrf_from(answer.text)})
    return key


def test_tablet_shows_only_todays_people_and_signs_in_by_pin(client, make_user, sign_in):
    lead = make_user("panel_lead")
    jo = make_user("person_supported", display_name="Jo Jones", password=None, pin="2468")
    make_user("person_supported", display_name="Not Today", password=None, pin="1357")
    sign_in(lead)
    key = open_tablet(client, [jo.id])
    assert client.get("/").status_code == 302  # handing over signed the lead out
    names = client.get(f"/tablet/{key}")
    assert "Jo Jones" in names.text and "Not Today" not in names.text
    pin_page = client.get(f"/tablet/{key}/{jo.id}")
    answer = client.post(
        f"/tablet/{key}/{jo.id}", data={"csrf_token": csrf_from(pin_page.text), "pin": "2468"}
    )
    assert answer.status_code == 302
    assert "Hello, Jo Jones" in client.get("/").text
    out = client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    assert out.headers["Location"] == f"/tablet/{key}"


def test_tablet_refuses_people_not_on_it_and_unknown_keys(client, make_user, sign_in):
    lead = make_user("panel_lead")
    jo = make_user("person_supported", password=None, pin="2468")
    other = make_user("person_supported", password=None, pin="1357")
    sign_in(lead)
    key = open_tablet(client, [jo.id])
    assert client.get(f"/tablet/{key}/{other.id}").status_code == 404
    assert client.get("/tablet/not-a-real-key").status_code == 404


def test_five_wrong_pins_lock_that_pin_only(client, make_user, sign_in):
    lead = make_user("panel_lead")
    jo = make_user("person_supported", password=None, pin="2468")
    amir = make_user("person_supported", password=None, pin="1357")
    sign_in(lead)
    key = open_tablet(client, [jo.id, amir.id])
    page = client.get(f"/tablet/{key}/{jo.id}")
    token = csrf_from(page.text)
    for _ in range(5):
        wrong = client.post(f"/tablet/{key}/{jo.id}", data={"csrf_token": token, "pin": "0000"})
        assert wrong.status_code == 200
    locked = client.post(f"/tablet/{key}/{jo.id}", data={"csrf_token": token, "pin": "2468"})
    assert locked.status_code == 200
    assert "locked" in locked.text
    ok = client.post(f"/tablet/{key}/{amir.id}", data={"csrf_token": token, "pin": "1357"})
    assert ok.status_code == 302


def test_only_leads_hr_and_admin_open_tablets(client, make_user, sign_in):
    staff = make_user("staff")
    sign_in(staff)
    assert client.get("/tablet/open").status_code == 403


def test_a_tablet_needs_people_with_pins(client, make_user, sign_in):
    lead = make_user("panel_lead")
    sign_in(lead)
    form = client.get("/tablet/open")
    answer = client.post("/tablet/open", data={"csrf_token": csrf_from(form.text), "label": "X"})
    assert answer.status_code == 200
    assert "There is a problem" in answer.text
