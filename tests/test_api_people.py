"""POST /api/v1/tokens and POST /api/v1/users, row by row of API.md."""

from __future__ import annotations

import redis as redis_client
from sqlalchemy import select

from recruit.core.audit import AuditRecord
from recruit.core.outbox import OutboxMessage
from recruit.extensions import db
from recruit.people.models import ApiToken, User


def error_of(answer) -> dict:
    body = answer.get_json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# --- tokens ------------------------------------------------------------------------------


def test_token_for_password_identifies_the_user(api, make_user):
    hr = make_user("hr")
    answer = api.post("/tokens", json={"username": hr.username, "password": hr.password})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["user"] == {"id": hr.id, "username": hr.username, "role": "hr"}
    assert len(body["token"]) >= 32
    assert body["expires_at"].endswith(("Z", "+00:00"))


def test_token_for_pin(api, make_user):
    person = make_user("person_supported", password=None, pin="4826")
    answer = api.post("/tokens", json={"username": person.username, "pin": "4826"})
    assert answer.status_code == 201
    assert answer.get_json()["user"]["role"] == "person_supported"


def test_username_is_matched_without_regard_to_case(api, make_user):
    staff = make_user("staff", username="Sam.Shah")
    answer = api.post("/tokens", json={"username": "sam.shah", "password": staff.password})
    assert answer.status_code == 201
    assert answer.get_json()["user"]["username"] == "Sam.Shah"


def test_only_a_hash_of_the_token_is_stored(app, api, make_user):
    hr = make_user("hr")
    token = api.token(hr)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored and token not in stored
    assert all(len(h) == 64 for h in stored)


def test_wrong_password_is_401_in_plain_words(api, make_user):
    hr = make_user("hr")
    answer = api.post("/tokens", json={"username": hr.username, "password": "not-the-password"})
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "invalid_credentials"


def test_unknown_user_and_wrong_pin_are_401(api, make_user):
    person = make_user("person_supported", password=None, pin="4826")
    for body in (
        {"username": "nobody", "password": "whatever-it-is"},
        {"username": person.username, "pin": "0000"},
    ):
        answer = api.post("/tokens", json=body)
        assert answer.status_code == 401, body


def test_token_request_needs_exactly_one_secret(api, make_user):
    hr = make_user("hr")
    both = api.post("/tokens", json={"username": hr.username, "password": "x" * 10, "pin": "1234"})
    neither = api.post("/tokens", json={"username": hr.username})
    assert both.status_code == neither.status_code == 422
    assert "body" in error_of(both)["fields"] or error_of(both)["fields"]


def test_malformed_body_is_400(api):
    answer = api.post("/tokens", data="{not json", content_type="application/json")
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "malformed"
    answer = api.post("/tokens", json=["a", "list"])
    assert answer.status_code == 400


def test_too_large_body_is_413(api):
    answer = api.post("/tokens", json={"username": "x", "password": "y" * (2 * 1024 * 1024)})
    assert answer.status_code == 413
    assert error_of(answer)["code"] == "too_large"


def test_ten_failures_per_account_then_429_from_any_address(api, make_user):
    hr = make_user("hr")
    for n in range(10):
        answer = api.post(
            "/tokens",
            json={"username": hr.username, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
        )
        assert answer.status_code == 401
    answer = api.post(
        "/tokens",
        json={"username": hr.username, "password": hr.password},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert answer.status_code == 429
    assert error_of(answer)["code"] == "too_many_attempts"


def test_ten_failures_per_address_then_429_for_other_accounts_too(api, make_user):
    hr = make_user("hr")
    for n in range(10):
        answer = api.post("/tokens", json={"username": f"someone{n}", "password": "wrong-pass"})
        assert answer.status_code == 401
    answer = api.post("/tokens", json={"username": hr.username, "password": hr.password})
    assert answer.status_code == 429


def test_successful_sign_ins_do_not_count(api, make_user):
    hr = make_user("hr")
    for _ in range(15):
        answer = api.post("/tokens", json={"username": hr.username, "password": hr.password})
        assert answer.status_code == 201
    for _ in range(9):
        assert (
            api.post("/tokens", json={"username": hr.username, "password": "bad-pw-x"}).status_code
            == 401
        )
    assert (
        api.post("/tokens", json={"username": hr.username, "password": hr.password}).status_code
        == 201
    )


def test_sign_in_attempts_are_counted_in_redis(api, make_user, redis_server):
    """Every web worker sees one count: attempts are kept in Redis, not in one process."""
    hr = make_user("hr")
    for _ in range(10):
        answer = api.post("/tokens", json={"username": hr.username, "password": "wrong-pass"})
        assert answer.status_code == 401
    kept = redis_client.Redis(port=redis_server.port).keys("LIMITS:*")
    assert any(b"sign-in-account" in key for key in kept), kept
    right = {"username": hr.username, "password": hr.password}
    assert api.post("/tokens", json=right).status_code == 429
    redis_server.flush()  # a count held anywhere but Redis would survive this
    assert api.post("/tokens", json=right).status_code == 201


# --- users -------------------------------------------------------------------------------


def new_user_body(**changes) -> dict:
    body = {
        "username": "jo.jones",
        "display_name": "Jo Jones",
        "role": "person_supported",
        "pin": "2580",
    }
    body.update(changes)
    return body


def test_admin_adds_a_person_who_can_then_sign_in(app, api, make_user):
    admin = make_user("admin")
    answer = api.post("/users", as_=admin, json=new_user_body())
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["username"] == "jo.jones" and body["role"] == "person_supported"
    assert isinstance(body["id"], int)
    token = api.post("/tokens", json={"username": "jo.jones", "pin": "2580"})
    assert token.status_code == 201
    assert token.get_json()["user"]["id"] == body["id"]


def test_hr_adds_staff_with_a_password(api, make_user):
    hr = make_user("hr")
    answer = api.post(
        "/users",
        as_=hr,
        json={
            "username": "kim",
            "display_name": "Kim Khan",
            "role": "staff",
            "password": "kims-password",
            "email": "kim@example.org",
        },
    )
    assert answer.status_code == 201
    assert answer.get_json()["email"] == "kim@example.org"
    assert (
        api.post("/tokens", json={"username": "kim", "password": "kims-password"}).status_code
        == 201
    )


def test_every_role_can_be_created_by_an_admin(api, make_user):
    admin = make_user("admin")
    token = api.token(admin)
    for role in ("admin", "hr", "panel_lead", "staff", "person_supported"):
        answer = api.post(
            "/users",
            token=token,
            json={
                "username": f"new-{role}",
                "display_name": role,
                "role": role,
                "password": "long-enough-pw",
            },
        )
        assert answer.status_code == 201, (role, answer.get_json())
        assert answer.get_json()["role"] == role


def test_hr_cannot_create_an_admin(api, make_user):
    hr = make_user("hr")
    answer = api.post(
        "/users", as_=hr, json=new_user_body(role="admin", pin=None, password="pw-123456")
    )
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "forbidden"


def test_other_roles_may_not_add_people(api, make_user):
    for role in ("panel_lead", "staff", "person_supported"):
        person = make_user(role, pin="1234" if role == "person_supported" else None)
        answer = api.post("/users", as_=person, json=new_user_body(username=f"x-{role}"))
        assert answer.status_code == 403, role


def test_no_token_or_a_bad_token_is_401(api):
    assert api.post("/users", json=new_user_body()).status_code == 401
    answer = api.post("/users", token="not-a-real-token", json=new_user_body())
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "not_signed_in"
    answer = api.post("/users", json=new_user_body(), headers={"Authorization": "Basic abc"})
    assert answer.status_code == 401


def test_a_revoked_or_expired_token_is_401(app, api, make_user):
    from datetime import timedelta

    from recruit.core.time import utcnow

    hr = make_user("hr")
    token = api.token(hr)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).one()
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert api.post("/users", token=token, json=new_user_body()).status_code == 401


def test_invalid_values_are_422_with_every_field_named(app, api, make_user):
    admin = make_user("admin")
    answer = api.post(
        "/users",
        as_=admin,
        json={
            "username": "has space",
            "display_name": "",
            "role": "boss",
            "email": "not-an-email",
            "password": "short",
            "pin": "12ab",
        },
    )
    assert answer.status_code == 422
    fields = error_of(answer)["fields"]
    assert set(fields) == {"username", "display_name", "role", "email", "password", "pin"}
    assert all(isinstance(m, str) and m for msgs in fields.values() for m in msgs)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "has space")) is None


def test_missing_and_unknown_fields_are_422(api, make_user):
    admin = make_user("admin")
    answer = api.post("/users", as_=admin, json={"display_name": "No Username", "role": "staff"})
    assert answer.status_code == 422
    assert "username" in error_of(answer)["fields"]
    answer = api.post("/users", as_=admin, json=new_user_body(is_admin=True))
    assert answer.status_code == 422
    assert "is_admin" in error_of(answer)["fields"]


def test_a_pin_is_for_tablet_users_only(api, make_user):
    admin = make_user("admin")
    answer = api.post("/users", as_=admin, json=new_user_body(role="hr"))
    assert answer.status_code == 422
    assert "pin" in error_of(answer)["fields"]


def test_a_taken_username_is_409_and_changes_nothing(app, api, make_user):
    admin = make_user("admin")
    token = api.token(admin)
    assert api.post("/users", token=token, json=new_user_body()).status_code == 201
    answer = api.post(
        "/users", token=token, json=new_user_body(username="JO.JONES", display_name="Other")
    )
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "username_taken"
    with app.app_context():
        assert db.session.scalar(select(User).where(User.display_name == "Other")) is None


def test_adding_a_person_is_audited_without_secrets(app, api, make_user):
    admin = make_user("admin")
    answer = api.post("/users", as_=admin, json=new_user_body(email="jo@example.org"))
    new_id = answer.get_json()["id"]
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(
                AuditRecord.subject_id == new_id, AuditRecord.subject_type == "User"
            )
        ).one()
        assert record.action == "user.created"
        assert record.actor_id == admin.id
        assert record.before is None
        assert record.after["username"] == "jo.jones"
        assert record.after["has_pin"] is True
        assert "2580" not in str(record.after)
        assert record.at.tzinfo is not None


def test_a_person_with_email_gets_a_welcome_message_queued(app, api, make_user):
    admin = make_user("admin")
    api.post("/users", as_=admin, json=new_user_body(email="jo@example.org"))
    api.post("/users", as_=admin, json=new_user_body(username="no-email"))
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) == 1
    assert messages[0].task == "email.send"
    assert messages[0].payload["to"] == "jo@example.org"
    assert "jo.jones" in messages[0].payload["body"]
    assert messages[0].status == "pending"


def test_the_api_accepts_a_signed_in_page_with_its_csrf_header(client, make_user, sign_in):
    from tests.conftest import csrf_from

    admin = make_user("admin")
    sign_in(admin)
    without = client.post("/api/v1/users", json=new_user_body())
    assert without.status_code == 401
    assert error_of(without)["code"] == "csrf_expired"
    page = client.get("/admin/users/new")
    answer = client.post(
        "/api/v1/users", json=new_user_body(), headers={"X-CSRFToken": csrf_from(page.text)}
    )
    assert answer.status_code == 201


def test_unknown_api_paths_answer_json_404_and_405(api):
    answer = api.get("/no-such-thing")
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"
    answer = api.get("/tokens")
    assert answer.status_code == 405
