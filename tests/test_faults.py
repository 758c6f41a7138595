"""Faults survived: the database going away, two tablets at once, retries, Redis down.

Each test breaks a real part (PostgreSQL's connections, a real Redis server, concurrent
requests to a live server) and checks what a person would see: a clean answer in plain
words, and nothing corrupt or applied twice.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from recruit.core.audit import AuditRecord
from recruit.decisions.models import Decision
from recruit.extensions import db, limiter
from recruit.qualities.models import Quality, QualityVote
from recruit.scoring.models import Scoresheet
from tests.conftest import Api, build_app
from tests.support import servers
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World, error_code
from tests.test_pages_qualities import password_sign_in


@pytest.fixture
def world(api, make_user) -> World:
    return World(api, make_user)


@pytest.fixture
def day(world) -> Day:
    return Day(world)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action: str, subject_id: int | None = None) -> int:
    where = [AuditRecord.action == action]
    if subject_id is not None:
        where.append(AuditRecord.subject_id == subject_id)
    return count(AuditRecord, *where)


# --- the database restarts ---------------------------------------------------------------------


class Outage:
    """Take this test's PostgreSQL database away (as a restart does: every connection is cut
    and new ones are refused) and bring it back, without touching anyone else's database."""

    def __init__(self, url: str) -> None:
        self.name = urlsplit(url.replace("postgresql+psycopg", "postgresql")).path.lstrip("/")

    def _admin(self, sql: str) -> None:
        with servers._pg_connect() as conn:
            conn.execute(sql)

    def cut(self) -> None:
        """Every connection to the database is terminated (pg_terminate_backend)."""
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def begin(self) -> None:
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.cut()

    def end(self) -> None:
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


def test_a_database_restart_answers_503_then_everything_works_again(
    app, backend, database_urls, world, client
):
    if backend != "postgresql":
        pytest.skip("a database server restarts; a SQLite file does not")
    vacancy_id = world.vacancy()
    password_sign_in(client, world, "hr")
    assert client.get(f"/vacancies/{vacancy_id}").status_code == 200
    outage = Outage(database_urls[backend])

    # Connections cut between two requests: the pool notices (pre-ping) and reconnects.
    outage.cut()
    assert world.get(f"/vacancies/{vacancy_id}", "hr").status_code == 200
    outage.cut()
    assert client.get(f"/vacancies/{vacancy_id}").status_code == 200

    outage.begin()
    try:
        answer = world.get(f"/vacancies/{vacancy_id}", "hr")
        assert answer.status_code == 503
        assert error_code(answer) == "unavailable"
        assert "try again" in answer.get_json()["error"]["message"]
        assert answer.headers["Retry-After"]
        write = world.post(f"/vacancies/{vacancy_id}/transitions", "hr", {"to": "co_design"})
        assert write.status_code == 503 and error_code(write) == "unavailable"
        page = client.get(f"/vacancies/{vacancy_id}")
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert "try again in a minute" in page.text and "Traceback" not in page.text
        health = client.get("/healthz")
        assert health.status_code == 503 and health.is_json
    finally:
        outage.end()

    assert world.get(f"/vacancies/{vacancy_id}", "hr").get_json()["status"] == "draft"
    assert world.move(vacancy_id, "co_design").status_code == 200
    assert client.get(f"/vacancies/{vacancy_id}").status_code == 200


def test_a_retry_takes_over_a_key_whose_first_request_died(app, day):
    """The database restarted while the first request with this key was being processed:
    its claim is left "processing". A retry soon after is told to wait (409); one after the
    claim is clearly abandoned is processed, once."""
    from datetime import timedelta

    from recruit.core.idempotency import ABANDONED_AFTER, IdempotencyRecord, _fingerprint
    from recruit.core.time import utcnow

    body = day.body((3, 2), submit=True)
    path = f"/api/v1/candidates/{day.a}/scoresheet"
    with app.test_request_context(path, method="PUT", json=body):
        fingerprint = _fingerprint()
    with app.app_context():
        db.session.add(
            IdempotencyRecord(user_id=day.world.id("ps"), key="k1", request_hash=fingerprint)
        )
        db.session.commit()
    waiting = day.put("ps", day.a, body, key="k1")
    assert waiting.status_code == 409 and error_code(waiting) == "idempotency_in_progress"
    with app.app_context():
        record = db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == "k1"))
        record.created_at = utcnow() - ABANDONED_AFTER - timedelta(seconds=1)
        db.session.commit()
    answers = [day.put("ps", day.a, body, key="k1") for _ in "ab"]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_json()["status"] == "submitted"
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    with app.app_context():
        assert audits("scoresheet.submitted") == 1


# --- two tablets at the same moment ------------------------------------------------------------


def _put(url: str, token: str, body: dict, key: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(  # noqa: S310 - our own live server
        url, data=json.dumps(body).encode(), method="PUT", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - our server
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_two_tablets_submitting_the_same_scoresheet_at_once(app, day):
    """The same member, signed in on two tablets, sends their scores for a candidate at the
    same moment: one is saved, the other gets a clean refusal, and there is one scoresheet."""
    server = servers.LiveServer(app).start()
    rounds = [("staff", day.a), ("staff", day.b), ("lead", day.a), ("lead", day.b)]
    outcomes = []
    try:
        for who, candidate in rounds:
            token = day.world.tokens[who]
            url = f"{server.url}/api/v1/candidates/{candidate}/scoresheet"
            bodies = [day.body((5, 4), submit=True), day.body((1, 2), submit=True)]
            barrier = threading.Barrier(len(bodies))
            answers: list = [None] * len(bodies)

            def send(n: int, url=url, token=token, bodies=bodies, barrier=barrier, answers=answers):
                barrier.wait()
                answers[n] = _put(url, token, bodies[n])

            threads = [threading.Thread(target=send, args=(n,)) for n in range(len(bodies))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(90)
            outcomes.append((who, candidate, bodies, answers))
    finally:
        server.stop()

    with app.app_context():
        for who, candidate, bodies, answers in outcomes:
            statuses = sorted(status for status, _ in answers)
            assert statuses[0] == 200 and statuses[1] in (409, 503), answers
            winner = next(n for n, (status, _) in enumerate(answers) if status == 200)
            loser = answers[1 - winner][1]
            assert set(loser) == {"error"} and loser["error"]["message"], loser
            user_id = day.world.id(who)
            sheets = db.session.scalars(
                select(Scoresheet).where(
                    Scoresheet.candidate_id == candidate, Scoresheet.user_id == user_id
                )
            ).all()
            assert len(sheets) == 1
            sheet = sheets[0]
            assert sheet.status == "submitted"
            sent = {s["quality_id"]: s["value"] for s in bodies[winner]["scores"]}
            assert {s.quality_id: s.value for s in sheet.scores} == sent
            assert audits("scoresheet.submitted", sheet.id) == 1


# --- a client that retries everything three times ----------------------------------------------


def test_a_client_that_sends_every_request_three_times(app, day):
    world = day.world

    # The scoresheet with one Idempotency-Key: applied once, the same answer three times.
    answers = [day.put("ps", day.a, day.body((3, 1), submit=True), key="sheet-1") for _ in "abc"]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    assert answers[0].get_json() == answers[2].get_json()
    # Without a key, a retried submission is refused (already sent), never applied twice.
    again = [day.put("ps2", day.a, day.body((2, 2), submit=True)) for _ in "abc"]
    assert [a.status_code for a in again] == [200, 409, 409]
    assert error_code(again[1]) == "amend_reason_required"

    # A suggestion with a key is made once; without one, each retry is another suggestion.
    vacancy = world.vacancy(title="Cook")
    panel = world.panel(vacancy)
    world.member(panel, "ps")
    moves = [world.move(vacancy, "co_design") for _ in "abc"]
    assert [m.status_code for m in moves] == [200, 409, 409]
    assert error_code(moves[1]) == "transition_not_allowed"
    path = f"/vacancies/{vacancy}/qualities"
    keyed = [
        world.api.call(
            "POST",
            path,
            token=world.tokens["ps"],
            json={"text": "Kind"},
            headers={"Idempotency-Key": "q1"},
        )
        for _ in "abc"
    ]
    assert [a.status_code for a in keyed] == [201, 201, 201]
    assert len({a.get_json()["id"] for a in keyed}) == 1
    unkeyed = [world.post(path, "ps", {"text": "Patient"}) for _ in "abc"]
    assert len({a.get_json()["id"] for a in unkeyed}) == 3  # as docs/api.md warns

    # A vote: the contract says a second vote changes nothing.
    quality_id = keyed[0].get_json()["id"]
    votes = [world.post(f"/qualities/{quality_id}/votes", "ps") for _ in "abc"]
    assert [v.status_code for v in votes] == [201, 201, 201]
    assert [v.get_json()["votes"] for v in votes] == [1, 1, 1]

    # A decision sent three times is one decision, audited once.
    world.post(f"/vacancies/{day.vacancy_id}/transitions", "hr", {"to": "deciding"})
    decision = {"candidate_id": day.b, "outcome": "reserve", "rationale": "Good, second."}
    decided = [
        world.post(f"/vacancies/{day.vacancy_id}/decisions", "lead", decision) for _ in "abc"
    ]
    assert [d.status_code for d in decided] == [201, 201, 201]
    assert len({d.get_json()["decided_at"] for d in decided}) == 1

    with app.app_context():
        assert count(Scoresheet, Scoresheet.candidate_id == day.a) == 2
        assert audits("scoresheet.submitted") == 2
        assert count(Quality, Quality.vacancy_id == vacancy, Quality.text == "Kind") == 1
        assert count(QualityVote, QualityVote.quality_id == quality_id) == 1
        assert count(Decision, Decision.candidate_id == day.b) == 1
        assert audits("decision.recorded") == 1 and audits("decision.changed") == 0


# --- Redis stops during an interview day -------------------------------------------------------


def test_scores_are_still_accepted_while_redis_is_down(backend, database_urls, make_user):
    """Redis (broker, rate-limit store) stops mid-morning: tablets still sign in and send
    scores; the notification waits in the outbox for Redis to come back."""
    redis = servers.RedisServer(servers.free_port()).start()
    app = build_app(
        database_urls[backend],
        redis.url,
        RATELIMIT_STORAGE_URI=redis.url,
        OUTBOX_NUDGE_BACKOFF_SECONDS=0,
    )
    try:
        limiter.reset()
        client = app.test_client()
        api = Api(client)
        day = Day(World(api, make_user))
        assert day.put("ps", day.a, day.body((3, None))).status_code == 200
        redis.stop()

        started = time.monotonic()
        answer = day.put("ps", day.a, day.body((3, 2), submit=True), key="after-redis")
        assert answer.status_code == 200, answer.get_json()
        assert time.monotonic() - started < 5  # no hanging on the missing broker
        assert answer.get_json()["status"] == "submitted"
        signed_in = api.post(
            "/tokens",
            json={"username": day.world.people["staff"].username, "password": "a-good-password"},
        )
        assert signed_in.status_code == 201
        staff = day.put("staff", day.a, day.body((5, 4), submit=True))
        assert staff.status_code == 200
        health = client.get("/healthz").get_json()
        assert health["redis"] == "down" and health["database"] == "ok"
        with app.app_context():
            assert count(Scoresheet, Scoresheet.status == "submitted") == 2
            assert audits("scoresheet.submitted") == 2
    finally:
        redis.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
