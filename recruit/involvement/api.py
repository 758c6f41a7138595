"""JSON API for reciprocity: rates, participation, payments and their approval."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from recruit import permissions
from recruit.core.api import Body, Id, endpoint, parse_body
from recruit.core.errors import Forbidden, NotFound
from recruit.extensions import db
from recruit.involvement import operations
from recruit.involvement.models import Participation, Payment
from recruit.people.models import User
from recruit.people.sessions import require_fresh
from recruit.vacancies.operations import get_vacancy

ActivityName = Literal["co_design", "panel", "training", "other"]


class RateIn(Body):
    fee_per_hour_pence: int = Field(description="pence per hour, 0 for none")
    voucher_pence: int = Field(description="the voucher's value in pence, 0 for none")


class RatesIn(Body):
    rates: dict[ActivityName, RateIn]


class RatesOut(BaseModel):
    rates: dict[str, dict[str, int]]


class ParticipationIn(Body):
    user_id: Id
    activity: ActivityName
    took_part_on: date
    minutes: int = Field(description="time spent, 1 to 1440")
    vacancy_id: Id | None = None
    note: str = Field(default="", max_length=500)


class PanelParticipationIn(Body):
    took_part_on: date
    minutes: int = Field(description="time each person spent, 1 to 1440")


class PanelParticipationOut(BaseModel):
    recorded: list[int] = Field(description="ids of the participation records made")
    already: list[int] = Field(description="people supported who already had it recorded")


class PaymentIn(Body):
    kind: Literal["fee", "voucher", "expenses", "declined"]
    amount_pence: int | None = Field(
        default=None, description="empty: the rates' suggestion (fee and voucher)"
    )
    benefits_reminder_given: StrictBool = Field(
        default=False, description="must be true for a fee or voucher"
    )


class PaymentOut(BaseModel):
    id: int
    participation_id: int
    kind: str
    amount_pence: int
    status: str
    approved_at: datetime | None
    paid_at: datetime | None


class ParticipationOut(BaseModel):
    id: int
    user_id: int
    activity: str
    took_part_on: date
    minutes: int
    vacancy_id: int | None
    note: str
    payments: list[PaymentOut]


class InvolvementOut(BaseModel):
    user_id: int
    participations: list[ParticipationOut]
    owed_pence: int = Field(description="owed and approved, not yet paid")
    paid_pence: int


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        participation_id=payment.participation_id,
        kind=payment.kind,
        amount_pence=payment.amount_pence,
        status=payment.status,
        approved_at=payment.approved_at,
        paid_at=payment.paid_at,
    )


def participation_out(participation: Participation) -> ParticipationOut:
    return ParticipationOut(
        id=participation.id,
        user_id=participation.user_id,
        activity=participation.activity,
        took_part_on=participation.took_part_on,
        minutes=participation.minutes,
        vacancy_id=participation.vacancy_id,
        note=participation.note,
        payments=[payment_out(p) for p in participation.payments],
    )


def _require_payments(user) -> None:
    if not permissions.can_manage_payments(user):
        raise Forbidden("Only HR and admins record participation and payments.")


def _rates_out() -> RatesOut:
    return RatesOut(
        rates={
            activity: {
                "fee_per_hour_pence": rate.fee_per_hour_pence,
                "voucher_pence": rate.voucher_pence,
            }
            for activity, rate in operations.rates().items()
        }
    )


@endpoint(
    "/rates", "GET", summary="The rates per activity (HR, admin)", response=RatesOut, errors=(403,)
)
def read_rates(user):
    _require_payments(user)
    return _rates_out()


@endpoint(
    "/rates",
    "PUT",
    summary="Set the fee per hour and voucher value per activity (admin)",
    body=RatesIn,
    response=RatesOut,
    errors=(403,),
)
def put_rates(user):
    if not permissions.can_set_rates(user):
        raise Forbidden("Only admins set the rates.")
    require_fresh()  # a page session only; bearer tokens are not asked
    body = parse_body(RatesIn)
    operations.set_rates(user, {k: v.model_dump() for k, v in body.rates.items()})
    db.session.commit()
    return _rates_out()


@endpoint(
    "/participations",
    "POST",
    summary="Record what a person supported took part in (HR, admin)",
    body=ParticipationIn,
    response=ParticipationOut,
    status=201,
    errors=(403,),
)
def create_participation(user):
    _require_payments(user)
    body = parse_body(ParticipationIn)
    participation = operations.record_participation(user, **body.model_dump())
    db.session.commit()
    return participation_out(participation)


@endpoint(
    "/vacancies/<int:vacancy_id>/participation",
    "POST",
    summary="Record panel participation for every person supported on its panels (HR, admin)",
    body=PanelParticipationIn,
    response=PanelParticipationOut,
    status=201,
    errors=(403, 404, 409),
)
def record_panel_participation(user, vacancy_id: int):
    _require_payments(user)
    vacancy = get_vacancy(vacancy_id)
    body = parse_body(PanelParticipationIn)
    result = operations.record_panel_participation(user, vacancy, **body.model_dump())
    db.session.commit()
    return PanelParticipationOut(
        recorded=[p.id for p in result.recorded], already=[u.id for u in result.already]
    )


@endpoint(
    "/participations/<int:participation_id>/payments",
    "POST",
    summary="Record a fee, voucher, expenses or 'declined' for a participation (HR, admin)",
    body=PaymentIn,
    response=PaymentOut,
    status=201,
    errors=(403, 404, 409),
)
def create_payment(user, participation_id: int):
    _require_payments(user)
    participation = operations.get_participation(participation_id)
    body = parse_body(PaymentIn)
    payment = operations.record_payment(user, participation, **body.model_dump())
    db.session.commit()
    return payment_out(payment)


def _change(user, payment_id: int, change) -> PaymentOut:
    _require_payments(user)
    payment = operations.get_payment(payment_id)
    change(user, payment)
    db.session.commit()
    return payment_out(payment)


@endpoint(
    "/payments/<int:payment_id>/approve",
    "POST",
    summary="Approve an owed payment (HR, admin)",
    response=PaymentOut,
    errors=(403, 404, 409),
)
def approve_payment(user, payment_id: int):
    return _change(user, payment_id, operations.approve_payment)


@endpoint(
    "/payments/<int:payment_id>/pay",
    "POST",
    summary="Mark an approved payment as paid; 409 before it is approved (HR, admin)",
    response=PaymentOut,
    errors=(403, 404, 409),
)
def pay_payment(user, payment_id: int):
    return _change(user, payment_id, operations.mark_paid)


@endpoint(
    "/payments/<int:payment_id>/decline",
    "POST",
    summary="The person chose not to be paid (HR, admin)",
    response=PaymentOut,
    errors=(403, 404, 409),
)
def decline_payment(user, payment_id: int):
    return _change(user, payment_id, operations.decline_payment)


@endpoint(
    "/users/<int:user_id>/involvement",
    "GET",
    summary="What a person supported has done and is owed (HR, admin, the person themself)",
    response=InvolvementOut,
    errors=(403, 404),
)
def read_involvement(user, user_id: int):
    if not permissions.can_see_involvement(user, user_id):
        raise Forbidden("You can only see what you have done yourself.")
    if db.session.get(User, user_id) is None:
        raise NotFound("We could not find that person.")
    done = operations.involvement_of(user_id)
    money = operations.totals(p for took_part in done for p in took_part.payments)
    return InvolvementOut(
        user_id=user_id,
        participations=[participation_out(p) for p in done],
        owed_pence=money["owed"] + money["approved"],
        paid_pence=money["paid"],
    )
