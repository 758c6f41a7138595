"""Messages to a person: kept in the app for everyone (shown when they sign in, read aloud
on the tablet) and emailed through the outbox to those who have an address."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.mail import queue_email
from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db


class Notice(db.Model):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def tell(user, template: str, *, link: str | None = None, calendar: str | None = None, **context):
    """Give `user` the message `templates/email/<template>.txt`: in the app, and by email."""
    text = render_template(f"email/{template}.txt", user=user, **context)
    subject, _, body = text.partition("\n")
    notice = Notice(user_id=user.id, subject=subject.strip()[:300], body=body.strip(), link=link)
    db.session.add(notice)
    if user.email:
        queue_email(user.email, template, calendar=calendar, user=user, **context)
    return notice


def unread(user, limit: int = 5) -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.user_id == user.id, Notice.read_at.is_(None))
            .order_by(Notice.id.desc())
            .limit(limit)
        ).all()
    )


def all_for(user, limit: int = 100) -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice).where(Notice.user_id == user.id).order_by(Notice.id.desc()).limit(limit)
        ).all()
    )


def mark_read(user, notice_id: int) -> bool:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        return False
    notice.read_at = notice.read_at or utcnow()
    return True
