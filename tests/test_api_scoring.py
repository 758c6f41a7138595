"""PUT /api/v1/candidates/{id}/scoresheet: every row and refusal of API.md, and idempotency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from recruit.core.audit import AuditRecord
from recruit.extensions import db
from recruit.scoring.models import Scoresheet
from tests.test_api_vacancies import World


class Day:
    """A vacancy at interviewing: two accepted qualities, candidates A and B, everyone declared
    (ps2 declared a conflict with B)."""

    def __init__(
        self, world: World, undeclared: tuple[str, ...] = (), late_candidate: bool = False
    ) -> None:
        self.world = world
        vacancy_id, self.ps_panel, self.staff_panel = world.staffed()
        world.move(vacancy_id, "co_design")
        self.qualities = []
        for text in ("Kind", "Listens"):
            quality = world.quality(vacancy_id, "ps", text)
            world.post(f"/qualities/{quality['id']}/review", "lead", {"status": "accepted"})
            self.qualities.append(quality["id"])
        self.declined = world.quality(vacancy_id, "staff", "Drives")["id"]
        world.post(f"/qualities/{self.declined}/review", "lead", {"status": "declined"})
        world.move(vacancy_id, "shortlisting")
        self.a = world.post(
            f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann"}
        ).get_json()["id"]
        self.b = world.post(
            f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Bob"}
        ).get_json()["id"]
        for who in ("ps", "lead", "staff"):
            if who in undeclared:
                continue
            world.post(
                f"/vacancies/{vacancy_id}/declarations",
                who,
                {"confidentiality": True, "conflicts": []},
            )
        world.post(
            f"/vacancies/{vacancy_id}/declarations",
            "ps2",
            {"confidentiality": True, "conflicts": [self.b]},
        )
        if late_candidate:  # added after everyone declared: nobody was asked about them
            self.c = world.post(
                f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Cat"}
            ).get_json()["id"]
        assert world.move(vacancy_id, "interviewing").status_code == 200
        self.vacancy_id = vacancy_id

    def body(self, values=(3, 2), submit=False, **extra):
        scores = [
            {"quality_id": q, "value": v} for q, v in zip(self.qualities, values, strict=False)
        ]
        return {"scores": scores, "submit": submit, **extra}

    def put(self, who, candidate, body, key=None):
        headers = {"Idempotency-Key": key} if key else {}
        return self.world.api.call(
            "PUT",
            f"/candidates/{candidate}/scoresheet",
            token=self.world.tokens[who],
            json=body,
            headers=headers,
        )


@pytest.fixture
def day(api, make_user) -> Day:
    return Day(World(api, make_user))


def test_a_draft_then_a_submission(app, day):
    answer = day.put(
        "ps", day.a, day.body((3, None), comment="Smiled a lot", would_work_with="yes")
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "draft"
    assert {s["quality_id"]: s["value"] for s in body["scores"]} == {
        day.qualities[0]: 3,
        day.qualities[1]: None,
    }
    submitted = day.put("ps", day.a, day.body((3, 1), submit=True))
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["comment"] == "Smiled a lot"  # kept when not sent again
    staff = day.put("staff", day.a, day.body((5, 4), submit=True))
    assert staff.get_json()["status"] == "submitted"
    with app.app_context():
        assert (
            db.session.scalars(
                select(AuditRecord.action).where(AuditRecord.action == "scoresheet.submitted")
            ).all()
            == ["scoresheet.submitted"] * 2
        )


def test_answers_are_saved_one_by_one(day):
    day.put(
        "ps", day.a, {"scores": [{"quality_id": day.qualities[0], "value": 2}], "submit": False}
    )
    answer = day.put(
        "ps", day.a, {"scores": [{"quality_id": day.qualities[1], "value": 3}], "submit": False}
    )
    assert {s["quality_id"]: s["value"] for s in answer.get_json()["scores"]} == {
        day.qualities[0]: 2,
        day.qualities[1]: 3,
    }
    own = day.world.get(f"/candidates/{day.a}/scoresheet", "ps")
    assert own.status_code == 200 and len(own.get_json()["scores"]) == 2


def test_a_submitted_scoresheet_changes_only_with_a_reason(app, day):
    day.put("ps", day.a, day.body((3, 3), submit=True))
    refused = day.put("ps", day.a, day.body((1, 1)))
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "amend_reason_required"
    also = day.put("ps", day.a, day.body((1, 1), submit=True))
    assert also.status_code == 409
    own = day.world.get(f"/candidates/{day.a}/scoresheet", "ps").get_json()
    assert [s["value"] for s in own["scores"]] == [3, 3]
    amended = day.put("ps", day.a, day.body((1, 3), amend_reason="I pressed the wrong face"))
    assert amended.status_code == 200 and amended.get_json()["status"] == "submitted"
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "scoresheet.amended")
        ).one()
        assert record.before["scores"][str(day.qualities[0])] == 3
        assert record.after["scores"][str(day.qualities[0])] == 1
        assert record.after["reason"] == "I pressed the wrong face"


def test_values_must_fit_the_panels_scale(day):
    for bad in (4, 0, -1, 2.5, "3", True):
        answer = day.put(
            "ps",
            day.a,
            {"scores": [{"quality_id": day.qualities[0], "value": bad}], "submit": False},
        )
        assert answer.status_code == 422, bad
        assert "scores.0.value" in answer.get_json()["error"]["fields"]
    assert day.put("staff", day.a, day.body((5, 4))).status_code == 200  # 5-point panel
    assert day.put("staff", day.a, day.body((6, 4))).status_code == 422


def test_only_accepted_qualities_of_this_vacancy(day):
    for quality_id in (day.declined, 999999, "x"):
        answer = day.put(
            "ps", day.a, {"scores": [{"quality_id": quality_id, "value": 1}], "submit": False}
        )
        assert answer.status_code == 422, quality_id
    twice = day.put(
        "ps",
        day.a,
        {
            "scores": [
                {"quality_id": day.qualities[0], "value": 1},
                {"quality_id": day.qualities[0], "value": 2},
            ],
            "submit": False,
        },
    )
    assert twice.status_code == 422


def test_other_fields_are_checked(day):
    assert day.put("ps", day.a, day.body(would_work_with="maybe")).status_code == 422
    assert day.put("ps", day.a, day.body(comment="x" * 2001)).status_code == 422
    assert day.put("ps", day.a, {"scores": [], "submit": "yes"}).status_code == 422
    assert day.put("ps", day.a, {"scores": "all good"}).status_code == 422
    malformed = day.world.api.call(
        "PUT",
        f"/candidates/{day.a}/scoresheet",
        token=day.world.tokens["ps"],
        data="{",
        content_type="application/json",
    )
    assert malformed.status_code == 400


def test_who_may_score(day, make_user, api):
    assert (
        day.world.api.call("PUT", f"/candidates/{day.a}/scoresheet", json=day.body()).status_code
        == 401
    )
    for who in ("hr", "admin", "outsider"):
        assert day.put(who, day.a, day.body()).status_code == 403, who
    conflicted = day.put("ps2", day.b, day.body())
    assert conflicted.status_code == 403
    assert conflicted.get_json()["error"]["code"] == "conflict_of_interest"
    assert day.put("ps2", day.a, day.body()).status_code == 200
    assert day.put("ps", 999999, day.body()).status_code == 404


def test_no_scores_before_a_declaration(api, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    candidate = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann"}).get_json()[
        "id"
    ]
    world.move(vacancy_id, "interviewing")
    quality = world.get(f"/vacancies/{vacancy_id}/qualities", "hr").get_json()["qualities"][0]["id"]
    answer = world.api.call(
        "PUT",
        f"/candidates/{candidate}/scoresheet",
        token=world.tokens["ps"],
        json={"scores": [{"quality_id": quality, "value": 2}], "submit": False},
    )
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "declaration_required"


def test_scores_only_while_interviewing(day):
    assert day.world.move(day.vacancy_id, "deciding").status_code == 200
    answer = day.put("ps", day.a, day.body())
    assert answer.status_code == 409


def test_a_retry_with_the_same_key_is_applied_once(app, day):
    first = day.put("ps", day.a, day.body((2, 2), submit=True), key="tablet-7-item-1")
    again = day.put("ps", day.a, day.body((2, 2), submit=True), key="tablet-7-item-1")
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    with app.app_context():
        assert (
            db.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "scoresheet.submitted")
            )
            .all()
            .__len__()
            == 1
        )
    reused = day.put("ps", day.a, day.body((1, 1), submit=True), key="tablet-7-item-1")
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    other_user = day.put("staff", day.a, day.body((5, 5), submit=True), key="tablet-7-item-1")
    assert other_user.status_code == 200  # keys are per user


def test_a_refused_request_can_be_retried_once_fixed(api, make_user):
    """A 403 is not stored against the key: once the member has declared, the same queued
    request (same key, same body) goes through."""
    day = Day(World(api, make_user), undeclared=("ps",))
    body = day.body((2, 2))
    refused = day.put("ps", day.a, body, key="queued-1")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "declaration_required"
    day.world.post(
        f"/vacancies/{day.vacancy_id}/declarations",
        "ps",
        {"confidentiality": True, "conflicts": []},
    )
    retried = day.put("ps", day.a, body, key="queued-1")
    assert retried.status_code == 200 and retried.get_json()["status"] == "draft"


def test_a_retry_while_the_first_is_processing_is_409(app, day):
    """While the first request holds its key, a retry gets 409 rather than a second change."""
    import hashlib
    import json

    from recruit.core.idempotency import IdempotencyRecord

    body = day.body()
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    fingerprint = hashlib.sha256(
        f"PUT /api/v1/candidates/{day.a}/scoresheet\n{canonical}".encode()
    ).hexdigest()
    with app.app_context():
        db.session.add(
            IdempotencyRecord(user_id=day.world.id("ps"), key="busy", request_hash=fingerprint)
        )
        db.session.commit()
    answer = day.put("ps", day.a, body, key="busy")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "idempotency_in_progress"
    with app.app_context():
        assert db.session.scalar(select(Scoresheet)) is None


def test_a_retry_while_the_first_holds_its_key_is_409_then_goes_through(app, backend, day):
    """On PostgreSQL the first request holds its key with a lock of its own transaction, not
    a row: while another transaction holds that lock (the first request, still running), a
    retry gets 409 and changes nothing; once it ends, the retry is processed, once."""
    from recruit.core.idempotency import lock_number

    if backend != "postgresql":
        pytest.skip("SQLite claims the key with a row: the test above")
    body = day.body((3, 2), submit=True)
    with app.app_context(), db.engine.connect() as first:
        first.execute(
            sql("SELECT pg_advisory_lock(:n)"), {"n": lock_number(day.world.id("ps"), "held")}
        )
        waiting = day.put("ps", day.a, body, key="held")
        assert waiting.status_code == 409
        assert waiting.get_json()["error"]["code"] == "idempotency_in_progress"
        assert db.session.scalar(select(Scoresheet)) is None
        first.execute(sql("SELECT pg_advisory_unlock_all()"))
    answers = [day.put("ps", day.a, body, key="held") for _ in "ab"]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    assert answers[1].get_json() == answers[0].get_json()
    with app.app_context():
        sheet = db.session.scalar(select(Scoresheet))
        assert sheet.status == "submitted" and [s.value for s in sheet.scores] == [3, 2]
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditRecord)
                .where(AuditRecord.action == "scoresheet.submitted")
            )
            == 1
        )


def test_a_first_request_that_commits_under_a_retry_keeps_its_answer(app, backend, day):
    """The first request commits its answer after the retry has looked for one and found
    none: the retry's change is dropped and it answers with the first request's answer."""
    import threading

    from recruit.core.idempotency import DONE, IdempotencyRecord, _fingerprint

    if backend != "postgresql":
        pytest.skip("SQLite has one writer: the retry waits before it looks")
    body = day.body((3, 2), submit=True)
    with app.test_request_context(
        f"/api/v1/candidates/{day.a}/scoresheet", method="PUT", json=body
    ):
        fingerprint = _fingerprint()
    first_answer = {"id": 0, "status": "submitted", "from": "the first request"}
    answers = []
    with app.app_context(), db.engine.connect() as first:
        first.execute(
            IdempotencyRecord.__table__.insert().values(
                user_id=day.world.id("ps"),
                key="late",
                request_hash=fingerprint,
                state=DONE,
                response_status=200,
                response_body=first_answer,
            )
        )
        retry = threading.Thread(target=lambda: answers.append(day.put("ps", day.a, body, "late")))
        retry.start()
        retry.join(1.5)
        assert retry.is_alive()  # its own record waits on the first's, not yet committed
        first.commit()
    retry.join(30)
    assert answers[0].status_code == 200 and answers[0].get_json() == first_answer
    assert answers[0].headers.get("Idempotent-Replayed") == "true"
    with app.app_context():
        assert db.session.scalar(select(Scoresheet)) is None


def test_the_tablet_page_saves_with_its_session_and_csrf_header(app, client, day):
    """The scoring page calls the API with its session cookie, its CSRF token and the id of
    the person whose answers it sends: on a shared tablet, answers queued by someone who has
    since signed out are never saved as the next person's."""
    from tests.conftest import csrf_from
    from tests.test_pages_qualities import password_sign_in

    password_sign_in(client, day.world, "staff")
    token = csrf_from(client.get(f"/candidates/{day.a}/score").text)
    path = f"/api/v1/candidates/{day.a}/scoresheet"
    body = day.body((4, 5))
    staff_id = str(day.world.id("staff"))

    no_csrf = client.put(path, json=body, headers={"X-Recruit-User": staff_id})
    assert no_csrf.status_code == 401
    assert no_csrf.get_json()["error"]["code"] == "csrf_expired"
    someone_else = client.put(
        path,
        json=body,
        headers={"X-CSRFToken": token, "X-Recruit-User": str(day.world.id("ps"))},
    )
    assert someone_else.status_code == 401
    assert someone_else.get_json()["error"]["code"] == "signed_in_as_someone_else"
    with app.app_context():
        assert db.session.scalar(select(Scoresheet)) is None

    saved = client.put(
        path,
        json=body,
        headers={"X-CSRFToken": token, "X-Recruit-User": staff_id, "Idempotency-Key": "page-1"},
    )
    assert saved.status_code == 200 and saved.get_json()["status"] == "draft"
    replayed = client.put(
        path,
        json=body,
        headers={"X-CSRFToken": token, "X-Recruit-User": staff_id, "Idempotency-Key": "page-1"},
    )
    assert replayed.status_code == 200
    assert replayed.headers.get("Idempotent-Replayed") == "true"
