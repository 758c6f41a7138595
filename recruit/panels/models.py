from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db
from recruit.people.models import User


class PanelKind(enum.StrEnum):
    PEOPLE_SUPPORTED = "people_supported"
    STAFF = "staff"
    MIXED = "mixed"


KIND_LABELS = {
    PanelKind.PEOPLE_SUPPORTED: "People supported",
    PanelKind.STAFF: "Staff",
    PanelKind.MIXED: "Mixed",
}


class Panel(db.Model):
    __tablename__ = "panel"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(
        ForeignKey("vacancy.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    weight: Mapped[float] = mapped_column(Float)
    scale: Mapped[int]
    max_interviews_per_day: Mapped[int | None]
    break_minutes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[PanelMember]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id"
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[PanelKind(self.kind)]


class PanelMember(db.Model):
    __tablename__ = "panel_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="member")
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    panel: Mapped[Panel] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    supporter: Mapped[User | None] = relationship(foreign_keys=[supporter_id])

    # One seat per person per vacancy: nobody scores a candidate twice.
    __table_args__ = (UniqueConstraint("vacancy_id", "user_id"),)

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


class Declaration(db.Model):
    """A member's confidentiality agreement and conflicts of interest; the latest one counts.
    It speaks only of the candidates that existed when it was made (`covered`): a candidate
    added later needs a new declaration before the member sees or scores them."""

    __tablename__ = "declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    confidentiality: Mapped[bool]
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    conflicts: Mapped[list[DeclaredConflict]] = relationship(cascade="all, delete-orphan")
    covered: Mapped[list[DeclaredAbout]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (db.Index("ix_declaration_member", "vacancy_id", "user_id", "id"),)


class DeclaredConflict(db.Model):
    __tablename__ = "declared_conflict"

    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True
    )


class DeclaredAbout(db.Model):
    """A candidate the member was asked about in this declaration (conflicted or not)."""

    __tablename__ = "declared_about"

    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declaration.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True
    )


class Training(db.Model):
    """Panel training someone has done: shown to the lead as a reminder, never a block."""

    __tablename__ = "training"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
