"""Pages for candidates: HR adds and imports them; panel members see aliases and redacted
applications (after declaring) and say whether to interview; HR sees the tally."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from recruit import permissions
from recruit.candidates import operations
from recruit.candidates import schedule as schedule_ops
from recruit.candidates.forms import (
    ApplicationForm,
    CandidateForm,
    ImportForm,
    SlotForm,
    WithdrawForm,
)
from recruit.core.errors import DomainError, Forbidden
from recruit.core.forms import apply_errors
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels.operations import (
    conflicted_candidate_ids,
    panels_of,
    undeclared_candidates,
)
from recruit.vacancies.models import Status, Vacancy
from recruit.vacancies.operations import get_vacancy
from recruit.vacancies.views import vacancy_for

candidates = Blueprint("candidates", __name__)


def _member_gate(vacancy: Vacancy):
    """A panel member sees candidate material only after declaring about every candidate (one
    added since their declaration is asked about first), and until the decision."""
    if not permissions.can_see_candidate_material(
        current_user, vacancy.id, decided=vacancy.at_or_after(Status.DECIDED)
    ):
        raise Forbidden("Candidate details are closed now that the vacancy has been decided.")
    if undeclared_candidates(current_user.id, vacancy):
        return redirect(url_for("panels.declaration", vacancy_id=vacancy.id))
    return None


@candidates.get("/vacancies/<int:vacancy_id>/candidates")
@login_required
def index(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id)
    if permissions.can_manage_candidates(current_user, vacancy.id):
        return render_template(
            "candidates/hr.html",
            vacancy=vacancy,
            candidates=operations.candidates_of(vacancy),
            tally=operations.shortlist_tally(vacancy),
            form=CandidateForm(),
            import_form=ImportForm(),
            adding=vacancy.status == Status.SHORTLISTING,
        )
    gate = _member_gate(vacancy)
    if gate is not None:
        return gate
    conflicted = conflicted_candidate_ids(current_user.id, vacancy.id)
    views = {v.candidate_id: v.answer for v in operations.my_shortlist_views(current_user, vacancy)}
    return render_template(
        "candidates/panel.html",
        vacancy=vacancy,
        candidates=operations.candidates_of(vacancy, running_only=True),
        conflicted=conflicted,
        views=views,
        redacted=operations.redacted_application,
        shortlisting=vacancy.status == Status.SHORTLISTING,
        easy_read=current_user.role == "person_supported",
    )


@candidates.post("/vacancies/<int:vacancy_id>/candidates")
@login_required
def add(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_manage_candidates)
    form = CandidateForm()
    if form.validate_on_submit():
        try:
            candidate = operations.add_candidate(
                current_user,
                vacancy,
                name=form.name.data,
                alias=form.alias.data or None,
                email=form.email.data,
                phone=form.phone.data,
                notes=form.notes.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(f"{candidate.name} has been added as {candidate.alias}.", "success")
            return redirect(url_for("candidates.index", vacancy_id=vacancy.id))
    return render_template(
        "candidates/hr.html",
        vacancy=vacancy,
        candidates=operations.candidates_of(vacancy),
        tally=operations.shortlist_tally(vacancy),
        form=form,
        import_form=ImportForm(),
        adding=vacancy.status == Status.SHORTLISTING,
    )


@candidates.post("/vacancies/<int:vacancy_id>/candidates/import")
@login_required
def import_csv(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_manage_candidates)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        name = (upload.filename or "").lower()
        if not name.endswith(".csv"):
            form.file.errors = ["The file must be a CSV file (ending .csv)."]
        else:
            try:
                report = operations.import_csv(
                    current_user, vacancy, upload.read(operations.CSV_MAX_BYTES + 1)
                )
            except DomainError as error:
                db.session.rollback()
                apply_errors(form, error)
            else:
                db.session.commit()
    return render_template("candidates/import.html", vacancy=vacancy, form=form, report=report)


def _candidate_for(candidate_id: int, allowed):
    candidate = operations.get_candidate(candidate_id)
    vacancy = get_vacancy(candidate.vacancy_id)
    if not allowed(current_user, vacancy.id):
        raise Forbidden()
    return candidate, vacancy


@candidates.route("/candidates/<int:candidate_id>/application", methods=["GET", "POST"])
@login_required
def application(candidate_id: int):
    candidate, vacancy = _candidate_for(candidate_id, permissions.can_manage_candidates)
    form = ApplicationForm(
        data={"text": candidate.application_text, "redact_terms": candidate.redact_terms}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            operations.set_application(
                current_user,
                candidate,
                vacancy,
                text=form.text.data or "",
                redact_terms=form.redact_terms.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("The application has been saved.", "success")
            return redirect(url_for("candidates.application", candidate_id=candidate.id))
    return render_template(
        "candidates/application.html",
        vacancy=vacancy,
        candidate=candidate,
        form=form,
        preview=operations.redacted_application(candidate),
    )


@candidates.post("/candidates/<int:candidate_id>/view")
@login_required
def shortlist_view(candidate_id: int):
    candidate, vacancy = _candidate_for(candidate_id, permissions.is_member)
    gate = _member_gate(vacancy)
    if gate is not None:
        return gate
    if candidate.id in conflicted_candidate_ids(current_user.id, vacancy.id):
        raise Forbidden("You said you know this person, so you do not give a view on them.")
    try:
        operations.shortlist_view(current_user, candidate, vacancy, request.form.get("answer", ""))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"Thank you. Your answer for {candidate.alias} is saved.", "success")
    return redirect(
        url_for("candidates.index", vacancy_id=vacancy.id) + f"#candidate-{candidate.id}"
    )


@candidates.route("/candidates/<int:candidate_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(candidate_id: int):
    """HR records that a candidate has withdrawn, after reading what follows from it."""
    candidate, vacancy = _candidate_for(candidate_id, permissions.can_manage_candidates)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            operations.withdraw(current_user, candidate, vacancy, reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(
                f"{candidate.name} ({candidate.alias}) has withdrawn. The panels have been told.",
                "success",
            )
            return redirect(url_for("candidates.index", vacancy_id=vacancy.id))
    return render_template(
        "candidates/withdraw.html",
        vacancy=vacancy,
        candidate=candidate,
        form=form,
        decided=vacancy.at_or_after(Status.DECIDED),
        slots=schedule_ops.slots_of_candidate(candidate),
    )


@candidates.post("/candidates/<int:candidate_id>/shortlisting")
@login_required
def shortlisting(candidate_id: int):
    candidate, vacancy = _candidate_for(candidate_id, permissions.can_manage_candidates)
    choice = request.form.get("decision")
    try:
        operations.decide_shortlist(
            current_user, candidate, vacancy, shortlisted=choice == "shortlisted"
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{candidate.name} is now: {candidate.status_label.lower()}.", "success")
    return redirect(url_for("candidates.index", vacancy_id=vacancy.id))


def _slot_form(vacancy: Vacancy) -> SlotForm:
    form = SlotForm()
    form.candidate_id.choices = [(0, "Choose a candidate")] + [
        (c.id, c.alias) for c in operations.candidates_of(vacancy, running_only=True)
    ]
    form.panel_id.choices = [(0, "Choose a panel")] + [(p.id, p.name) for p in panels_of(vacancy)]
    return form


@candidates.route("/vacancies/<int:vacancy_id>/schedule", methods=["GET", "POST"])
@login_required
def schedule(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id)
    may_book = permissions.can_book_interviews(current_user, vacancy.id)
    form = _slot_form(vacancy)
    warnings: list = []
    if request.method == "POST":
        if not may_book:
            raise Forbidden("Only HR and this vacancy's panel leads book interviews.")
        if form.validate_on_submit():
            try:
                starts_at = schedule_ops.parse_local(form.day.data, form.time.data)
                slot, warnings = schedule_ops.add_slot(
                    current_user,
                    vacancy,
                    candidate_id=form.candidate_id.data,
                    panel_id=form.panel_id.data,
                    starts_at=starts_at,
                    minutes=form.minutes.data,
                    place=form.place.data or "",
                )
            except DomainError as error:
                db.session.rollback()
                apply_errors(form, error)
            else:
                db.session.commit()
                flash("The interview has been booked.", "success")
                for warning in warnings:
                    flash(warning.message, "warning")
                return redirect(url_for("candidates.schedule", vacancy_id=vacancy.id))
    panels = panels_of(vacancy)
    slots = schedule_ops.slots_of(vacancy)
    names = {c.id: c.alias for c in operations.candidates_of(vacancy)}
    return render_template(
        "candidates/schedule.html",
        vacancy=vacancy,
        slots=slots,
        panels={p.id: p for p in panels},
        aliases=names,
        warnings=[w for p in panels for w in schedule_ops.pacing_warnings(p, slots)],
        form=form,
        may_book=may_book and vacancy.before(Status.DECIDING),
        local=schedule_ops.local,
    )


@candidates.post("/interviews/<int:slot_id>/cancel")
@login_required
def cancel_slot(slot_id: int):
    slot = schedule_ops.get_slot(slot_id)
    if not permissions.can_book_interviews(current_user, slot.vacancy_id):
        raise Forbidden()
    schedule_ops.remove_slot(current_user, slot)
    db.session.commit()
    flash("The interview has been cancelled.", "success")
    return redirect(url_for("candidates.schedule", vacancy_id=slot.vacancy_id))


@candidates.get("/my/interviews")
@login_required
def my_interviews():
    today = schedule_ops.local(utcnow()).date()
    rows = schedule_ops.interviews_for(current_user)
    return render_template(
        "candidates/my_interviews.html",
        today=[r for r in rows if schedule_ops.local(r[0].starts_at).date() == today],
        later=[r for r in rows if schedule_ops.local(r[0].starts_at).date() > today],
        local=schedule_ops.local,
        easy_read=current_user.role == "person_supported",
    )


@candidates.get("/my/interviews.ics")
@login_required
def my_calendar():
    rows = schedule_ops.interviews_for(current_user)
    body = schedule_ops.ics_calendar(rows, request.host.split(":")[0] or "recruit")
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="interviews.ics"'},
    )
