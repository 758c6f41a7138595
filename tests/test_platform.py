"""Security headers, the health check, settings, migrations and the OpenAPI document."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import MissingSecretKey, database_url, load_config
from recruit.extensions import db
from tests.conftest import ROOT_ENV, csrf_from
from tests.support import servers


def test_every_page_and_answer_carries_the_security_headers(client):
    for path in ("/sign-in", "/healthz", "/api/v1/openapi.json", "/api/v1/nothing", "/nothing"):
        answer = client.get(path)
        csp = answer.headers["Content-Security-Policy"]
        directives = dict(
            (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
        )
        script = directives.get("script-src", directives.get("default-src", ""))
        assert "'unsafe-inline'" not in script, path
        assert "frame-ancestors 'none'" in csp or answer.headers.get("X-Frame-Options") == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff", path
        assert answer.headers["Referrer-Policy"], path


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    answer = client.get("/sign-in")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development and tests run over plain http


def test_production_cookie_is_secure(monkeypatch, database_urls, redis_server):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test")
    from recruit import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_urls["sqlite"],
            "REDIS_URL": redis_server.url,
            "FORCE_HTTPS": False,
        },
        env="production",
    )
    answer = app.test_client().get("/sign-in")
    assert "Secure" in answer.headers["Set-Cookie"]


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(MissingSecretKey):
        load_config("production")
    monkeypatch.setenv("SECRET_KEY", "set")
    assert load_config("production").ENV_NAME == "production"


def test_database_url_defaults_to_sqlite_and_uses_psycopg_for_postgresql():
    assert database_url(None).startswith("sqlite:///")
    assert database_url("postgres://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
    assert database_url("postgresql://u:p@h/d") == "postgresql+psycopg://u:p@h/d"


def test_health_reports_database_and_redis(client, redis_server):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"database": "ok", "redis": "ok"}


def test_health_says_when_redis_is_down(app, backend, database_urls):
    from tests.conftest import build_app

    down = build_app(database_urls[backend], f"redis://127.0.0.1:{servers.free_port()}/0")
    answer = down.test_client().get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"database": "ok", "redis": "down"}


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = [
            d
            for d in compare_metadata(context, db.metadata)
            # SQLite cannot reflect expression indexes; PostgreSQL checks those.
            if not (d[0] in ("add_index", "remove_index") and d[1].name == "uq_user_username_lower")
        ]
    assert differences == []


def test_openapi_describes_every_endpoint(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert ("POST", "/api/v1/tokens") in documented
    assert ("POST", "/api/v1/users") in documented
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_json":
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, path) in documented, (method, path)
    tokens = document["paths"]["/api/v1/tokens"]["post"]
    assert set(tokens["responses"]) >= {"201", "400", "401", "422", "429"}


# --- operator commands, run as an operator would ---------------------------------------------


def flask(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT_ENV["cwd"],
    )


@pytest.fixture
def operator_env(tmp_path, backend, redis_server):
    import os

    if backend == "postgresql":
        name = f"recruit_cli_{os.getpid()}"
        url = servers.create_pg_database(name)
    else:
        url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_server.url}
    env.pop("RECRUIT_ENV", None)
    yield env
    if backend == "postgresql":
        servers.drop_pg_database(name)


def test_init_db_create_admin_and_seed_demo(operator_env, backend):
    first = flask("init-db", env=operator_env)
    assert first.returncode == 0, first.stderr
    again = flask("init-db", env=operator_env)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout

    made = flask("create-admin", "boss", "--password", "first-password", env=operator_env)
    assert made.returncode == 0, made.stderr
    assert "Created admin boss" in made.stdout
    reset = flask("create-admin", "boss", "--password", "second-password", env=operator_env)
    assert reset.returncode == 0 and "Reset" in reset.stdout
    short = flask("create-admin", "boss2", "--password", "short", env=operator_env)
    assert short.returncode != 0 and "8" in short.stderr

    seeded = flask("seed-demo", env=operator_env)
    assert seeded.returncode == 0, seeded.stderr
    assert "hana" in seeded.stdout and "PIN" in seeded.stdout
    twice = flask("seed-demo", env=operator_env)
    assert twice.returncode == 0 and "already there" in twice.stdout

    from tests.conftest import build_app

    app = build_app(
        operator_env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"),
        operator_env["REDIS_URL"],
    )
    client = app.test_client()
    old = client.post("/api/v1/tokens", json={"username": "boss", "password": "first-password"})
    new = client.post("/api/v1/tokens", json={"username": "boss", "password": "second-password"})
    assert old.status_code == 401 and new.status_code == 201
    assert new.get_json()["user"]["role"] == "admin"
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"csrf_token": csrf_from(page.text), "username": "hana", "password": "demo-hr-pw"},
    )
    assert answer.status_code == 302
    with app.app_context():
        db.engine.dispose()


def test_seed_demo_makes_a_vacancy_at_each_stage_through_the_rules(app):
    from sqlalchemy import select

    from recruit.core.demo import STAGES, seed
    from recruit.vacancies.models import Vacancy

    with app.app_context():
        assert seed() is True
        db.session.commit()
        stages = sorted(db.session.scalars(select(Vacancy.status)).all())
        assert stages == sorted(STAGES)
        assert seed() is False
        db.session.commit()
        assert len(db.session.scalars(select(Vacancy.id)).all()) == len(STAGES)


def test_behind_a_trusted_proxy_the_client_address_counts(backend, database_urls, redis_server):
    """Sign-in limits are per client address: behind one proxy, X-Forwarded-For names it."""
    from recruit.extensions import limiter
    from tests.conftest import build_app

    limiter.reset()
    app = build_app(database_urls[backend], redis_server.url, TRUSTED_PROXIES=1)
    client = app.test_client()
    for _ in range(10):
        answer = client.post(
            "/api/v1/tokens",
            json={"username": "x", "password": "wrong-pass"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        assert answer.status_code == 401
    blocked = client.post(
        "/api/v1/tokens",
        json={"username": "y", "password": "wrong-pass"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    other = client.post(
        "/api/v1/tokens",
        json={"username": "y", "password": "wrong-pass"},
        headers={"X-Forwarded-For": "203.0.113.8"},
    )
    assert blocked.status_code == 429 and other.status_code == 401
    limiter.reset()


def test_json_logs_are_one_object_a_line(capsys):
    import json
    import logging

    from recruit.core import logs

    previous = logging.getLogger().handlers[:]
    try:
        logs.configure("json")
        logging.getLogger("recruit.test").info("outbox: dispatched %d message(s)", 3)
        line = capsys.readouterr().err.strip().splitlines()[-1]
    finally:
        logging.getLogger().handlers[:] = previous
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "recruit.test"
    assert record["message"] == "outbox: dispatched 3 message(s)" and record["time"]
