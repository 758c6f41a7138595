"""Pages every area shares: the home page and the health checks."""

from __future__ import annotations

import redis
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select, text

from recruit import permissions
from recruit.core.errors import DomainError, Forbidden
from recruit.extensions import db

core = Blueprint("core", __name__)


@core.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("people.sign_in"))
    from recruit.panels.models import Declaration
    from recruit.vacancies.operations import vacancies_by_stage

    mine = [v for rows in vacancies_by_stage(member=current_user).values() for v in rows]
    declared = set(
        db.session.scalars(
            select(Declaration.vacancy_id).where(Declaration.user_id == current_user.id)
        ).all()
    )
    from recruit.core.notices import unread

    return render_template(
        "core/home.html", mine=mine, declared=declared, notices=unread(current_user)
    )


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


@core.get("/livez")
def livez():
    """The process answers: no database, no Redis. For a load balancer's liveness probe, and
    the ceiling the benchmarks measure the app's other answers against."""
    return jsonify({"status": "ok"}), 200


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


AUDIT_PAGE = 100
MAX_PAGE = 100_000  # a larger page number would only overflow the OFFSET; it is empty anyway


@core.get("/audit")
@core.get("/vacancies/<int:vacancy_id>/history")
@login_required
def audit_log(vacancy_id: int | None = None):
    """The audit trail, newest first: all of it, or one vacancy's."""
    from recruit.core.audit import AuditRecord
    from recruit.core.checkpoints import last_checkpoint
    from recruit.people.models import User
    from recruit.vacancies.operations import get_vacancy

    if not permissions.can_see_audit(current_user):
        raise Forbidden("Only admins and HR can see the history of changes.")
    vacancy = get_vacancy(vacancy_id) if vacancy_id is not None else None
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    query = select(AuditRecord).order_by(AuditRecord.id.desc())
    if vacancy is not None:
        query = query.where(AuditRecord.vacancy_id == vacancy.id)
    records = db.session.scalars(query.offset((page - 1) * AUDIT_PAGE).limit(AUDIT_PAGE + 1)).all()
    actors = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({r.actor_id for r in records if r.actor_id}))
        ).all()
    }
    return render_template(
        "core/audit.html",
        records=records[:AUDIT_PAGE],
        more=len(records) > AUDIT_PAGE,
        page=page,
        actors=actors,
        vacancy=vacancy,
        checkpoint=last_checkpoint() if vacancy is None else None,
        check_every=current_app.config["AUDIT_VERIFY_HOURS"],
    )


@core.route("/admin/policy", methods=["GET", "POST"])
@login_required
def policy():
    from recruit.core import organisation
    from recruit.core.forms import PolicyForm, apply_errors
    from recruit.people.sessions import require_fresh

    if current_user.role != "admin":
        raise Forbidden("Only admins set the organisation's policy.")
    require_fresh()
    current = organisation.policy()
    form = PolicyForm(obj=current)
    if form.validate_on_submit():
        try:
            organisation.set_policy(
                current_user,
                min_people_supported_share=float(form.min_people_supported_share.data),
                retention_months=form.retention_months.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("The policy has been saved.", "success")
            return redirect(url_for("core.policy"))
    db.session.commit()  # the policy row may just have been created with its defaults
    return render_template("core/policy.html", form=form)


@core.get("/messages")
@login_required
def messages():
    from recruit.core.notices import all_for

    return render_template("core/messages.html", notices=all_for(current_user))


@core.post("/messages/<int:notice_id>/read")
@login_required
def read_message(notice_id: int):
    from recruit.core.notices import mark_read

    if not mark_read(current_user, notice_id):
        raise Forbidden("That message is not yours.")
    db.session.commit()
    target = "core.messages" if request.form.get("next") == "messages" else "core.home"
    return redirect(url_for(target))
