"""recruit: co-produced recruitment for health and social care providers."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import INSTANCE, load_config
from recruit.extensions import csrf, db, limiter, login_manager, migrate, talisman

ROOT = Path(__file__).resolve().parent.parent

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: dict[str, Any] | None = None, env: str | None = None) -> Flask:
    """Build the application: settings, database, security, areas, commands."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(INSTANCE),
    )
    configure_settings(app, config, env)
    configure_logging(app)
    configure_database(app)
    configure_security(app)
    configure_templates(app)
    configure_celery(app)
    connect_signals()
    register_areas(app)
    register_commands(app)
    return app


def connect_signals() -> None:
    """Import the modules whose receivers answer the core's signals (recruit/core/signals.py),
    so that every process (web, worker, CLI) has them connected, whatever it imports first."""
    from recruit.decisions import operations as decisions  # noqa: F401 - set_aside_decision
    from recruit.panels import messages  # noqa: F401 - tell_panels_of_withdrawal


def configure_settings(app: Flask, overrides: dict[str, Any] | None, env: str | None) -> None:
    app.config.from_object(load_config(env))
    if overrides:
        app.config.update(overrides)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def configure_logging(app: Flask) -> None:
    from recruit.core import logs

    if not app.debug and not app.testing:
        logs.configure(app.config["LOG_FORMAT"], logging.INFO)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: write-ahead log for concurrent readers, foreign keys enforced, wait on locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def configure_database(app: Flask) -> None:
    from recruit.core import models  # noqa: F401 - every area's models, for Alembic

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.setdefault("connect_args", {"timeout": 15})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)


def configure_security(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from recruit.people.models import User

    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "people.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = app.config["SESSION_PROTECTION"]

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.is_active_account else None

    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )


def configure_templates(app: Flask) -> None:
    from recruit import permissions

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES)

    @app.context_processor
    def organisation() -> dict:
        return {"org_name": app.config["ORG_NAME"]}


def configure_celery(app: Flask) -> None:
    from recruit.core.celery import init_celery

    init_celery(app)


def register_areas(app: Flask) -> None:
    from recruit.candidates import api as candidates_api  # noqa: F401 - registers endpoints
    from recruit.candidates.views import candidates
    from recruit.core.admin import admin
    from recruit.core.api import api
    from recruit.core.errors import register_error_handlers
    from recruit.core.views import core
    from recruit.decisions import api as decisions_api  # noqa: F401
    from recruit.decisions.views import decisions
    from recruit.insights.views import insights
    from recruit.involvement import api as involvement_api  # noqa: F401
    from recruit.involvement.views import involvement
    from recruit.panels import api as panels_api  # noqa: F401
    from recruit.panels.views import panels
    from recruit.people import api as people_api  # noqa: F401
    from recruit.people.views import people
    from recruit.qualities import api as qualities_api  # noqa: F401
    from recruit.qualities.views import qualities
    from recruit.scoring import api as scoring_api  # noqa: F401
    from recruit.scoring.views import scoring
    from recruit.vacancies import api as vacancies_api  # noqa: F401
    from recruit.vacancies.views import vacancies

    register_error_handlers(app)
    app.register_blueprint(core)
    app.register_blueprint(people)
    app.register_blueprint(vacancies)
    app.register_blueprint(qualities)
    app.register_blueprint(panels)
    app.register_blueprint(candidates)
    app.register_blueprint(scoring)
    app.register_blueprint(decisions)
    app.register_blueprint(involvement)
    app.register_blueprint(insights)
    app.register_blueprint(admin)
    app.register_blueprint(api)


def register_commands(app: Flask) -> None:
    from recruit.core.cli import register

    register(app)
