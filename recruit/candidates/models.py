from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db


class CandidateStatus(enum.StrEnum):
    APPLIED = "applied"
    NOT_SHORTLISTED = "not_shortlisted"
    SHORTLISTED = "shortlisted"
    INTERVIEWED = "interviewed"
    APPOINTED = "appointed"
    RESERVE = "reserve"
    NOT_APPOINTED = "not_appointed"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    CandidateStatus.APPLIED: "Applied",
    CandidateStatus.NOT_SHORTLISTED: "Not shortlisted",
    CandidateStatus.SHORTLISTED: "Shortlisted",
    CandidateStatus.INTERVIEWED: "Interviewed",
    CandidateStatus.APPOINTED: "Appointed",
    CandidateStatus.RESERVE: "Reserve",
    CandidateStatus.NOT_APPOINTED: "Not appointed",
    CandidateStatus.WITHDRAWN: "Withdrawn",
}


class Candidate(db.Model):
    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    alias: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default=CandidateStatus.APPLIED)
    application_text: Mapped[str] = mapped_column(Text, default="")
    redact_terms: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The first name people supported may see once appointed: set only when HR records the
    # candidate's consent to share it (None: no consent, so they see nothing by name).
    shared_first_name: Mapped[str | None] = mapped_column(String(60))
    first_name_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why a candidate withdrew, as HR recorded it: personal, so erased with the rest.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("vacancy_id", "alias"),)

    @property
    def in_the_running(self) -> bool:
        """Still to be (or being) interviewed and decided on."""
        return self.status not in (CandidateStatus.NOT_SHORTLISTED, CandidateStatus.WITHDRAWN)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[CandidateStatus(self.status)]


class ShortlistView(db.Model):
    """A panel member's 'yes / maybe / no' to interviewing a candidate, from the redacted text."""

    __tablename__ = "shortlist_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(5))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("candidate_id", "user_id"),)


class InterviewSlot(db.Model):
    """When and where a panel interviews a candidate."""

    __tablename__ = "interview_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("candidate_id", "panel_id"),)
