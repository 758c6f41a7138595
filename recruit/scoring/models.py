from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db

DRAFT, SUBMITTED = "draft", "submitted"
WOULD_WORK_WITH = ("yes", "not_sure", "no")


class Scoresheet(db.Model):
    """One member's scores for one candidate. Counts only once submitted."""

    __tablename__ = "scoresheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    comment: Mapped[str] = mapped_column(Text, default="")
    would_work_with: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    amendments: Mapped[int] = mapped_column(default=0)

    scores: Mapped[list[Score]] = relationship(
        cascade="all, delete-orphan", order_by="Score.quality_id", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("candidate_id", "user_id"),
        Index("ix_scoresheet_vacancy_status", "vacancy_id", "status"),
    )


class Score(db.Model):
    """A value on the panel's scale for one quality; None means "not sure" (not a zero)."""

    __tablename__ = "score"

    id: Mapped[int] = mapped_column(primary_key=True)
    scoresheet_id: Mapped[int] = mapped_column(ForeignKey("scoresheet.id", ondelete="CASCADE"))
    quality_id: Mapped[int] = mapped_column(ForeignKey("quality.id", ondelete="CASCADE"))
    value: Mapped[int | None]

    __table_args__ = (UniqueConstraint("scoresheet_id", "quality_id"),)
