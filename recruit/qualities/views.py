"""Pages for co-designing qualities: suggest, vote, review, word, order, reuse from the bank."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from recruit import permissions
from recruit.core.errors import DomainError, Forbidden
from recruit.core.forms import apply_errors
from recruit.extensions import db
from recruit.people.models import User
from recruit.qualities import operations
from recruit.qualities.forms import DeclineForm, ProposeForm, WordingForm
from recruit.vacancies.models import Status, Vacancy
from recruit.vacancies.operations import get_vacancy
from recruit.vacancies.views import vacancy_for

qualities = Blueprint("qualities", __name__)

SYMBOLS = [
    ("😊", "Kind"),
    ("👂", "Listens"),
    ("💬", "Talks with me"),
    ("🤝", "Respect"),
    ("😂", "Funny"),
    ("🕐", "On time"),
    ("⚽", "Sport"),
    ("🎵", "Music"),
    ("🍳", "Cooking"),
    ("🌳", "Outdoors"),
    ("🎨", "Art"),
    ("🚌", "Going out"),
]


def _page(vacancy: Vacancy, form: ProposeForm | None = None, status: int = 200):
    items = operations.qualities_of(vacancy)
    counts, mine = operations.votes_by_quality(vacancy, current_user)
    proposers = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({q.proposed_by_id for q in items if q.proposed_by_id}))
        ).all()
    }
    form = form or ProposeForm()
    form.symbol.choices = [("", "No picture")] + [(s, f"{s} {label}") for s, label in SYMBOLS]
    return (
        render_template(
            "qualities/index.html",
            vacancy=vacancy,
            accepted=[q for q in items if q.status == "accepted"],
            proposed=[q for q in items if q.status == "proposed"],
            declined=[q for q in items if q.status == "declined"],
            counts=counts,
            mine=mine,
            proposers=proposers,
            form=form,
            symbols=SYMBOLS,
            open_for_proposals=vacancy.status in (Status.DRAFT, Status.CO_DESIGN),
            open_for_review=vacancy.before(Status.INTERVIEWING),
            easy_read=current_user.role == "person_supported",
            decline_form=DeclineForm(),
        ),
        status,
    )


@qualities.get("/vacancies/<int:vacancy_id>/qualities")
@login_required
def index(vacancy_id: int):
    return _page(vacancy_for(vacancy_id))


@qualities.post("/vacancies/<int:vacancy_id>/qualities")
@login_required
def propose(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_propose_quality)
    form = ProposeForm()
    form.symbol.choices = [("", "")] + [(s, s) for s, _ in SYMBOLS]
    if form.validate_on_submit():
        try:
            operations.propose(
                current_user, vacancy, text=form.text.data, symbol=form.symbol.data or None
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("Thank you. Your idea has been added.", "success")
            return redirect(url_for("qualities.index", vacancy_id=vacancy.id) + "#suggest")
    return _page(vacancy, form, 200)


def _quality_for(quality_id: int, allowed):
    quality = operations.get_quality(quality_id)
    vacancy = get_vacancy(quality.vacancy_id)
    if not allowed(current_user, vacancy.id):
        raise Forbidden()
    return quality, vacancy


def _back(vacancy: Vacancy, anchor: str = ""):
    return redirect(url_for("qualities.index", vacancy_id=vacancy.id) + anchor)


@qualities.post("/qualities/<int:quality_id>/vote")
@login_required
def vote(quality_id: int):
    quality, vacancy = _quality_for(quality_id, permissions.can_vote)
    try:
        operations.vote(current_user, quality, vacancy)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"You like “{quality.text}”.", "success")
    return _back(vacancy, f"#quality-{quality.id}")


@qualities.post("/qualities/<int:quality_id>/review")
@login_required
def review(quality_id: int):
    quality, vacancy = _quality_for(quality_id, permissions.can_review_quality)
    status = request.form.get("status", "")
    form = DeclineForm()
    reason = form.reason.data if status == "declined" else None
    try:
        operations.review(current_user, quality, vacancy, status=status, reason=reason)
    except DomainError as error:
        db.session.rollback()
        message = "; ".join(m for msgs in error.fields.values() for m in msgs) or error.message
        flash(f"“{quality.text}” was not changed. {message}", "error")
    else:
        db.session.commit()
        flash(f"“{quality.text}” is now {quality.status}.", "success")
    return _back(vacancy, f"#quality-{quality.id}")


@qualities.route("/qualities/<int:quality_id>/wording", methods=["GET", "POST"])
@login_required
def wording(quality_id: int):
    quality, vacancy = _quality_for(quality_id, permissions.can_review_quality)
    form = WordingForm(obj=quality)
    if form.validate_on_submit():
        try:
            operations.word(
                current_user,
                quality,
                vacancy,
                easy_read=form.easy_read.data,
                prompt=form.prompt.data,
                interview_question=form.interview_question.data,
                check_in_question=form.check_in_question.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("The wording has been saved.", "success")
            return _back(vacancy, f"#quality-{quality.id}")
    return render_template("qualities/wording.html", form=form, quality=quality, vacancy=vacancy)


@qualities.post("/qualities/<int:quality_id>/move")
@login_required
def move(quality_id: int):
    quality, vacancy = _quality_for(quality_id, permissions.can_review_quality)
    order = [q.id for q in operations.accepted_qualities(vacancy)]
    if quality.id in order:
        i = order.index(quality.id)
        j = i - 1 if request.form.get("direction") == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
    try:
        operations.reorder(current_user, vacancy, order)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
    return _back(vacancy, "#accepted")


@qualities.get("/vacancies/<int:vacancy_id>/qualities/bank")
@login_required
def bank(vacancy_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_review_quality)
    words = request.args.get("q", "").strip()[:100]
    found = operations.search_bank(words, exclude_vacancy=vacancy)
    origins = {
        v.id: v
        for v in db.session.scalars(
            select(Vacancy).where(Vacancy.id.in_({q.vacancy_id for q in found}))
        ).all()
    }
    return render_template(
        "qualities/bank.html", vacancy=vacancy, found=found, words=words, origins=origins
    )


@qualities.post("/vacancies/<int:vacancy_id>/qualities/bank/<int:quality_id>")
@login_required
def reuse(vacancy_id: int, quality_id: int):
    vacancy = vacancy_for(vacancy_id, permissions.can_review_quality)
    source = operations.get_quality(quality_id)
    try:
        quality = operations.reuse(current_user, vacancy, source)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("qualities.bank", vacancy_id=vacancy.id))
    db.session.commit()
    flash(f"“{quality.text}” has been added as a suggestion.", "success")
    return _back(vacancy, f"#quality-{quality.id}")
