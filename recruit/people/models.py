from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    HR = "hr"
    PANEL_LEAD = "panel_lead"
    STAFF = "staff"
    PERSON_SUPPORTED = "person_supported"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.HR: "HR",
    Role.PANEL_LEAD: "Panel lead",
    Role.STAFF: "Staff",
    Role.PERSON_SUPPORTED: "Person supported",
}


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    # Where a person supported lives or is supported (matches Vacancy.service); set by HR.
    service: Mapped[str | None] = mapped_column(String(200), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    pin_failures: Mapped[int] = mapped_column(default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("uq_user_username_lower", func.lower(username), unique=True),)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def initials(self) -> str:
        parts = [p for p in self.display_name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only a SHA-256 hash of the token is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class TabletSession(db.Model):
    """A shared tablet opened by staff for the people taking part today.

    The tablet shows these people's names; each taps their own and enters their PIN.
    """

    __tablename__ = "tablet_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[TabletMember]] = relationship(
        cascade="all, delete-orphan", order_by="TabletMember.position"
    )


class TabletMember(db.Model):
    __tablename__ = "tablet_member"

    tablet_session_id: Mapped[int] = mapped_column(
        ForeignKey("tablet_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(lazy="joined")
