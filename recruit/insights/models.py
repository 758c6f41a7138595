"""Co-evaluation: check-ins with the people supported some months after an appointment, the
invitations to them (one per person per check-in), their answers on the pictorial scale, and
the probation views of staff and the line manager."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db

CHECK_IN_SCALE = 3  # the 3-point pictorial scale of the scoring screens: No, A bit, Yes


class InvitationKind(enum.StrEnum):
    CHECK_IN = "check_in"  # a person supported: the easy-read check-in on the tablet
    PROBATION = "probation"  # staff and leads on the panel: a probation view


class Going(enum.StrEnum):
    WELL = "well"
    MIXED = "mixed"
    NOT_WELL = "not_well"


GOING_LABELS = {
    Going.WELL: "Going well",
    Going.MIXED: "Some things well, some not",
    Going.NOT_WELL: "Not going well",
}


class ProbationOutcome(enum.StrEnum):
    PASSED = "passed"
    EXTENDED = "extended"
    NOT_PASSED = "not_passed"
    LEFT = "left"


OUTCOME_LABELS = {
    ProbationOutcome.PASSED: "Passed probation",
    ProbationOutcome.EXTENDED: "Probation extended",
    ProbationOutcome.NOT_PASSED: "Did not pass probation",
    ProbationOutcome.LEFT: "Left before the end of probation",
}
# Whether the person stayed past probation (None: not known yet).
STAYED = {
    ProbationOutcome.PASSED: True,
    ProbationOutcome.NOT_PASSED: False,
    ProbationOutcome.LEFT: False,
}


class CheckIn(db.Model):
    """A check-in about one appointed candidate, `months` after the appointment."""

    __tablename__ = "check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    months: Mapped[int]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("candidate_id", "months"),)


class CheckInInvitation(db.Model):
    """The record that a person was invited to a check-in: at most one each, so a beat task
    that runs twice invites nobody twice."""

    __tablename__ = "check_in_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(
        ForeignKey("check_in.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("check_in_id", "user_id"),)


class CheckInResponse(db.Model):
    """A person supported's answers to a check-in, kept beside their interview scores."""

    __tablename__ = "check_in_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(
        ForeignKey("check_in.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changes: Mapped[int] = mapped_column(default=0)

    values: Mapped[list[CheckInValue]] = relationship(
        cascade="all, delete-orphan", order_by="CheckInValue.quality_id", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("check_in_id", "user_id"),)


class CheckInValue(db.Model):
    """One answer on the 3-point scale for one quality; None is "not sure" (not a zero)."""

    __tablename__ = "check_in_value"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("check_in_response.id", ondelete="CASCADE"), primary_key=True
    )
    quality_id: Mapped[int] = mapped_column(
        ForeignKey("quality.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int | None]


class ProbationView(db.Model):
    """How a new staff member is doing, in the view of a colleague on the panel or the line
    manager (the vacancy's panel lead or HR), who also records the probation outcome."""

    __tablename__ = "probation_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    going: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("candidate_id", "user_id"),)

    @property
    def going_label(self) -> str:
        return GOING_LABELS[Going(self.going)]

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[ProbationOutcome(self.outcome)] if self.outcome else ""
