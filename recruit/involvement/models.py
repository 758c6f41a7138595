"""Participation, the payments that thank people for it, the admin's rates and the monthly
finance files. Money is kept in whole pence."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db
from recruit.people.models import User
from recruit.vacancies.models import Vacancy


class Activity(enum.StrEnum):
    CO_DESIGN = "co_design"
    PANEL = "panel"
    TRAINING = "training"
    OTHER = "other"


ACTIVITY_LABELS = {
    Activity.CO_DESIGN: "Co-design session",
    Activity.PANEL: "Interview panel",
    Activity.TRAINING: "Training",
    Activity.OTHER: "Other",
}

# What a person supported reads about it: "I ..." sentences, in plain words.
ACTIVITY_EASY = {
    Activity.CO_DESIGN: "I helped choose what new staff should be like",
    Activity.PANEL: "I was on an interview panel",
    Activity.TRAINING: "I did training",
    Activity.OTHER: "I helped",
}


class PaymentKind(enum.StrEnum):
    FEE = "fee"
    VOUCHER = "voucher"
    EXPENSES = "expenses"
    DECLINED = "declined"


PAYMENT_KIND_LABELS = {
    PaymentKind.FEE: "Fee",
    PaymentKind.VOUCHER: "Voucher",
    PaymentKind.EXPENSES: "Expenses",
    PaymentKind.DECLINED: "Declined (chose not to be paid)",
}


class PaymentStatus(enum.StrEnum):
    OWED = "owed"
    APPROVED = "approved"
    PAID = "paid"
    DECLINED = "declined"


PAYMENT_STATUS_LABELS = {
    PaymentStatus.OWED: "Owed",
    PaymentStatus.APPROVED: "Approved",
    PaymentStatus.PAID: "Paid",
    PaymentStatus.DECLINED: "Declined",
}


class Rate(db.Model):
    """What the organisation pays for one kind of activity, set by an admin."""

    __tablename__ = "involvement_rate"

    activity: Mapped[str] = mapped_column(String(20), primary_key=True)
    fee_per_hour_pence: Mapped[int] = mapped_column(default=0)
    voucher_pence: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Participation(db.Model):
    """One time a person supported took part: what, when, for how long, for which vacancy."""

    __tablename__ = "participation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    activity: Mapped[str] = mapped_column(String(20))
    took_part_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    vacancy_id: Mapped[int | None] = mapped_column(
        ForeignKey("vacancy.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    vacancy: Mapped[Vacancy | None] = relationship()
    payments: Mapped[list[Payment]] = relationship(
        back_populates="participation", cascade="all, delete-orphan", order_by="Payment.id"
    )

    @property
    def activity_label(self) -> str:
        return ACTIVITY_LABELS[Activity(self.activity)]

    @property
    def activity_easy(self) -> str:
        return ACTIVITY_EASY[Activity(self.activity)]


class Payment(db.Model):
    """A fee, voucher or expenses for a participation (or the person's choice not to be paid).

    owed → approved → paid; owed or approved → declined. Every change is audited.
    """

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(
        ForeignKey("participation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    amount_pence: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=PaymentStatus.OWED)
    # HR confirmed that the benefits reminder was given before a fee or voucher was accepted.
    benefits_reminder_given: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    participation: Mapped[Participation] = relationship(back_populates="payments")

    __table_args__ = (
        Index("ix_payment_status", "status", "id"),
        Index("ix_payment_paid_at", "paid_at"),
    )

    @property
    def kind_label(self) -> str:
        return PAYMENT_KIND_LABELS[PaymentKind(self.kind)]

    @property
    def status_label(self) -> str:
        return PAYMENT_STATUS_LABELS[PaymentStatus(self.status)]


class FinanceExport(db.Model):
    """The finance CSV of one calendar month's paid payments (UTC); one per month, remade on
    request. `made_by_id` is empty when the monthly task made it."""

    __tablename__ = "finance_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, unique=True)
    csv_data: Mapped[bytes] = mapped_column(LargeBinary)
    rows: Mapped[int] = mapped_column(default=0)
    total_pence: Mapped[int] = mapped_column(default=0)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
