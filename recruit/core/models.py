"""Imports every area's models so that metadata (and Alembic) sees all tables."""

from recruit.core.audit import AuditRecord
from recruit.core.outbox import OutboxMessage
from recruit.people.models import ApiToken, TabletMember, TabletSession, User

__all__ = ["ApiToken", "AuditRecord", "OutboxMessage", "TabletMember", "TabletSession", "User"]
