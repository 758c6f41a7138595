"""Pages every area shares: the home page and the health check."""

from __future__ import annotations

import redis
from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from recruit.extensions import db

core = Blueprint("core", __name__)


@core.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("people.sign_in"))
    return render_template("core/home.html")


def redis_status() -> str:
    client = redis.Redis.from_url(
        current_app.config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=0.5
    )
    try:
        client.ping()
    except redis.RedisError:
        return "down"
    finally:
        client.close()
    return "ok"


@core.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - health reports, never raises
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        database = "down"
    body = {"database": database, "redis": redis_status()}
    return jsonify(body), 200 if database == "ok" else 503
