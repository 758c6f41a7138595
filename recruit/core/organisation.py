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


def set_policy(actor, *, min_people_supported_share: float, retention_months: int) -> None:
    from recruit.core import audit
    from recruit.core.errors import ValidationFailed

    errors: dict[str, list[str]] = {}
    if not 0 <= min_people_supported_share <= 100:
        errors["min_people_supported_share"] = ["Give a percentage from 0 to 100."]
    if not isinstance(retention_months, int) or not 1 <= retention_months <= 120:
        errors["retention_months"] = ["Give a number of months from 1 to 120."]
    if errors:
        raise ValidationFailed(fields=errors)
    row = policy()
    before = {
        "min_people_supported_share": row.min_people_supported_share,
        "retention_months": row.retention_months,
    }
    row.min_people_supported_share = min_people_supported_share
    row.retention_months = retention_months
    db.session.flush()
    audit.record(
        "policy.updated",
        row,
        actor=actor,
        before=before,
        after={
            "min_people_supported_share": min_people_supported_share,
            "retention_months": retention_months,
        },
    )
