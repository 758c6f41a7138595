"""Pages for signing in (password, or name and PIN on a shared tablet) and managing people."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from recruit import permissions
from recruit.core.errors import DomainError, Forbidden, InvalidCredentials, NotFound, as_id
from recruit.core.forms import apply_errors, safe_next
from recruit.core.limits import mark_failed, sign_in_limited
from recruit.extensions import db
from recruit.people import operations, sessions
from recruit.people.forms import (
    ConfirmForm,
    OpenTabletForm,
    PinForm,
    ResetPasswordForm,
    ResetPinForm,
    SignInForm,
    UserForm,
)
from recruit.people.models import Role, User

people = Blueprint("people", __name__)

TABLET_KEY = "tablet_key"


@people.route("/sign-in", methods=["GET", "POST"])
@sign_in_limited
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate_password(form.username.data, form.password.data)
        except InvalidCredentials as error:
            mark_failed()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            sessions.start_session(user, by=sessions.PASSWORD)
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
    elif form.is_submitted():
        mark_failed()
    return render_template("people/sign_in.html", form=form)


@people.route("/confirm-it-is-you", methods=["GET", "POST"])
@login_required
@sign_in_limited
def confirm():
    """Type the password again before an export or an admin action, then carry on."""
    go_on = safe_next(request.args.get("next"), url_for("core.home"))
    form = ConfirmForm()
    has_password = current_user.password_hash is not None
    if has_password and form.validate_on_submit():
        try:
            operations.authenticate_password(current_user.username, form.password.data)
        except InvalidCredentials:
            mark_failed()
            form.password.errors = ["That password is not right. Please try again."]
        else:
            db.session.commit()
            sessions.confirm_password_sign_in()
            return redirect(go_on)
    elif form.is_submitted():
        mark_failed()
    return render_template(
        "people/confirm.html",
        form=form,
        has_password=has_password,
        by_pin=session.get(sessions.SIGNED_IN_BY) == sessions.PIN,
    )


@people.post("/sign-out")
@login_required
def sign_out():
    logout_user()
    key = session.get(TABLET_KEY)
    if key:
        flash("You have signed out. The next person can choose their name.", "success")
        return redirect(url_for("people.tablet", key=key))
    flash("You have signed out.", "success")
    return redirect(url_for("people.sign_in"))


@people.route("/tablet/open", methods=["GET", "POST"])
@login_required
def open_tablet():
    if not permissions.can_open_tablet(current_user):
        raise Forbidden()
    form = OpenTabletForm()
    candidates = db.session.scalars(
        select(User)
        .where(User.pin_hash.is_not(None), User.is_active_account.is_(True))
        .where(User.role.in_([Role.PERSON_SUPPORTED, Role.STAFF, Role.PANEL_LEAD]))
        .order_by(User.display_name)
    ).all()
    form.people.choices = [(u.id, f"{u.display_name} ({u.role_label})") for u in candidates]
    if not form.is_submitted():
        _prefill_from_panel(form, as_id(request.args.get("panel", "")))
    if form.validate_on_submit():
        try:
            key, tablet = operations.open_tablet(current_user, form.label.data, form.people.data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            db.session.commit()
            return render_template("people/tablet_opened.html", key=key, tablet=tablet)
    return render_template("people/open_tablet.html", form=form)


def _prefill_from_panel(form: OpenTabletForm, panel_id: int | None) -> None:
    """Opened from a panel's page: tick that panel's members (those who have a PIN)."""
    from recruit.panels.models import Panel

    panel = db.session.get(Panel, panel_id) if panel_id else None
    if panel is None or not (
        permissions.is_hr(current_user) or permissions.is_lead(current_user, panel.vacancy_id)
    ):
        return
    available = {value for value, _ in form.people.choices}
    form.people.data = [m.user_id for m in panel.members if m.user_id in available]
    form.label.data = form.label.data or panel.name


@people.post("/tablet/<key>/hand-over")
@login_required
def hand_over(key: str):
    if not permissions.can_open_tablet(current_user):
        raise Forbidden()
    operations.tablet_for_key(key)
    logout_user()
    session[TABLET_KEY] = key
    return redirect(url_for("people.tablet", key=key))


@people.get("/tablet/<key>")
def tablet(key: str):
    tablet_session = operations.tablet_for_key(key)
    session[TABLET_KEY] = key
    return render_template("people/tablet.html", tablet=tablet_session, key=key)


@people.route("/tablet/<key>/<int:user_id>", methods=["GET", "POST"])
@sign_in_limited
def tablet_pin(key: str, user_id: int):
    tablet_session = operations.tablet_for_key(key)
    try:
        person = operations.tablet_member(tablet_session, user_id)
    except NotFound:
        abort(404)
    form = PinForm()
    if form.validate_on_submit():
        try:
            operations.authenticate_pin(person, form.pin.data.strip())
        except InvalidCredentials as error:
            db.session.commit()  # keep the failure count and any lock
            mark_failed()
            form.pin.errors = [error.message]
        else:
            db.session.commit()
            sessions.start_session(person, by=sessions.PIN)
            session[TABLET_KEY] = key
            return redirect(url_for("core.home"))
    elif form.is_submitted():
        mark_failed()
    return render_template(
        "people/tablet_pin.html", form=form, person=person, tablet=tablet_session, key=key
    )


def _require_people_admin() -> None:
    if not permissions.can_list_users(current_user):
        raise Forbidden("Only admins and HR can manage people.")
    sessions.require_fresh()


@people.get("/admin/users")
@login_required
def users():
    _require_people_admin()
    everyone = db.session.scalars(select(User).order_by(User.display_name)).all()
    return render_template("people/users.html", users=everyone)


@people.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    _require_people_admin()
    form = UserForm()
    form.role.choices = [
        c for c in form.role.choices if permissions.can_create_user(current_user, c[0])
    ]
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                current_user,
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                email=form.email.data or None,
                password=form.password.data or None,
                pin=form.pin.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(f"{user.display_name} has been added.", "success")
            return redirect(url_for("people.users"))
    return render_template("people/new_user.html", form=form)


def _managed_user(user_id: int) -> User:
    _require_people_admin()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("We could not find that person.")
    if not permissions.can_manage_user(current_user, user):
        raise Forbidden()
    return user


@people.route("/admin/users/<int:user_id>/pin", methods=["GET", "POST"])
@login_required
def reset_pin(user_id: int):
    user = _managed_user(user_id)
    form = ResetPinForm()
    if form.validate_on_submit():
        try:
            operations.set_pin(current_user, user, form.pin.data.strip())
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(f"{user.display_name}'s PIN has been changed.", "success")
            return redirect(url_for("people.users"))
    return render_template("people/reset_secret.html", form=form, user=user, what="PIN")


@people.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def reset_password(user_id: int):
    user = _managed_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            operations.set_password(current_user, user, form.password.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(f"{user.display_name}'s password has been changed.", "success")
            return redirect(url_for("people.users"))
    return render_template("people/reset_secret.html", form=form, user=user, what="password")
