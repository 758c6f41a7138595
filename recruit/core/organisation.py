"""The organisation's policy, set by an admin: one row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Numeric
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db

DEFAULT_MIN_PEOPLE_SUPPORTED_SHARE = 50.0
DEFAULT_RETENTION_MONTHS = 6


class OrganisationPolicy(db.Model):
    __tablename__ = "organisation_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    min_people_supported_share: Mapped[float] = mapped_column(
        Numeric(5, 2, asdecimal=False), default=DEFAULT_MIN_PEOPLE_SUPPORTED_SHARE
    )
    retention_months: Mapped[int] = mapped_column(default=DEFAULT_RETENTION_MONTHS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def policy() -> OrganisationPolicy:
    """The policy row, created with the defaults the first time it is asked for."""
    row = db.session.get(OrganisationPolicy, 1)
    if row is None:
        row = OrganisationPolicy(
            id=1,
            min_people_supported_share=DEFAULT_MIN_PEOPLE_SUPPORTED_SHARE,
            retention_months=DEFAULT_RETENTION_MONTHS,
        )
        db.session.add(row)
        db.session.flush()
    return row
