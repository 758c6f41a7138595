"""Fixtures: a real database (SQLite and PostgreSQL), a real Redis, and factories.

Every test that takes `app` runs once on SQLite and once on PostgreSQL. Tables are
emptied before each test, so tests may commit for real (as workers and two
connections need) and still start clean.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from recruit import create_app
from recruit.extensions import db, limiter
from tests.support import servers

ROOT_ENV = {"cwd": str(servers.ROOT)}
PG_ABSENT = (
    "PostgreSQL IS NOT INSTALLED on this machine, so every PostgreSQL test was SKIPPED. "
    "Install Debian's postgresql package (as .ci/run does) to run them."
)
_pg_state: dict[str, str | None] = {}


def pytest_terminal_summary(terminalreporter):
    from tests.support import reports

    if reports.LINES:
        terminalreporter.write_sep("-", "measured")
        for line in reports.LINES:
            terminalreporter.write_line(line)
    if _pg_state.get("status") is None and "status" in _pg_state:
        terminalreporter.write_sep("!", PG_ABSENT, red=True, bold=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[servers.RedisServer]:
    server = servers.RedisServer(servers.free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the whole run."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'recruit.db'}"}
    _pg_state["status"] = servers.ensure_postgres()
    pg_name = f"recruit_test_{os.getpid()}"
    if _pg_state["status"]:
        urls["postgresql"] = servers.create_pg_database(pg_name)
    for url in urls.values():
        app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="testing")
        with app.app_context():
            upgrade()
            db.engine.dispose()
    yield urls
    if "postgresql" in urls:
        servers.drop_pg_database(pg_name)


def empty_tables() -> None:
    """Each test starts clean: the audit trail's guards are lifted for this one transaction."""
    from recruit.core.audit import guards_lifted

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    connection = db.session.connection()
    with guards_lifted(connection):
        if db.engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))
    db.session.commit()


def build_app(url: str, redis_url: str, **overrides) -> Flask:
    config = {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url, **overrides}
    app = create_app(config, env="testing")
    # Flask-Limiter keeps its state on the one shared `limiter`, not per app. Once a test
    # stops Redis the limiter marks its storage dead and counts in memory, and stays so for
    # every later app in the run until its back-off finds Redis again and switches storage
    # in the middle of some other test, forgetting what it counted there. A web process has
    # one app, so only tests need this: each new app starts on its own storage.
    limiter._storage_dead = False
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, database_urls) -> str:
    if request.param not in database_urls:
        pytest.skip(PG_ABSENT)
    return request.param


@pytest.fixture
def app(backend, database_urls, redis_server) -> Iterator[Flask]:
    app = build_app(database_urls[backend], redis_server.url)
    with app.app_context():
        empty_tables()
    limiter.reset()
    redis_server.flush()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Person:
    id: int
    username: str
    role: str
    password: str | None
    pin: str | None


@pytest.fixture
def make_user(app):
    """Create a person for real (through the operation) and return their details."""
    from recruit.people.operations import create_user

    counter = iter(range(1, 10_000))

    def make(role: str = "staff", *, username=None, password="a-good-password", pin=None, **kw):
        n = next(counter)
        username = username or f"{role.replace('_', '-')}{n}"
        if role in ("admin", "hr"):
            pin = None
        with app.app_context():
            user = create_user(
                None,
                username=username,
                display_name=kw.pop("display_name", f"{role.title()} Person {n}"),
                role=role,
                password=password,
                pin=pin,
                **kw,
            )
            db.session.commit()
            return Person(user.id, user.username, user.role, password, pin)

    return make


class Api:
    """A JSON client for /api/v1 that signs in with a bearer token."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self, person: Person) -> str:
        answer = self.client.post(
            "/api/v1/tokens", json={"username": person.username, "password": person.password}
        )
        assert answer.status_code == 201, answer.json
        return answer.json["token"]

    def call(self, method: str, path: str, *, as_=None, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if as_ is not None:
            token = self.token(as_)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def post(self, path, **kwargs):
        return self.call("POST", path, **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)


@pytest.fixture
def api(client) -> Api:
    return Api(client)


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def sign_in(client):
    """Sign a person in through the real sign-in page."""

    def do(person: Person):
        page = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={
                "csrf_token": csrf_from(page.text),
                "username": person.username,
                "password": person.password,
            },
        )
        assert answer.status_code == 302, answer.text
        return answer

    return do
