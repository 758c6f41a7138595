"""Pages for vacancies: HR's dashboard by stage, create and edit, the overview, moving on."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from recruit import permissions
from recruit.core.errors import DomainError, Forbidden
from recruit.core.forms import apply_errors
from recruit.extensions import db
from recruit.vacancies import operations, workflow
from recruit.vacancies.forms import VacancyForm
from recruit.vacancies.models import Status, Vacancy

vacancies = Blueprint("vacancies", __name__)


def vacancy_for(vacancy_id: int, allowed=permissions.can_view_vacancy) -> Vacancy:
    """The vacancy, or 404; 403 unless the signed-in user may do this to it."""
    vacancy = operations.get_vacancy(vacancy_id)
    if not allowed(current_user, vacancy.id):
        raise Forbidden("This vacancy is not one of yours.")
    return vacancy


@vacancies.get("/vacancies")
@login_required
def dashboard():
    """Every stage with its count and first vacancies; with a stage chosen, a page of them."""
    member = None if permissions.is_hr(current_user) else current_user
    filters = operations.Filters.from_args(request.args)
    context = {"filters": filters, "services": operations.services(member), "Status": Status}
    if filters.stage:
        total, rows = operations.vacancy_page(filters, member)
        pages = max(1, -(-total // operations.PAGE_SIZE))
        return render_template(
            "vacancies/dashboard.html",
            stages={filters.stage: (total, rows)},
            page=filters.page,
            pages=pages,
            **context,
        )
    return render_template(
        "vacancies/dashboard.html",
        stages=operations.dashboard(filters, member),
        page=None,
        pages=1,
        **context,
    )


@vacancies.get("/vacancies/report")
def report():
    """The co-production report is part of the insights page now: bookmarks of the old
    address go there for good. Who may see the figures is decided there, so the redirect is
    the same for everyone (a browser keeps a 301, whoever signs in next)."""
    return redirect(url_for("insights.page", _anchor="panels"), code=301)


@vacancies.route("/vacancies/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_create_vacancy(current_user):
        raise Forbidden("Only HR can create vacancies.")
    form = VacancyForm()
    if form.validate_on_submit():
        try:
            vacancy = operations.create_vacancy(current_user, **_values(form))
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash(f"The vacancy “{vacancy.title}” has been created as a draft.", "success")
            return redirect(url_for("vacancies.show", vacancy_id=vacancy.id))
    return render_template("vacancies/form.html", form=form, vacancy=None)


@vacancies.route("/vacancies/<int:vacancy_id>/edit", methods=["GET", "POST"])
@login_required
def edit(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_edit_vacancy)
    form = VacancyForm(obj=vacancy)
    if form.validate_on_submit():
        try:
            operations.update_vacancy(current_user, vacancy, **_values(form))
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("Your changes have been saved.", "success")
            return redirect(url_for("vacancies.show", vacancy_id=vacancy.id))
    return render_template("vacancies/form.html", form=form, vacancy=vacancy)


def _values(form: VacancyForm) -> dict:
    return {
        "title": form.title.data,
        "service": form.service.data,
        "description": form.description.data or "",
        "easy_read_summary": form.easy_read_summary.data or "",
        "closes_on": form.closes_on.data,
        "posts": form.posts.data,
    }


@vacancies.get("/vacancies/<int:vacancy_id>")
@login_required
def show(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id)
    summary = operations.overview(vacancy)
    appointed = []
    if vacancy.status in (Status.DECIDED, Status.CLOSED) and permissions.can_add_probation_view(
        current_user, vacancy.id
    ):
        from recruit.insights.operations import appointed_on

        appointed = appointed_on(vacancy)
    return render_template(
        "vacancies/show.html",
        vacancy=vacancy,
        summary=summary,
        appointed=appointed,
        next_stages=workflow.next_stages(vacancy),
        Status=Status,
    )


@vacancies.post("/vacancies/<int:vacancy_id>/move")
@login_required
def move(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_move_vacancy)
    target = request.form.get("to", "")
    try:
        operations.transition(current_user, vacancy, target)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"The vacancy is now at the stage: {vacancy.status_label}.", "success")
    return redirect(url_for("vacancies.show", vacancy_id=vacancy_id))


def _by_id(predicate):
    return lambda user, vacancy: predicate(user, vacancy.id)


def _after(status: Status, predicate):
    return lambda user, vacancy: vacancy.at_or_after(status) and predicate(user, vacancy.id)


def _staff_side(predicate):
    """Pages for running the process, not written in easy-read: not shown as tabs to people
    supported (they reach what they need from their home page and the overview)."""
    return lambda user, vacancy: user.role != "person_supported" and predicate(user, vacancy.id)


def _from_shortlisting(user, vacancy: Vacancy) -> bool:
    """People supported see candidates once there are some to read about; staff always."""
    early = user.role == "person_supported" and not vacancy.at_or_after(Status.SHORTLISTING)
    return not early and permissions.can_view_vacancy(user, vacancy.id)


NAV = [
    ("overview", "Overview", "vacancies.show", _by_id(permissions.can_view_vacancy)),
    ("qualities", "Qualities", "qualities.index", _by_id(permissions.can_view_vacancy)),
    ("panels", "Panels", "panels.index", _staff_side(permissions.can_view_vacancy)),
    ("candidates", "Candidates", "candidates.index", _from_shortlisting),
    ("schedule", "Interviews", "candidates.schedule", _staff_side(permissions.can_view_vacancy)),
    (
        "scoring",
        "Who has sent scores",
        "scoring.status",
        _after(Status.INTERVIEWING, permissions.can_watch_scoring),
    ),
    (
        "decision",
        "Scores and decision",
        "decisions.page",
        _after(Status.INTERVIEWING, permissions.can_see_results),
    ),
    (
        "results",
        "Results",
        "decisions.released",
        lambda user, vacancy: vacancy.results_shared and permissions.is_member(user, vacancy.id),
    ),
    (
        "outcome",
        "What we decided",
        "decisions.outcome",
        _after(Status.DECIDED, permissions.can_view_vacancy),
    ),
    ("audit", "History", "core.audit_log", _by_id(permissions.can_see_vacancy_audit)),
]


@vacancies.app_template_global()
def vacancy_nav_items(vacancy: Vacancy) -> list[tuple[str, str, str]]:
    """The vacancy's sections this user may open: (key, label, address)."""
    items = []
    for key, label, endpoint, allowed in NAV:
        if endpoint in current_app.view_functions and allowed(current_user, vacancy):
            items.append((key, label, url_for(endpoint, vacancy_id=vacancy.id)))
    return items
