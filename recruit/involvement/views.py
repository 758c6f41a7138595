"""Pages for reciprocity: rates (admin), recording participation and payments, approving and
paying them, the monthly finance files (HR and admin), and "What I have done" for a person
supported."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from recruit import permissions
from recruit.core.errors import DomainError, Forbidden, NotFound
from recruit.core.forms import apply_errors, safe_next
from recruit.core.time import local_today
from recruit.extensions import db
from recruit.involvement import operations
from recruit.involvement.forms import (
    FinanceMonthForm,
    PanelParticipationForm,
    ParticipationForm,
    PaymentForm,
    RatesForm,
    rate_field_name,
)
from recruit.involvement.models import ACTIVITY_LABELS, PaymentKind, PaymentStatus
from recruit.people.models import Role, User
from recruit.people.sessions import require_fresh
from recruit.vacancies.models import Vacancy
from recruit.vacancies.operations import get_vacancy

involvement = Blueprint("involvement", __name__)

FILTERS = [
    ("owed", "Owed"),
    ("approved", "Approved"),
    ("paid", "Paid"),
    ("declined", "Declined"),
    ("all", "All"),
]
FINANCE_MONTHS = 24


@involvement.app_template_filter("pounds")
def pounds_filter(pence: int | None) -> str:
    return operations.pounds(pence)


@involvement.app_template_filter("duration")
def duration_filter(minutes: int) -> str:
    return operations.duration_words(minutes)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def _require_payments() -> None:
    _require(
        permissions.can_manage_payments(current_user),
        "Only HR and admins record participation and payments.",
    )


# --- rates -----------------------------------------------------------------------------------


@involvement.route("/admin/rates", methods=["GET", "POST"])
@login_required
def rates():
    _require(permissions.can_set_rates(current_user), "Only admins set the rates.")
    require_fresh()
    current = operations.rates()
    form = RatesForm()
    if not form.is_submitted():
        for activity in ACTIVITY_LABELS:
            rate = current.get(activity)
            for kind in ("fee_per_hour_pence", "voucher_pence"):
                pence = getattr(rate, kind) if rate else 0
                form[rate_field_name(kind, activity)].data = Decimal(pence) / 100
    if form.validate_on_submit():
        values = {
            activity: {
                kind: operations.pence_from_pounds(form[rate_field_name(kind, activity)].data)
                for kind in ("fee_per_hour_pence", "voucher_pence")
            }
            for activity in ACTIVITY_LABELS
        }
        try:
            operations.set_rates(current_user, values)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("The rates have been saved.", "success")
            return redirect(url_for("involvement.rates"))
    return render_template(
        "involvement/rates.html", form=form, activities=ACTIVITY_LABELS, field=rate_field_name
    )


# --- payments, and the finance files ---------------------------------------------------------


def _month_choices() -> list[tuple[str, str]]:
    month = operations.month_start(local_today())
    choices = []
    for _ in range(FINANCE_MONTHS):
        choices.append((month.strftime("%Y-%m"), month.strftime("%B %Y")))
        month = operations.previous_month(month)
    return choices


def _finance_form() -> FinanceMonthForm:
    form = FinanceMonthForm()
    form.month.choices = _month_choices()
    if not form.is_submitted():
        form.month.data = operations.previous_month(local_today()).strftime("%Y-%m")
    return form


@involvement.get("/payments")
@login_required
def payments():
    _require_payments()
    status = request.args.get("status", "owed")
    if status not in dict(FILTERS):
        status = "owed"
    rows = operations.payments_list(None if status == "all" else status)
    return render_template(
        "involvement/payments.html",
        payments=rows,
        status=status,
        filters=FILTERS,
        total=sum(p.amount_pence for p in rows if p.status != PaymentStatus.DECLINED),
        exports=operations.finance_exports(),
        finance_form=_finance_form(),
    )


ACTIONS = {
    "approve": (operations.approve_payment, "The payment has been approved."),
    "pay": (operations.mark_paid, "The payment has been marked as paid."),
    "decline": (operations.decline_payment, "The payment has been marked as declined."),
}


@involvement.post("/payments/<int:payment_id>/<any(approve, pay, decline):action>")
@login_required
def change_payment(payment_id: int, action: str):
    _require_payments()
    payment = operations.get_payment(payment_id)
    change, done = ACTIONS[action]
    try:
        change(current_user, payment)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(safe_next(request.form.get("next"), url_for("involvement.payments")))


@involvement.post("/finance")
@login_required
def make_finance_file():
    _require_payments()
    form = _finance_form()
    if form.validate_on_submit():
        try:
            export = operations.make_finance_export(
                current_user, operations.parse_month(form.month.data)
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.fields.get("month", [error.message])[0], "error")
        else:
            db.session.commit()
            flash(
                f"The finance file for {export.month.strftime('%B %Y')} is ready "
                f"({export.rows} payment{'s' if export.rows != 1 else ''}).",
                "success",
            )
    else:
        flash("Choose a month.", "error")
    return redirect(url_for("involvement.payments", status="paid") + "#finance")


@involvement.get("/finance/<int:export_id>.csv")
@login_required
def finance_file(export_id: int):
    _require_payments()
    require_fresh()
    export = operations.get_export(export_id)
    return Response(
        export.csv_data,
        mimetype="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="payments-{export.month.strftime("%Y-%m")}.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )


# --- participation ---------------------------------------------------------------------------


def _people_supported() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.PERSON_SUPPORTED, User.is_active_account.is_(True))
            .order_by(User.display_name, User.id)
        ).all()
    )


@involvement.route("/involvement/participation/new", methods=["GET", "POST"])
@login_required
def new_participation():
    _require_payments()
    form = ParticipationForm()
    form.user_id.choices = [(0, "Choose a person")] + [
        (u.id, u.display_name) for u in _people_supported()
    ]
    vacancies = db.session.scalars(select(Vacancy).order_by(Vacancy.id.desc())).all()
    form.vacancy_id.choices = [(0, "Not for a vacancy")] + [
        (v.id, f"{v.title}, {v.service}") for v in vacancies
    ]
    if not form.is_submitted():
        form.user_id.data = request.args.get("user_id", 0, type=int)
        form.took_part_on.data = local_today()
    if form.validate_on_submit():
        try:
            participation = operations.record_participation(
                current_user,
                user_id=form.user_id.data or None,
                activity=form.activity.data,
                took_part_on=form.took_part_on.data,
                minutes=form.minutes.data,
                vacancy_id=form.vacancy_id.data or None,
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            flash("Participation recorded. Now record how they are thanked.", "success")
            return redirect(url_for("involvement.participation", participation_id=participation.id))
    return render_template("involvement/new_participation.html", form=form)


@involvement.route("/involvement/participation/<int:participation_id>", methods=["GET", "POST"])
@login_required
def participation(participation_id: int):
    _require_payments()
    took_part = operations.get_participation(participation_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            amount = operations.pence_from_pounds(form.amount_pence.data)
        except ValueError:
            form.amount_pence.errors = ["Give an amount of money, like 12.50."]
        else:
            try:
                operations.record_payment(
                    current_user,
                    took_part,
                    kind=form.kind.data,
                    amount_pence=amount,
                    benefits_reminder_given=bool(form.benefits_reminder_given.data),
                )
            except DomainError as error:
                db.session.rollback()
                apply_errors(form, error)
            else:
                db.session.commit()
                flash("The payment has been recorded as owed.", "success")
                return redirect(url_for("involvement.participation", participation_id=took_part.id))
    suggestions = {
        kind: operations.suggested_amount(kind, took_part.activity, took_part.minutes)
        for kind in (PaymentKind.FEE, PaymentKind.VOUCHER)
    }
    return render_template(
        "involvement/participation.html",
        participation=took_part,
        form=form,
        suggestions=suggestions,
        reminder=operations.BENEFITS_REMINDER,
    )


@involvement.route("/vacancies/<int:vacancy_id>/participation", methods=["GET", "POST"])
@login_required
def vacancy_participation(vacancy_id: int):
    _require_payments()
    vacancy = get_vacancy(vacancy_id)
    form = PanelParticipationForm()
    if not form.is_submitted():
        form.took_part_on.data = local_today()
    if form.validate_on_submit():
        try:
            result = operations.record_panel_participation(
                current_user,
                vacancy,
                took_part_on=form.took_part_on.data,
                minutes=form.minutes.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            db.session.commit()
            recorded = len(result.recorded)
            message = f"Panel participation recorded for {recorded} {_people(recorded)}."
            if result.already:
                message += (
                    f" {len(result.already)} already had it recorded for this vacancy"
                    " and were left as they were."
                )
            flash(message, "success")
            return redirect(url_for("involvement.vacancy_participation", vacancy_id=vacancy.id))
    return render_template(
        "involvement/vacancy.html",
        vacancy=vacancy,
        form=form,
        people=operations.panel_people_supported(vacancy),
        recorded=operations.panel_participants(vacancy),
    )


def _people(count: int) -> str:
    return "person" if count == 1 else "people"


# --- what someone has done -------------------------------------------------------------------


def _involvement_page(person: User):
    done = operations.involvement_of(person.id)
    all_payments = [payment for took_part in done for payment in took_part.payments]
    money = operations.totals(all_payments)
    waiting_thanks = any(
        p.kind in (PaymentKind.FEE, PaymentKind.VOUCHER)
        and p.status in (PaymentStatus.OWED, PaymentStatus.APPROVED)
        for p in all_payments
    )
    easy = current_user.role == Role.PERSON_SUPPORTED
    return render_template(
        "involvement/mine.html" if easy else "involvement/person.html",
        person=person,
        done=done,
        owed=money["owed"] + money["approved"],
        money=money,
        paid=money["paid"],
        waiting_thanks=waiting_thanks,
        reminder=operations.BENEFITS_REMINDER,
    )


@involvement.get("/what-i-have-done")
@login_required
def mine():
    return _involvement_page(current_user)


@involvement.get("/involvement/people/<int:user_id>")
@login_required
def person(user_id: int):
    _require(
        permissions.can_see_involvement(current_user, user_id),
        "You can only see what you have done yourself.",
    )
    someone = db.session.get(User, user_id)
    if someone is None:
        raise NotFound("We could not find that person.")
    return _involvement_page(someone)
