"""Admin pages for operations and privacy: the outbox and dead letters, subject access
exports and erasure on request."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from recruit.candidates.operations import get_candidate
from recruit.candidates.retention import erase_candidate
from recruit.candidates.retention import subject_access as candidate_access
from recruit.core import audit
from recruit.core.errors import DomainError, Forbidden, NotFound
from recruit.core.outbox import (
    DEAD,
    DONE,
    PENDING,
    QUEUED,
    SENDING,
    OutboxMessage,
    retry_dead,
)
from recruit.extensions import db
from recruit.people.models import User
from recruit.people.privacy import erase_person, subject_access
from recruit.people.sessions import require_fresh

admin = Blueprint("admin", __name__, url_prefix="/admin")


def _require_admin() -> None:
    if current_user.role != "admin":
        raise Forbidden("Only admins can do this.")
    require_fresh()


OUTBOX_PAGE_SIZE = 50
OUTBOX_STATES = {
    "waiting": (PENDING, QUEUED),
    "sending": (SENDING,),
    "sent": (DONE,),
    "failed": (DEAD,),
}


@admin.get("/outbox")
@login_required
def outbox():
    """Every message going out, filtered by state and kind, newest first, 50 a page."""
    if current_user.role not in ("admin", "hr"):
        raise Forbidden("Only admins and HR can see the messages waiting to go out.")
    require_fresh()
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.status
            )
        ).all()
    )
    tasks = db.session.scalars(
        select(OutboxMessage.task).distinct().order_by(OutboxMessage.task)
    ).all()
    state = request.args.get("state", "")
    task = request.args.get("task", "")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(OutboxMessage)
    if state in OUTBOX_STATES:
        query = query.where(OutboxMessage.status.in_(OUTBOX_STATES[state]))
    if task in tasks:
        query = query.where(OutboxMessage.task == task)
    found = db.session.scalars(
        query.order_by(OutboxMessage.id.desc())
        .offset((page - 1) * OUTBOX_PAGE_SIZE)
        .limit(OUTBOX_PAGE_SIZE + 1)
    ).all()
    dead = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == DEAD).order_by(OutboxMessage.id.desc())
    ).all()
    return render_template(
        "core/outbox.html",
        counts=counts,
        dead=dead,
        recent=found[:OUTBOX_PAGE_SIZE],
        more=len(found) > OUTBOX_PAGE_SIZE,
        page=page,
        state=state if state in OUTBOX_STATES else "",
        task=task if task in tasks else "",
        tasks=tasks,
    )


@admin.post("/outbox/<int:message_id>/retry")
@login_required
def retry(message_id: int):
    if current_user.role not in ("admin", "hr"):
        raise Forbidden()
    require_fresh()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound()
    retry_dead(message)
    audit.record("outbox.retried", message, actor=current_user, after={"task": message.task})
    db.session.commit()
    flash("The message will be tried again.", "success")
    return redirect(url_for("admin.outbox"))


def _download(data: dict, filename: str) -> Response:
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@admin.get("/users/<int:user_id>/export.json")
@login_required
def export_person(user_id: int):
    _require_admin()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    audit.record("user.exported", user, actor=current_user)
    db.session.commit()
    return _download(subject_access(user), f"person-{user.id}.json")


def _require_privacy_officer() -> None:
    """Candidates' data requests are handled by admins and by HR, who hold that data."""
    if current_user.role not in ("admin", "hr"):
        raise Forbidden("Only admins and HR can do this.")
    require_fresh()


@admin.get("/candidates/<int:candidate_id>/export.json")
@login_required
def export_candidate(candidate_id: int):
    _require_privacy_officer()
    candidate = get_candidate(candidate_id)
    audit.record("candidate.exported", candidate, actor=current_user)
    db.session.commit()
    return _download(candidate_access(candidate), f"candidate-{candidate.id}.json")


@admin.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
def erase_user(user_id: int):
    _require_admin()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()[:500]
        if not reason:
            flash("Say why this person is being erased (for the record).", "error")
        else:
            try:
                erase_person(current_user, user, reason=reason)
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                db.session.commit()
                flash("The person has been erased.", "success")
                return redirect(url_for("people.users"))
    return render_template("core/erase.html", what=user.display_name, kind="person")


@admin.route("/candidates/<int:candidate_id>/erase", methods=["GET", "POST"])
@login_required
def erase_one_candidate(candidate_id: int):
    _require_privacy_officer()
    candidate = get_candidate(candidate_id)
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()[:500]
        if not reason:
            flash("Say why this candidate is being erased (for the record).", "error")
        else:
            erase_candidate(current_user, candidate, reason=reason)
            db.session.commit()
            flash("The candidate's personal details have been erased.", "success")
            return redirect(url_for("candidates.index", vacancy_id=candidate.vacancy_id))
    return render_template("core/erase.html", what=candidate.name, kind="candidate")
