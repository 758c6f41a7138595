from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db
from recruit.people.models import User


class QualityStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SourceGroup(enum.StrEnum):
    PEOPLE_SUPPORTED = "people_supported"
    STAFF = "staff"
    HR = "hr"


GROUP_LABELS = {
    SourceGroup.PEOPLE_SUPPORTED: "People supported",
    SourceGroup.STAFF: "Staff",
    SourceGroup.HR: "HR",
}


class Quality(db.Model):
    __tablename__ = "quality"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(200))
    easy_read: Mapped[str] = mapped_column(Text, default="")
    symbol: Mapped[str] = mapped_column(String(32), default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    source_group: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=QualityStatus.PROPOSED)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    prompt: Mapped[str] = mapped_column(Text, default="")
    interview_question: Mapped[str] = mapped_column(Text, default="")
    # Asked at the co-evaluation check-ins, months after the appointment.
    check_in_question: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)
    reused_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    votes: Mapped[list[QualityVote]] = relationship(cascade="all, delete-orphan")

    @property
    def group_label(self) -> str:
        return GROUP_LABELS[SourceGroup(self.source_group)]


class QualityVote(db.Model):
    __tablename__ = "quality_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    quality_id: Mapped[int] = mapped_column(ForeignKey("quality.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("quality_id", "user_id"),)
