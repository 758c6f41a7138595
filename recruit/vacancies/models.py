from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db


class Status(enum.StrEnum):
    DRAFT = "draft"
    CO_DESIGN = "co_design"
    SHORTLISTING = "shortlisting"
    INTERVIEWING = "interviewing"
    DECIDING = "deciding"
    DECIDED = "decided"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.DRAFT: "Draft",
    Status.CO_DESIGN: "Choosing qualities",
    Status.SHORTLISTING: "Shortlisting",
    Status.INTERVIEWING: "Interviewing",
    Status.DECIDING: "Deciding",
    Status.DECIDED: "Decided",
    Status.CLOSED: "Closed",
    Status.WITHDRAWN: "Withdrawn",
}

ORDER = list(Status)


class Vacancy(db.Model):
    __tablename__ = "vacancy"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    service: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    easy_read_summary: Mapped[str] = mapped_column(Text, default="")
    closes_on: Mapped[date] = mapped_column(Date)
    posts: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    results_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_vacancy_status", "status", "closes_on"),)

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    def before(self, status: Status) -> bool:
        """True while the vacancy has not yet reached `status` (withdrawn counts as ended)."""
        if self.status == Status.WITHDRAWN:
            return False
        return ORDER.index(Status(self.status)) < ORDER.index(status)

    def at_or_after(self, status: Status) -> bool:
        return self.status != Status.WITHDRAWN and not self.before(status)

    @property
    def results_shared(self) -> bool:
        """Panel members read the combined results from deciding on, once released."""
        return self.results_released_at is not None and self.at_or_after(Status.DECIDING)

    @property
    def after_co_design(self) -> bool:
        """Shortlisting or later: the accepted qualities are what candidates are scored on."""
        return self.at_or_after(Status.SHORTLISTING)


class StatusChange(db.Model):
    """Each move of a vacancy between stages, for the timeline and 'time to decision'."""

    __tablename__ = "vacancy_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
