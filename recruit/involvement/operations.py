"""Operations on participation, payments, rates and finance files. The caller commits.

A payment goes owed → approved → paid (HR or an admin at each step), or is declined when the
person chooses not to be paid; it is never paid before it is approved. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.orm import defer, selectinload

from recruit.core import audit
from recruit.core.errors import Conflict, NotFound, ValidationFailed
from recruit.core.time import local_today, local_zone, utcnow
from recruit.decisions.pack import to_csv
from recruit.extensions import db
from recruit.involvement.models import (
    Activity,
    FinanceExport,
    Participation,
    Payment,
    PaymentKind,
    PaymentStatus,
    Rate,
)
from recruit.panels.models import PanelMember
from recruit.people.models import Role, User
from recruit.vacancies.models import Status, Vacancy

MAX_MINUTES = 24 * 60
MAX_AMOUNT_PENCE = 1_000_000  # £10,000: anything larger is a typing mistake
MAX_RATE_PENCE = 100_000  # £1,000 an hour, or a £1,000 voucher
# A fee, a voucher or "no thank you": the person's one choice of thanks for taking part.
THANKS = (PaymentKind.FEE, PaymentKind.VOUCHER, PaymentKind.DECLINED)
BENEFITS_REMINDER = (
    "If you get benefits, you may need to tell them about this money. "
    "Ask your support worker if you are not sure."
)


# --- money and time in words -----------------------------------------------------------------


def pounds(pence: int | None) -> str:
    """£12.50 from 1250."""
    if pence is None:
        return ""
    return f"£{pence // 100:,}.{pence % 100:02d}"


def pence_from_pounds(value: Decimal | str | float | None) -> int | None:
    """1250 from "12.50" (or Decimal('12.5')); None when empty; ValueError when not money."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip().lstrip("£").replace(",", ""))
    except InvalidOperation:
        raise ValueError("not an amount of money") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("not an amount of money")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def duration_words(minutes: int) -> str:
    """The time in words: 2 hours 30 minutes, 1 hour, 45 minutes."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def month_start(value: date) -> date:
    return value.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(today: date) -> date:
    """The first day of the month before `today`'s."""
    first = month_start(today)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def parse_month(text: str) -> date:
    """date(2026, 5, 1) from "2026-05"."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except (ValueError, AttributeError):
        raise ValidationFailed(fields={"month": ["Give a month like 2026-05."]}) from None


# --- rates -----------------------------------------------------------------------------------


def rates() -> dict[str, Rate]:
    return {rate.activity: rate for rate in db.session.scalars(select(Rate)).all()}


def _describe_rate(rate: Rate | None) -> dict | None:
    if rate is None:
        return None
    return {
        "activity": rate.activity,
        "fee_per_hour_pence": rate.fee_per_hour_pence,
        "voucher_pence": rate.voucher_pence,
    }


def set_rates(actor: User, values: dict[str, dict[str, int]]) -> dict[str, Rate]:
    """Set the fee per hour and the voucher value for each activity given (admin)."""
    errors: dict[str, list[str]] = {}
    for activity, amounts in values.items():
        if activity not in {a.value for a in Activity}:
            errors[activity] = ["This is not an activity we know."]
            continue
        for name in ("fee_per_hour_pence", "voucher_pence"):
            amount = amounts.get(name)
            if isinstance(amount, bool) or not isinstance(amount, int):
                errors[f"{name}_{activity}"] = ["Give an amount of money, like 12.50."]
            elif not 0 <= amount <= MAX_RATE_PENCE:
                errors[f"{name}_{activity}"] = ["Give an amount from £0 to £1,000."]
    if errors:
        raise ValidationFailed(fields=errors)
    current = rates()
    for activity, amounts in values.items():
        rate = current.get(activity)
        before = _describe_rate(rate)
        if rate is None:
            rate = Rate(activity=activity)
            db.session.add(rate)
            current[activity] = rate
        rate.fee_per_hour_pence = amounts["fee_per_hour_pence"]
        rate.voucher_pence = amounts["voucher_pence"]
        rate.updated_by_id = actor.id
        rate.updated_at = utcnow()
        after = _describe_rate(rate)
        if before != after:
            audit.record("rate.set", rate, actor=actor, before=before, after=after)
    db.session.flush()
    return current


def suggested_amount(kind: str, activity: str, minutes: int) -> int | None:
    """What the rates say a fee or voucher should be, in pence; None when there is no rate
    (or for expenses, which are what was spent)."""
    if kind == PaymentKind.DECLINED:
        return 0
    if kind not in (PaymentKind.FEE, PaymentKind.VOUCHER):
        return None
    rate = db.session.get(Rate, activity)
    if rate is None:
        return None
    if kind == PaymentKind.VOUCHER:
        return rate.voucher_pence or None
    if not rate.fee_per_hour_pence:
        return None
    # Half a penny and more rounds up: integers, so no float ever touches money.
    return (rate.fee_per_hour_pence * minutes * 2 + 60) // 120


# --- participation ---------------------------------------------------------------------------


def describe_participation(participation: Participation) -> dict:
    return {
        "user_id": participation.user_id,
        "activity": participation.activity,
        "took_part_on": participation.took_part_on.isoformat(),
        "minutes": participation.minutes,
        "vacancy_id": participation.vacancy_id,
    }


def _check_participation(
    *,
    user_id: int | None,
    activity: str | None,
    took_part_on: date | None,
    minutes: int | None,
    vacancy_id: int | None,
    note: str,
) -> tuple[User | None, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    person = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if person is None:
        errors["user_id"] = ["Choose a person supported."]
    elif person.role != Role.PERSON_SUPPORTED:
        errors["user_id"] = ["Participation is recorded for people supported only."]
    if activity not in {a.value for a in Activity}:
        errors["activity"] = ["Choose one of: co_design, panel, training, other."]
    if not isinstance(took_part_on, date):
        errors["took_part_on"] = ["Enter the date they took part."]
    elif took_part_on > local_today():
        errors["took_part_on"] = ["The date cannot be in the future."]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        errors["minutes"] = ["Give the time spent in minutes, from 1 to 1440."]
    if vacancy_id is not None and (
        not isinstance(vacancy_id, int) or db.session.get(Vacancy, vacancy_id) is None
    ):
        errors["vacancy_id"] = ["There is no vacancy with this id."]
    if len(note) > 500:
        errors["note"] = ["Keep the note to 500 characters."]
    return person, errors


def record_participation(
    actor: User,
    *,
    user_id: int | None,
    activity: str | None,
    took_part_on: date | None,
    minutes: int | None,
    vacancy_id: int | None = None,
    note: str = "",
) -> Participation:
    note = (note or "").strip()
    person, errors = _check_participation(
        user_id=user_id,
        activity=activity,
        took_part_on=took_part_on,
        minutes=minutes,
        vacancy_id=vacancy_id,
        note=note,
    )
    if errors:
        raise ValidationFailed(fields=errors)
    participation = Participation(
        user_id=person.id,
        activity=activity,
        took_part_on=took_part_on,
        minutes=minutes,
        vacancy_id=vacancy_id,
        note=note,
        recorded_by_id=actor.id,
    )
    db.session.add(participation)
    db.session.flush()
    audit.record(
        "participation.recorded",
        participation,
        actor=actor,
        after=describe_participation(participation),
    )
    return participation


def panel_people_supported(vacancy: Vacancy) -> list[User]:
    """The people supported with a seat on any of this vacancy's panels."""
    return list(
        db.session.scalars(
            select(User)
            .join(PanelMember, PanelMember.user_id == User.id)
            .where(PanelMember.vacancy_id == vacancy.id, User.role == Role.PERSON_SUPPORTED)
            .order_by(User.display_name, User.id)
        ).all()
    )


def panel_participants(vacancy: Vacancy) -> set[int]:
    """Who already has panel participation recorded for this vacancy."""
    return set(
        db.session.scalars(
            select(Participation.user_id).where(
                Participation.vacancy_id == vacancy.id,
                Participation.activity == Activity.PANEL,
            )
        ).all()
    )


@dataclass
class PanelRecording:
    recorded: list[Participation]
    already: list[User]


def record_panel_participation(
    actor: User, vacancy: Vacancy, *, took_part_on: date | None, minutes: int | None
) -> PanelRecording:
    """Record panel participation for every person supported on the vacancy's panels.

    People who already have it for this vacancy are left as they are, so pressing the
    button twice records nobody twice.
    """
    if vacancy.before(Status.INTERVIEWING):
        raise Conflict(
            "Panels meet from the interviewing stage; record their participation after that.",
            code="too_early",
        )
    people = panel_people_supported(vacancy)
    if not people:
        raise Conflict("Nobody supported sits on this vacancy's panels.", code="nobody")
    done = panel_participants(vacancy)
    result = PanelRecording(recorded=[], already=[])
    for person in people:
        if person.id in done:
            result.already.append(person)
            continue
        result.recorded.append(
            record_participation(
                actor,
                user_id=person.id,
                activity=Activity.PANEL,
                took_part_on=took_part_on,
                minutes=minutes,
                vacancy_id=vacancy.id,
            )
        )
    return result


def get_participation(participation_id: int) -> Participation:
    participation = db.session.get(Participation, participation_id)
    if participation is None:
        raise NotFound("We could not find that participation.")
    return participation


def involvement_of(user_id: int) -> list[Participation]:
    """A person's participation, newest first, with its payments and vacancies."""
    return list(
        db.session.scalars(
            select(Participation)
            .where(Participation.user_id == user_id)
            .options(selectinload(Participation.payments), selectinload(Participation.vacancy))
            .order_by(Participation.took_part_on.desc(), Participation.id.desc())
        ).all()
    )


def totals(payments: Iterable[Payment]) -> dict[str, int]:
    """Pence per status: owed, approved, paid (declined counts nothing)."""
    sums = {PaymentStatus.OWED: 0, PaymentStatus.APPROVED: 0, PaymentStatus.PAID: 0}
    for payment in payments:
        if payment.status in sums:
            sums[payment.status] += payment.amount_pence
    return {str(status): amount for status, amount in sums.items()}


# --- payments --------------------------------------------------------------------------------


def describe_payment(payment: Payment) -> dict:
    return {
        "participation_id": payment.participation_id,
        "kind": payment.kind,
        "amount_pence": payment.amount_pence,
        "status": payment.status,
    }


def record_payment(
    actor: User,
    participation: Participation,
    *,
    kind: str | None,
    amount_pence: int | None = None,
    benefits_reminder_given: bool = False,
) -> Payment:
    """Record what is owed for a participation; an empty amount takes the rates' suggestion."""
    errors: dict[str, list[str]] = {}
    if kind not in {k.value for k in PaymentKind}:
        errors["kind"] = ["Choose one of: fee, voucher, expenses, declined."]
    elif kind == PaymentKind.DECLINED:
        if amount_pence not in (None, 0):
            errors["amount_pence"] = ["A person who chose not to be paid is owed nothing."]
        amount_pence = 0
    else:
        if amount_pence is None:
            amount_pence = suggested_amount(kind, participation.activity, participation.minutes)
            if amount_pence is None:
                errors["amount_pence"] = [
                    "Enter the amount spent."
                    if kind == PaymentKind.EXPENSES
                    else "No rate is set for this activity. Enter the amount."
                ]
        if amount_pence is not None and (
            isinstance(amount_pence, bool)
            or not isinstance(amount_pence, int)
            or not 1 <= amount_pence <= MAX_AMOUNT_PENCE
        ):
            errors["amount_pence"] = ["Give an amount from £0.01 to £10,000."]
        if kind in (PaymentKind.FEE, PaymentKind.VOUCHER) and benefits_reminder_given is not True:
            errors["benefits_reminder_given"] = [
                "Tell the person about benefits before they accept a fee or voucher, "
                "then tick this box."
            ]
    if errors:
        raise ValidationFailed(fields=errors)
    existing = [p.kind for p in participation.payments]
    if kind in THANKS and any(k in THANKS for k in existing):
        raise Conflict(
            "A fee, voucher or 'no thank you' is already recorded for this; "
            "there is one of those per time someone takes part.",
            code="already_recorded",
        )
    if kind == PaymentKind.EXPENSES and PaymentKind.EXPENSES in existing:
        raise Conflict(
            "Expenses are already recorded for this. Decline them and record the total again.",
            code="already_recorded",
        )
    payment = Payment(
        participation=participation,
        kind=kind,
        amount_pence=amount_pence,
        status=PaymentStatus.DECLINED if kind == PaymentKind.DECLINED else PaymentStatus.OWED,
        benefits_reminder_given=bool(benefits_reminder_given),
        recorded_by_id=actor.id,
    )
    if kind == PaymentKind.DECLINED:
        payment.declined_at = utcnow()
    db.session.add(payment)
    db.session.flush()
    audit.record("payment.recorded", payment, actor=actor, after=describe_payment(payment))
    return payment


def get_payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("We could not find that payment.")
    return payment


def _move(
    actor: User, payment: Payment, expected: PaymentStatus, to: PaymentStatus, action: str
) -> Payment:
    """Change the status only if it is still `expected`: of two people pressing the same
    button at once, one changes it and the other is told."""
    now = utcnow()
    values: dict = {"status": to}
    if to == PaymentStatus.APPROVED:
        values.update(approved_at=now, approved_by_id=actor.id)
    elif to == PaymentStatus.PAID:
        values.update(paid_at=now, paid_by_id=actor.id)
    elif to == PaymentStatus.DECLINED:
        values.update(declined_at=now)
    changed = db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict(
            "Someone else changed this payment just now. Look at it again.", code="changed"
        )
    db.session.refresh(payment)
    audit.record(
        action,
        payment,
        actor=actor,
        before={"status": str(expected)},
        after={"status": payment.status, "amount_pence": payment.amount_pence},
    )
    return payment


def approve_payment(actor: User, payment: Payment) -> Payment:
    if payment.status != PaymentStatus.OWED:
        raise Conflict(
            f"Only an owed payment can be approved; this one is {payment.status}.",
            code="not_owed",
        )
    return _move(actor, payment, PaymentStatus.OWED, PaymentStatus.APPROVED, "payment.approved")


def mark_paid(actor: User, payment: Payment) -> Payment:
    if payment.status == PaymentStatus.OWED:
        raise Conflict(
            "This payment has not been approved yet. Approve it before marking it paid.",
            code="not_approved",
        )
    if payment.status != PaymentStatus.APPROVED:
        raise Conflict(
            f"Only an approved payment can be marked paid; this one is {payment.status}.",
            code="not_approved",
        )
    return _move(actor, payment, PaymentStatus.APPROVED, PaymentStatus.PAID, "payment.paid")


def decline_payment(actor: User, payment: Payment) -> Payment:
    """The person chose not to be paid (before it was paid)."""
    if payment.status not in (PaymentStatus.OWED, PaymentStatus.APPROVED):
        raise Conflict(
            f"A payment that is {payment.status} cannot be declined.", code="cannot_decline"
        )
    return _move(
        actor, payment, PaymentStatus(payment.status), PaymentStatus.DECLINED, "payment.declined"
    )


def payments_list(status: str | None = None) -> list[Payment]:
    """Payments with their participation and person, oldest first (the queue to work on)."""
    query = select(Payment).options(
        selectinload(Payment.participation).selectinload(Participation.user),
        selectinload(Payment.participation).selectinload(Participation.vacancy),
    )
    if status:
        query = query.where(Payment.status == status)
    return list(db.session.scalars(query.order_by(Payment.id)).all())


# --- the monthly finance file ------------------------------------------------------------------

FINANCE_HEADER = [
    "Payment id",
    "Paid on",
    "Person",
    "Person id",
    "Activity",
    "Took part on",
    "Minutes",
    "Vacancy",
    "Type",
    "Amount (GBP)",
    "Approved on",
    "Approved by",
    "Paid by",
]


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    """A calendar month in the provider's time zone (RECRUIT_TIMEZONE), as UTC instants:
    a payment made at 00:30 on 1 June in London belongs to June, not to May."""
    zone = local_zone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end_day = next_month(month)
    return start.astimezone(UTC), datetime(end_day.year, end_day.month, 1, tzinfo=zone).astimezone(
        UTC
    )


def paid_in(month: date) -> list[Payment]:
    start, end = _month_bounds(month)
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.status == PaymentStatus.PAID,
                Payment.paid_at >= start,
                Payment.paid_at < end,
            )
            .options(
                selectinload(Payment.participation).selectinload(Participation.user),
                selectinload(Payment.participation).selectinload(Participation.vacancy),
            )
            .order_by(Payment.paid_at, Payment.id)
        ).all()
    )


def finance_rows(month: date) -> tuple[list[list[str]], int]:
    """The header and one row per payment paid in the month (local dates); and the total."""
    payments = paid_in(month)
    zone = local_zone()
    names = {
        u.id: u.display_name
        for u in db.session.scalars(
            select(User).where(
                User.id.in_({p.approved_by_id for p in payments} | {p.paid_by_id for p in payments})
            )
        ).all()
    }
    rows = [list(FINANCE_HEADER)]
    for payment in payments:
        took_part = payment.participation
        vacancy = took_part.vacancy
        rows.append(
            [
                str(payment.id),
                payment.paid_at.astimezone(zone).date().isoformat(),
                took_part.user.display_name,
                str(took_part.user_id),
                took_part.activity_label,
                took_part.took_part_on.isoformat(),
                str(took_part.minutes),
                f"{vacancy.title}, {vacancy.service}" if vacancy else "",
                payment.kind,
                f"{payment.amount_pence // 100}.{payment.amount_pence % 100:02d}",
                payment.approved_at.astimezone(zone).date().isoformat()
                if payment.approved_at
                else "",
                names.get(payment.approved_by_id, ""),
                names.get(payment.paid_by_id, ""),
            ]
        )
    return rows, sum(p.amount_pence for p in payments)


def make_finance_export(actor: User | None, month: date) -> FinanceExport:
    """Make (or make again) the finance CSV for a month; `actor` is None for the monthly task."""
    month = month_start(month)
    if month > month_start(local_today()):
        raise ValidationFailed(fields={"month": ["That month has not started yet."]})
    rows, total = finance_rows(month)
    export = db.session.scalar(select(FinanceExport).where(FinanceExport.month == month))
    before = None
    if export is None:
        export = FinanceExport(month=month)
        db.session.add(export)
    else:
        before = {"rows": export.rows, "total_pence": export.total_pence}
    export.csv_data = to_csv(rows)
    export.rows = len(rows) - 1
    export.total_pence = total
    export.made_by_id = actor.id if actor is not None else None
    export.made_at = utcnow()
    db.session.flush()
    audit.record(
        "finance_export.made",
        export,
        actor=actor,
        before=before,
        after={"month": month.isoformat(), "rows": export.rows, "total_pence": total},
    )
    return export


def finance_exports() -> list[FinanceExport]:
    return list(
        db.session.scalars(
            select(FinanceExport)
            .options(defer(FinanceExport.csv_data))
            .order_by(FinanceExport.month.desc())
        ).all()
    )


def get_export(export_id: int) -> FinanceExport:
    export = db.session.get(FinanceExport, export_id)
    if export is None:
        raise NotFound("We could not find that finance file.")
    return export
