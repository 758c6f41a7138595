"""Signing in and staying signed in: CSRF on every form, a new session at sign-in, no
remember-me, "basic" session protection, fresh sign-in for exports and admin actions,
where `next` may lead, sign-in limits, PINs only on a tablet, Argon2id, revocable tokens."""

from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from recruit.extensions import db
from recruit.people.models import ApiToken, User
from tests.conftest import csrf_from
from tests.test_access_matrix import World


def post_form(client, path: str, data: dict, page: str | None = None, **kwargs):
    form_page = client.get(page or path)
    return client.post(path, data={"csrf_token": csrf_from(form_page.text), **data}, **kwargs)


def password_sign_in(client, person, next_: str | None = None):
    query = {"next": next_} if next_ else {}
    page = client.get("/sign-in", query_string=query)
    return client.post(
        "/sign-in",
        query_string=query,
        data={
            "csrf_token": csrf_from(page.text),
            "username": person.username,
            "password": person.password,
        },
    )


def age_sign_in(client, minutes: float) -> None:
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - minutes * 60


def dummy_path(rule) -> str:
    values = {}
    for name in rule.arguments:
        values[name] = {"key": "some-key", "action": "approve", "kind": "csv"}.get(name, 1)
    return rule.build(values)[1]


# --- CSRF -------------------------------------------------------------------------------------


def test_every_form_post_without_its_csrf_token_is_refused_and_changes_nothing(
    app, client, make_user
):
    admin = make_user("admin")
    password_sign_in(client, admin)
    before = make_user("staff")
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    ]
    assert len(posts) > 40
    for rule in posts:
        path = dummy_path(rule)
        for data in ({}, {"csrf_token": "not-the-token"}):
            answer = client.post(path, data=data)
            assert answer.status_code == 400, (path, answer.status_code)
            assert "reload the page and try again" in answer.text, path
    # the admin is still signed in, and nobody was erased or changed
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, before.id).display_name.endswith("Person 2")


def test_the_api_refuses_a_page_session_without_its_csrf_header(client, make_user):
    hr = make_user("hr")
    password_sign_in(client, hr)
    answer = client.post("/api/v1/users", json={"username": "x"})
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "csrf_expired"


# --- starting a session -------------------------------------------------------------------------


def test_sign_in_starts_a_new_session_with_a_new_csrf_token(app, client, make_user):
    staff = make_user("staff")
    page = client.get("/sign-in")
    before_token = csrf_from(page.text)
    planted_cookie = client.get_cookie("session").value
    with client.session_transaction() as session:
        session["planted"] = "by someone before sign-in"
    assert password_sign_in(client, staff).status_code == 302
    after_token = csrf_from(client.get("/").text)
    assert after_token != before_token
    with client.session_transaction() as session:
        assert "planted" not in session
    # the token from before sign-in no longer works for this person's forms
    refused = client.post("/sign-out", data={"csrf_token": before_token})
    assert refused.status_code == 400
    # and a copy of the session cookie from before sign-in is still signed out
    someone_else = app.test_client()
    someone_else.set_cookie("session", planted_cookie)
    assert someone_else.get("/").headers["Location"] == "/sign-in"


def test_there_is_no_remember_me(client, make_user):
    staff = make_user("staff")
    page = client.get("/sign-in")
    assert "remember" not in page.text.lower()
    answer = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_from(page.text),
            "username": staff.username,
            "password": staff.password,
            "remember": "y",
        },
    )
    assert answer.status_code == 302
    cookies = answer.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)
    assert all("Expires" not in c for c in cookies if c.startswith("session="))


def test_the_signed_in_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    answer = password_sign_in(client, make_user("staff"))
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_tablet_on_flaky_wifi_stays_signed_in(app, client, make_user):
    """Basic session protection: a new address or browser string keeps the person signed in
    (their scoring carries on) but the session is no longer fresh for admin work."""
    admin = make_user("admin")
    password_sign_in(client, admin)
    assert client.get("/admin/users").status_code == 200
    moved = {"REMOTE_ADDR": "10.9.8.7"}
    answer = client.get("/", environ_base=moved, headers={"User-Agent": "Tablet/2.0"})
    assert answer.status_code == 200 and "Hello" in answer.text
    again = client.get("/messages", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert again.status_code == 200
    assert client.get("/admin/users").headers["Location"].startswith("/confirm-it-is-you")


# --- fresh sign-in ----------------------------------------------------------------------------


def test_a_stale_sign_in_confirms_the_password_then_goes_on(app, client, make_user):
    admin = make_user("admin")
    password_sign_in(client, admin)
    assert client.get("/admin/users").status_code == 200  # just signed in with a password
    age_sign_in(client, 14)
    assert client.get("/admin/users").status_code == 200
    age_sign_in(client, 16)
    asked = client.get("/admin/users?page=2")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/confirm-it-is-you?next=/admin/users?page%3D2"
    page = client.get(asked.headers["Location"])
    assert page.status_code == 200 and "Confirm it is you" in page.text
    wrong = client.post(
        asked.headers["Location"],
        data={"csrf_token": csrf_from(page.text), "password": "not-my-password"},
    )
    assert wrong.status_code == 200 and "not right" in wrong.text
    assert client.get("/admin/users").status_code == 302  # still not confirmed
    right = client.post(
        asked.headers["Location"],
        data={"csrf_token": csrf_from(page.text), "password": admin.password},
    )
    assert right.status_code == 302 and right.headers["Location"] == "/admin/users?page=2"
    assert client.get("/admin/users").status_code == 200


def test_the_time_a_sign_in_stays_fresh_is_a_setting(app, client, make_user):
    app.config["FRESH_LOGIN_MINUTES"] = 1
    admin = make_user("admin")
    password_sign_in(client, admin)
    age_sign_in(client, 2)
    assert client.get("/admin/policy").headers["Location"].startswith("/confirm-it-is-you")


def test_a_stale_post_goes_back_to_the_page_it_came_from(app, client, make_user):
    admin = make_user("admin")
    password_sign_in(client, admin)
    token = csrf_from(client.get("/admin/outbox").text)
    age_sign_in(client, 30)
    answer = client.post(
        "/admin/outbox/1/retry",
        data={"csrf_token": token},
        headers={"Referer": "http://localhost/admin/outbox"},
    )
    assert answer.headers["Location"] == "/confirm-it-is-you?next=/admin/outbox"
    elsewhere = client.post(
        "/admin/outbox/1/retry",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/admin"},
    )
    assert elsewhere.headers["Location"] == "/confirm-it-is-you?next=/"


def test_a_pin_sign_in_is_never_fresh(app, api, make_user):
    """A panel lead who signed in with their PIN on the tablet is asked for their password
    before downloading the decision pack; then the download goes ahead."""
    world = World(app, api, make_user)
    client = app.test_client()
    key, lead = world.ids["key"], world.people["lead"]
    pin_page = client.get(f"/tablet/{key}/{lead.id}")
    signed_in = client.post(
        f"/tablet/{key}/{lead.id}", data={"csrf_token": csrf_from(pin_page.text), "pin": "1357"}
    )
    assert signed_in.status_code == 302
    pack = f"/packs/{world.ids['pack']}.csv"
    asked = client.get(pack)
    assert asked.headers["Location"] == f"/confirm-it-is-you?next={pack}"
    page = client.get(asked.headers["Location"])
    assert "you signed in with a PIN" not in page.text  # this lead has a password too
    done = client.post(
        asked.headers["Location"],
        data={"csrf_token": csrf_from(page.text), "password": lead.password},
    )
    assert done.headers["Location"] == pack
    download = client.get(pack)
    assert download.status_code == 200 and download.data == b"pack-bytes-for-vacancy-a"


def test_someone_with_only_a_pin_is_told_in_plain_words(app, api, make_user):
    world = World(app, api, make_user)
    client = app.test_client()
    key, ps = world.ids["key"], world.people["ps"]
    with app.app_context():
        db.session.get(User, ps.id).password_hash = None
        db.session.commit()
    pin_page = client.get(f"/tablet/{key}/{ps.id}")
    client.post(
        f"/tablet/{key}/{ps.id}", data={"csrf_token": csrf_from(pin_page.text), "pin": "2468"}
    )
    page = client.get("/confirm-it-is-you")
    assert "you signed in with a PIN" in page.text
    assert 'name="password"' not in page.text


def test_bearer_tokens_are_not_asked_to_confirm_but_a_stale_page_session_is(client, api, make_user):
    admin = make_user("admin")
    token = api.token(admin)
    body = {"username": "newcomer", "display_name": "New Comer", "role": "staff"}
    assert api.post("/users", token=token, json=body).status_code == 201
    password_sign_in(client, admin)
    age_sign_in(client, 60)
    csrf = csrf_from(client.get("/messages").text)
    stale = client.post(
        "/api/v1/users", json={**body, "username": "second"}, headers={"X-CSRFToken": csrf}
    )
    assert stale.status_code == 401
    assert stale.get_json()["error"]["code"] == "fresh_sign_in_required"
    with_token = api.post("/users", token=token, json={**body, "username": "third"})
    assert with_token.status_code == 201


# --- next -------------------------------------------------------------------------------------

EVIL_NEXT = [
    "//evil.example",
    "https://evil.example/",
    "http:evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_next_leads_only_to_a_path_on_this_site(client, make_user, target):
    admin = make_user("admin")
    answer = password_sign_in(client, admin, next_=target)
    assert answer.headers["Location"] == "/", target
    age_sign_in(client, 60)
    page = client.get("/confirm-it-is-you", query_string={"next": target})
    confirmed = client.post(
        "/confirm-it-is-you",
        query_string={"next": target},
        data={"csrf_token": csrf_from(page.text), "password": admin.password},
    )
    assert confirmed.headers["Location"] == "/", target


def test_next_keeps_a_path_and_query_on_this_site(client, make_user):
    answer = password_sign_in(client, make_user("hr"), next_="/vacancies?stage=draft")
    assert answer.headers["Location"] == "/vacancies?stage=draft"


# --- limits, PINs, passwords, tokens ----------------------------------------------------------


def test_ten_failed_sign_ins_on_the_page_then_429_in_plain_words(client, make_user):
    staff = make_user("staff")
    token = csrf_from(client.get("/sign-in").text)
    for _ in range(10):
        wrong = client.post(
            "/sign-in", data={"csrf_token": token, "username": staff.username, "password": "no"}
        )
        assert wrong.status_code == 200
    refused = client.post(
        "/sign-in",
        data={"csrf_token": token, "username": staff.username, "password": staff.password},
    )
    assert refused.status_code == 429
    assert "Too many attempts. Please wait a few minutes" in refused.text
    assert client.get("/").headers["Location"] == "/sign-in"


def test_wrong_passwords_on_confirm_count_against_that_account(client, make_user):
    admin = make_user("admin")
    password_sign_in(client, admin)
    page = client.get("/confirm-it-is-you")
    token = csrf_from(page.text)
    for _ in range(10):
        client.post("/confirm-it-is-you", data={"csrf_token": token, "password": "guess"})
    refused = client.post("/confirm-it-is-you", data={"csrf_token": token, "password": "x"})
    assert refused.status_code == 429


def test_the_sign_in_page_takes_a_password_never_a_pin(client, make_user):
    lead = make_user("panel_lead", pin="2468")
    page = client.get("/sign-in")
    assert 'name="pin"' not in page.text and 'name="password"' in page.text
    answer = client.post(
        "/sign-in",
        data={"csrf_token": csrf_from(page.text), "username": lead.username, "pin": "2468"},
    )
    assert answer.status_code == 200
    assert client.get("/").headers["Location"] == "/sign-in"
    answer = client.post(
        "/sign-in",
        data={"csrf_token": csrf_from(page.text), "username": lead.username, "password": "2468"},
    )
    assert answer.status_code == 200 and "not right" in answer.text


def test_passwords_are_argon2id_and_upgraded_at_sign_in(app, client, make_user):
    staff = make_user("staff")
    with app.app_context():
        user = db.session.get(User, staff.id)
        assert user.password_hash.startswith("$argon2id$")
        old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(staff.password)
        user.password_hash = old
        db.session.commit()
    assert password_sign_in(client, staff).status_code == 302
    with app.app_context():
        upgraded = db.session.get(User, staff.id).password_hash
    assert upgraded != old and upgraded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_a_token_can_be_revoked_by_its_holder(app, api, make_user):
    hr = make_user("hr")
    token, other = api.token(hr), api.token(hr)
    assert api.get("/vacancies", token=token).status_code == 200
    assert api.call("DELETE", "/tokens/current", token=token).status_code == 204
    gone = api.get("/vacancies", token=token)
    assert gone.status_code == 401 and gone.get_json()["error"]["code"] == "not_signed_in"
    assert api.call("DELETE", "/tokens/current", token=token).status_code == 401
    assert api.get("/vacancies", token=other).status_code == 200  # other devices carry on
    assert api.call("DELETE", "/tokens/current").status_code == 401
    with app.app_context():
        revoked = db.session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_not(None)))
        assert len(revoked.all()) == 1
