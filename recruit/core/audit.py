"""The audit trail: who changed what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db


class AuditRecord(db.Model):
    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None]
    vacancy_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_record_subject", "subject_type", "subject_id"),)


def record(
    action: str,
    subject: Any,
    *,
    actor: Any | None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditRecord:
    """Add an audit record to the current transaction; the caller commits."""
    subject_type = type(subject).__name__
    vacancy_id = subject.id if subject_type == "Vacancy" else getattr(subject, "vacancy_id", None)
    entry = AuditRecord(
        action=action,
        subject_type=subject_type,
        subject_id=getattr(subject, "id", None),
        vacancy_id=vacancy_id,
        actor_id=getattr(actor, "id", None),
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
