"""Checkpoints of the audit trail: where the chain's head was, noted at each daily check.

The chain alone cannot show that its newest records were deleted, or rewritten and their
hashes recomputed (there is no secret key). A checkpoint notes the head (seq and hash) of
a trail that held; a later check finds a checkpointed record that is missing or has
another hash. The workers take one every `AUDIT_VERIFY_HOURS` and log the head, so that
an operator can keep it off the machine too; the admins are told once about each problem.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, Text, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.audit import AuditRecord, ChainReport, transaction_lock, verify_chain
from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db

# Any fixed number, other than the chain's: serialises checkpoints taken at the same time.
CHECKPOINT_LOCK_KEY = 7_262_810_002
ADMIN_EMAIL = "audit_trail_problem"


class AuditCheckpoint(db.Model):
    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The head: the last record that held (0 and the genesis hash for an empty trail).
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int]
    # None when the chain and every earlier checkpoint held; only those are compared later.
    problem: Mapped[str | None] = mapped_column(Text)
    # The same problem found again has the same key, so the admins are told only once.
    problem_key: Mapped[str | None] = mapped_column(String(64))
    # How many admins this check told (0 when the problem was already known, or none).
    admins_told: Mapped[int] = mapped_column(default=0)

    @property
    def held(self) -> bool:
        return self.problem is None


@dataclass
class Mismatch:
    """A checkpoint whose record is gone or no longer has the hash it had."""

    checkpoint_id: int
    taken_at: datetime
    seq: int
    noted_hash: str
    now_hash: str | None

    def describe(self) -> str:
        when = f"checkpoint {self.checkpoint_id}, taken {self.taken_at:%Y-%m-%d %H:%M:%S} UTC,"
        if self.now_hash is None:
            return (
                f"{when} no longer matches: it noted record {self.seq}, "
                f"which is no longer there (the newest records were deleted since)"
            )
        return (
            f"{when} no longer matches: record {self.seq} had the hash "
            f"{self.noted_hash} then and has {self.now_hash} now (the records up to it were "
            "rewritten since)"
        )


def mismatched_checkpoints(connection: Connection) -> list[Mismatch]:
    """Every checkpoint of a trail that held whose record is now missing or different,
    oldest first (the first one shows roughly where the rewrite starts)."""
    rows = connection.execute(
        select(
            AuditCheckpoint.id,
            AuditCheckpoint.taken_at,
            AuditCheckpoint.seq,
            AuditCheckpoint.hash,
            AuditRecord.hash.label("now_hash"),
        )
        .outerjoin(AuditRecord, AuditRecord.seq == AuditCheckpoint.seq)
        .where(AuditCheckpoint.problem.is_(None), AuditCheckpoint.seq > 0)
        .order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
    ).all()
    return [
        Mismatch(row.id, row.taken_at, row.seq, row.hash, row.now_hash)
        for row in rows
        if row.now_hash != row.hash
    ]


@dataclass
class TrailCheck:
    chain: ChainReport
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.chain.intact:
            found.append(
                f"the chain is broken at record {self.chain.broken_seq}: {self.chain.problem}"
            )
        if self.mismatches:
            first, later = self.mismatches[0], len(self.mismatches) - 1
            found.append(
                first.describe() + (f"; and {later} later checkpoint(s) neither" if later else "")
            )
        return found

    @property
    def problem(self) -> str | None:
        return "; ".join(self.problems) or None


def check_trail(connection: Connection) -> TrailCheck:
    """Walk the chain, then compare every checkpoint with the record it noted."""
    return TrailCheck(verify_chain(connection), mismatched_checkpoints(connection))


def _take_checkpoint_lock(connection: Connection) -> None:
    """Two checks at once (two beats) must not both tell the admins of one problem."""
    transaction_lock(connection, CHECKPOINT_LOCK_KEY, AuditCheckpoint.__table__.c.id)


def last_checkpoint() -> AuditCheckpoint | None:
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))


def take_checkpoint() -> AuditCheckpoint:
    """Check the trail and its checkpoints, note the head, and tell the admins of a problem
    the check before did not find. Flushes; the caller commits."""
    from recruit.core.notices import tell
    from recruit.people.models import User

    connection = db.session.connection()
    check = check_trail(connection)
    _take_checkpoint_lock(connection)
    previous = last_checkpoint()
    problem = check.problem
    checkpoint = AuditCheckpoint(
        taken_at=utcnow(),
        seq=check.chain.head_seq,
        hash=check.chain.head_hash,
        record_count=check.chain.count,
        problem=problem,
        problem_key=hashlib.sha256(problem.encode()).hexdigest() if problem else None,
    )
    if problem and (previous is None or previous.problem_key != checkpoint.problem_key):
        admins = db.session.scalars(
            select(User)
            .where(User.role == "admin", User.is_active_account.is_(True))
            .order_by(User.id)
        ).all()
        for admin in admins:
            tell(admin, ADMIN_EMAIL, link="/audit", problems=check.problems, checkpoint=checkpoint)
        checkpoint.admins_told = len(admins)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint
