"""Pages for panels: set-up with weights as shares, members and supporters, declarations,
and training reminders for the lead."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from recruit import permissions
from recruit.candidates.operations import candidates_of
from recruit.core import organisation
from recruit.core.errors import DomainError, Forbidden, NotFound
from recruit.core.forms import apply_errors
from recruit.extensions import db
from recruit.panels import operations
from recruit.panels.forms import DeclarationForm, MemberForm, PanelForm, TrainingForm
from recruit.panels.models import Declaration, PanelMember
from recruit.people.models import Role, User
from recruit.people.sessions import require_fresh
from recruit.vacancies.models import Status, Vacancy
from recruit.vacancies.operations import get_vacancy
from recruit.vacancies.views import vacancy_for

panels = Blueprint("panels", __name__)


@panels.get("/vacancies/<int:vacancy_id>/panels")
@login_required
def index(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id)
    rows = operations.panels_of(vacancy)
    total = sum(p.weight for p in rows)
    user_ids = [m.user_id for p in rows for m in p.members]
    declared = set(
        db.session.scalars(
            select(Declaration.user_id).where(Declaration.vacancy_id == vacancy.id)
        ).all()
    )
    sees_details = permissions.is_hr(current_user) or permissions.is_lead(current_user, vacancy.id)
    return render_template(
        "panels/index.html",
        vacancy=vacancy,
        panels=rows,
        total=total,
        share=operations.people_supported_share(vacancy, rows),
        minimum=organisation.policy().min_people_supported_share,
        training=operations.training_by_user(user_ids) if sees_details else {},
        declared=declared,
        sees_details=sees_details,
        editable=vacancy.before(Status.INTERVIEWING),
    )


def _panel_values(form: PanelForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "weight": float(form.weight.data) if form.weight.data is not None else None,
        "scale": int(form.scale.data) if form.scale.data else None,
        "max_interviews_per_day": form.max_interviews_per_day.data,
        "break_minutes": form.break_minutes.data or 0,
    }


@panels.route("/vacancies/<int:vacancy_id>/panels/new", methods=["GET", "POST"])
@login_required
def new(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_manage_panels)
    form = PanelForm()
    if form.validate_on_submit():
        try:
            operations.create_panel(current_user, vacancy, **_panel_values(form))
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("The panel has been added.", "success")
            return redirect(url_for("panels.index", vacancy_id=vacancy.id))
    return _form_page(vacancy, form, None)


def _form_page(vacancy: Vacancy, form: PanelForm, panel):
    others = [p for p in operations.panels_of(vacancy) if panel is None or p.id != panel.id]
    return render_template(
        "panels/form.html", vacancy=vacancy, form=form, panel=panel, others=others
    )


def _panel_for(panel_id: int, allowed=permissions.can_manage_panels):
    panel = operations.get_panel(panel_id)
    vacancy = get_vacancy(panel.vacancy_id)
    if not allowed(current_user, vacancy.id):
        raise Forbidden()
    return panel, vacancy


@panels.route("/panels/<int:panel_id>/edit", methods=["GET", "POST"])
@login_required
def edit(panel_id: int):
    panel, vacancy = _panel_for(panel_id)
    form = PanelForm(obj=panel)
    if not form.is_submitted():
        form.scale.data = str(panel.scale)
    if form.validate_on_submit():
        try:
            operations.update_panel(current_user, panel, vacancy, **_panel_values(form))
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("The panel has been changed.", "success")
            return redirect(url_for("panels.index", vacancy_id=vacancy.id))
    return _form_page(vacancy, form, panel)


@panels.route("/panels/<int:panel_id>/members/new", methods=["GET", "POST"])
@login_required
def add_member(panel_id: int):
    panel, vacancy = _panel_for(panel_id)
    form = MemberForm()
    seated = set(
        db.session.scalars(
            select(PanelMember.user_id).where(PanelMember.vacancy_id == vacancy.id)
        ).all()
    )
    people = db.session.scalars(
        select(User)
        .where(User.role.in_([Role.PANEL_LEAD, Role.STAFF, Role.PERSON_SUPPORTED]))
        .where(User.is_active_account.is_(True))
        .order_by(User.display_name)
    ).all()
    form.user_id.choices = [(0, "Choose a person")] + [
        (u.id, f"{u.display_name} ({u.role_label})") for u in people if u.id not in seated
    ]
    form.supporter_id.choices = [(0, "No supporter")] + [
        (u.id, u.display_name) for u in people if u.role != Role.PERSON_SUPPORTED
    ]
    if form.validate_on_submit():
        if not form.user_id.data:  # "Choose a person" is not a person
            form.user_id.errors = ["Choose the person to add"]
        else:
            try:
                operations.add_member(
                    current_user,
                    panel,
                    vacancy,
                    user_id=form.user_id.data,
                    role=form.role.data,
                    supporter_id=form.supporter_id.data or None,
                )
            except DomainError as error:
                db.session.rollback()
                apply_errors(form, error)
            else:
                db.session.commit()
                flash("The person has been added to the panel.", "success")
                return redirect(url_for("panels.index", vacancy_id=vacancy.id))
    return render_template("panels/member.html", vacancy=vacancy, panel=panel, form=form)


@panels.post("/panel-members/<int:member_id>/remove")
@login_required
def remove_member(member_id: int):
    member = db.session.get(PanelMember, member_id)
    if member is None:
        raise NotFound()
    vacancy = get_vacancy(member.vacancy_id)
    if not permissions.can_manage_panels(current_user, vacancy.id):
        raise Forbidden()
    try:
        operations.remove_member(current_user, member, vacancy)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("The person has been taken off the panel.", "success")
    return redirect(url_for("panels.index", vacancy_id=vacancy.id))


@panels.route("/vacancies/<int:vacancy_id>/declaration", methods=["GET", "POST"])
@login_required
def declaration(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_declare)
    candidates = candidates_of(vacancy, running_only=True)
    current = operations.current_declaration(current_user.id, vacancy.id)
    earlier = {c.candidate_id for c in current.conflicts} if current else set()
    # After a first declaration, ask only about the candidates added since; from interviewing
    # on, a conflict once declared stays (it is shown, not offered to untick).
    new = operations.undeclared_candidates(current_user.id, vacancy) if current else []
    fixed = earlier if new or not vacancy.before(Status.INTERVIEWING) else set()
    asked = new or [c for c in candidates if c.id not in fixed]
    form = DeclarationForm()
    form.conflicts.choices = [(c.id, c.alias) for c in asked]
    if not form.is_submitted() and current is not None:
        form.confidentiality.data = True
        form.conflicts.data = [c.id for c in asked if c.id in earlier]
    if form.validate_on_submit():
        try:
            operations.declare(
                current_user,
                vacancy,
                confidentiality=bool(form.confidentiality.data),
                conflicts=sorted(fixed | set(form.conflicts.data or [])),
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("Thank you. You can now see the candidates.", "success")
            return redirect(url_for("candidates.index", vacancy_id=vacancy.id))
    return render_template(
        "panels/declaration.html",
        vacancy=vacancy,
        form=form,
        current=current,
        new=new,
        known=[c for c in candidates if c.id in fixed],
        easy_read=current_user.role == Role.PERSON_SUPPORTED,
    )


@panels.route("/admin/users/<int:user_id>/training", methods=["GET", "POST"])
@login_required
def training(user_id: int):
    if not permissions.can_record_training(current_user):
        raise Forbidden("Only admins and HR record training.")
    require_fresh()
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound("We could not find that person.")
    form = TrainingForm()
    if form.validate_on_submit():
        try:
            operations.record_training(
                current_user, person, course=form.course.data, completed_on=form.completed_on.data
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(f"Training recorded for {person.display_name}.", "success")
            return redirect(url_for("panels.training", user_id=person.id))
    done = operations.training_by_user([person.id]).get(person.id, [])
    return render_template("panels/training.html", person=person, form=form, done=done)
