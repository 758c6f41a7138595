"""The audit trail: who changed what, when, with the values before and after.

It is append-only and hash-chained. Each record takes the next place in the chain (`seq`)
and carries the hash of the record before it; its own hash covers its fields and a digest
of its before/after values, so editing, deleting or slipping in a record breaks the chain,
which `flask --app wsgi verify-audit` walks. Nothing in the app updates or deletes a
record: the session refuses to, and database triggers refuse raw SQL too. The one change
allowed is a lawful erasure (`erase_from_trail`): it scrubs personal data from the values,
keeps the digest and the chain, marks the record redacted and names the erasure's own
record, which lists every record it scrubbed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    event,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db

GENESIS = "0" * 64
CHAIN_VERSION = 1
# Any fixed number: the key of the PostgreSQL advisory lock that serialises the chain.
CHAIN_LOCK_KEY = 7_262_810_001
REDACTION_COLUMNS = frozenset({"before", "after", "redacted_at", "redacted_by"})
_REDACTIONS = "audit_redactions"
_order = itertools.count()


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit record."""


class AuditRecord(db.Model):
    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None]
    vacancy_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    payload_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    redacted_by: Mapped[int | None]

    __table_args__ = (Index("ix_audit_record_subject", "subject_type", "subject_id"),)

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self._chain_order = next(_order)


# --- the hashes ---------------------------------------------------------------------------


def canonical(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def as_stored(value: Any) -> Any:
    """The value as the JSON column gives it back (keys become strings, tuples lists)."""
    return None if value is None else json.loads(json.dumps(value))


def payload_digest(before: Any, after: Any) -> str:
    return hashlib.sha256(canonical({"after": after, "before": before})).hexdigest()


def stamp(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def chain_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    vacancy_id: int | None,
    payload_digest: str,
    prev_hash: str,
) -> str:
    fields = {
        "v": CHAIN_VERSION,
        "seq": seq,
        "at": stamp(at),
        "actor_id": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "vacancy_id": vacancy_id,
        "payload_digest": payload_digest,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(fields)).hexdigest()


def hash_of(entry: Any) -> str:
    """The chain hash of a record (an AuditRecord or a row with the same attributes)."""
    return chain_hash(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        vacancy_id=entry.vacancy_id,
        payload_digest=entry.payload_digest,
        prev_hash=entry.prev_hash,
    )


# --- writing ------------------------------------------------------------------------------


def record(
    action: str,
    subject: Any,
    *,
    actor: Any | None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditRecord:
    """Add an audit record to the current transaction; the caller commits.
    Its place in the chain is given when the session flushes."""
    subject_type = type(subject).__name__
    vacancy_id = subject.id if subject_type == "Vacancy" else getattr(subject, "vacancy_id", None)
    entry = AuditRecord(
        action=action,
        subject_type=subject_type,
        subject_id=getattr(subject, "id", None),
        vacancy_id=vacancy_id,
        actor_id=getattr(actor, "id", None),
        before=as_stored(before),
        after=as_stored(after),
    )
    db.session.add(entry)
    return entry


def transaction_lock(connection: Connection, key: int, column: Column) -> None:
    """Hold a lock until the transaction ends: PostgreSQL's advisory lock `key`; on SQLite,
    a write to `column`'s table that changes nothing takes the database's one write lock."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif dialect == "sqlite":
        connection.execute(update(column.table).values({column: column}).where(literal(0) == 1))


def _take_chain_lock(connection: Connection) -> None:
    """Only one transaction at a time may add to the chain, until it ends (taken before the
    tail is read)."""
    transaction_lock(connection, CHAIN_LOCK_KEY, AuditRecord.__table__.c.seq)


def _chain(session: Session, entries: list[AuditRecord]) -> None:
    connection = session.connection()
    _take_chain_lock(connection)
    tail = connection.execute(
        select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    seq, prev = (tail.seq, tail.hash) if tail else (0, GENESIS)
    for entry in entries:
        seq += 1
        entry.seq = seq
        entry.at = entry.at or utcnow()
        entry.before, entry.after = as_stored(entry.before), as_stored(entry.after)
        entry.payload_digest = payload_digest(entry.before, entry.after)
        entry.prev_hash = prev
        entry.hash = prev = hash_of(entry)


@event.listens_for(Session, "before_flush")
def _guard_and_chain(session: Session, _context, _instances) -> None:
    """Refuse changes to audit records (other than a redaction) and chain the new ones."""
    for obj in session.deleted:
        if isinstance(obj, AuditRecord):
            raise AuditTrailIsAppendOnly(f"Audit record {obj.id} cannot be deleted.")
    allowed = session.info.get(_REDACTIONS, set())
    for obj in session.dirty:
        if isinstance(obj, AuditRecord) and session.is_modified(obj):
            state = inspect(obj)
            changed = {a.key for a in state.attrs if a.history.has_changes()}
            if id(obj) not in allowed or not changed <= REDACTION_COLUMNS:
                raise AuditTrailIsAppendOnly(
                    f"Audit record {obj.id} cannot be changed ({', '.join(sorted(changed))})."
                )
    new = [obj for obj in session.new if isinstance(obj, AuditRecord)]
    if new:
        new.sort(key=lambda obj: getattr(obj, "_chain_order", 0))
        _chain(session, new)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) == AuditRecord.__tablename__:
        raise AuditTrailIsAppendOnly("Audit records cannot be updated or deleted.")


# --- lawful erasure -----------------------------------------------------------------------


def scrub_values(value: Any, scrub: Callable[[str], str], blank: frozenset[str]) -> Any:
    """The value with every string scrubbed and the keys in `blank` emptied."""
    if isinstance(value, dict):
        return {
            k: ("" if k in blank and v else scrub_values(v, scrub, blank)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub_values(v, scrub, blank) for v in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def erase_from_trail(
    records: Iterable[AuditRecord],
    scrub: Callable[[str], str],
    *,
    blank: Callable[[AuditRecord], frozenset[str]] = lambda _record: frozenset(),
    action: str,
    subject: Any,
    actor: Any | None,
    after: dict,
) -> AuditRecord:
    """Scrub personal data from past records and audit the erasure, naming what was scrubbed.

    The chain stays whole: a scrubbed record keeps its digest and hash, and is marked
    redacted by the erasure's record (whose own values list it)."""
    changes = []
    for entry in records:
        keys = blank(entry)
        before = scrub_values(entry.before, scrub, keys)
        values_after = scrub_values(entry.after, scrub, keys)
        if (before, values_after) != (entry.before, entry.after):
            changes.append((entry, before, values_after))
    changes.sort(key=lambda change: change[0].seq)
    erasure = record(
        action,
        subject,
        actor=actor,
        after={**after, "audit_records_redacted": [entry.seq for entry, _, _ in changes]},
    )
    db.session.flush()
    allowed = db.session.info.setdefault(_REDACTIONS, set())
    now = utcnow()
    for entry, before, values_after in changes:
        allowed.add(id(entry))
        entry.before, entry.after = before, values_after
        entry.redacted_at, entry.redacted_by = now, erasure.seq
    db.session.flush()
    for entry, _, _ in changes:
        allowed.discard(id(entry))
    return erasure


# --- checking the chain -------------------------------------------------------------------


@dataclass
class ChainReport:
    count: int = 0
    redacted: list[int] = field(default_factory=list)
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS

    @property
    def intact(self) -> bool:
        return self.problem is None


def _rows(connection: Connection, batch: int) -> Iterator[Any]:
    last = None
    while True:
        query = select(AuditRecord.__table__).order_by(AuditRecord.seq).limit(batch)
        if last is not None:
            query = query.where(AuditRecord.seq > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(connection: Connection, *, batch: int = 1000) -> ChainReport:
    """Walk the chain from the first record; stop at the first that does not hold."""
    report = ChainReport()
    prev, expected, last_id = GENESIS, 1, 0
    redactions: dict[int, int] = {}
    erasures: dict[int, set[int]] = {}

    def broken(row, problem: str) -> ChainReport:
        report.broken_seq, report.broken_id, report.problem = row.seq, row.id, problem
        return report

    for row in _rows(connection, batch):
        if row.seq != expected:
            what = f"record {expected} is missing" if row.seq > expected else "it is out of place"
            return broken(row, f"{what}: the chain goes from {expected - 1} to {row.seq}")
        if row.prev_hash != prev:
            return broken(row, f"it does not follow record {expected - 1} (a different record)")
        if row.id <= last_id:
            return broken(row, "it was inserted out of order (its id is older than the last)")
        if hash_of(row) != row.hash:
            return broken(row, "its details were changed after it was written")
        if row.redacted_by is None:
            if payload_digest(row.before, row.after) != row.payload_digest:
                return broken(row, "its before/after values were changed after it was written")
        else:
            report.redacted.append(row.seq)
            redactions[row.seq] = row.redacted_by
        listed = (row.after or {}).get("audit_records_redacted")
        if isinstance(listed, list):
            erasures[row.seq] = set(listed)
        prev, expected, last_id = row.hash, expected + 1, row.id
        report.count += 1
        report.head_seq, report.head_hash = row.seq, row.hash
    for seq, by in sorted(redactions.items()):
        if seq not in erasures.get(by, set()):
            row = connection.execute(
                select(AuditRecord.seq, AuditRecord.id).where(AuditRecord.seq == seq)
            ).one()
            return broken(
                row,
                f"it is marked as erased by record {by}, which does not list it: "
                "its values were changed",
            )
    return report


# --- the database's own guard -------------------------------------------------------------

_KEPT = ("id", "seq", "at", "actor_id", "action", "subject_type", "subject_id", "vacancy_id")
_KEPT += ("payload_digest", "prev_hash", "hash")
_SQLITE_REDACTION = (
    " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _KEPT)
    + " AND NEW.redacted_at IS NOT NULL AND NEW.redacted_by IS NOT NULL"
    + " AND NEW.redacted_by > COALESCE(OLD.redacted_by, 0)"
)
_PG_REDACTION = (
    " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _KEPT)
    + " AND NEW.redacted_at IS NOT NULL AND NEW.redacted_by IS NOT NULL"
    + " AND NEW.redacted_by > COALESCE(OLD.redacted_by, 0)"
)
REFUSAL = "audit records are append-only"
GUARDS = {
    "sqlite": {
        "install": [
            "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record "
            f"WHEN NOT ({_SQLITE_REDACTION}) "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: update refused'); END",
            "CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}: delete refused'); END",
        ],
        "drop": [
            "DROP TRIGGER IF EXISTS audit_record_no_update",
            "DROP TRIGGER IF EXISTS audit_record_no_delete",
        ],
    },
    "postgresql": {
        "install": [
            "CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'TRUNCATE' THEN RAISE EXCEPTION '{REFUSAL}: truncate refused' "
            "USING ERRCODE = 'restrict_violation'; END IF; "
            f"IF TG_OP = 'UPDATE' AND {_PG_REDACTION} THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{REFUSAL}: %% of record %% refused', lower(TG_OP), OLD.id "
            "USING ERRCODE = 'restrict_violation'; END $$",
            "CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record "
            "FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()",
            "CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()",
        ],
        "drop": [
            "DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record",
            "DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record",
        ],
    },
}


def install_guards(connection: Connection) -> None:
    """Triggers that refuse UPDATE (but a redaction) and DELETE of audit records."""
    for statement in GUARDS.get(connection.dialect.name, {}).get("install", []):
        connection.exec_driver_sql(statement)


def drop_guards(connection: Connection) -> None:
    for statement in GUARDS.get(connection.dialect.name, {}).get("drop", []):
        connection.exec_driver_sql(statement)


@contextmanager
def guards_lifted(connection: Connection) -> Iterator[None]:
    """For a restore over a database (and tests): the triggers are off inside the
    transaction only; if it fails, rolling back puts them back."""
    drop_guards(connection)
    yield
    install_guards(connection)
