"""Idempotency keys: a retried request is applied once.

The same key (per user) with the same body replays the first answer; with a different
body it is refused (422, `idempotency_key_reused`); while the first is still being
processed a retry gets 409. Records are kept at least 24 hours.

On PostgreSQL the key is held, while its first request runs, by an advisory lock of that
request's own transaction, and the answer is stored in the same transaction as the change:
one transaction, one commit. SQLite has no such locks: there the key is claimed by a row
committed at once on a connection of its own, and the answer is written over the claim.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Response, jsonify, request
from sqlalchemy import JSON, ForeignKey, String, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.errors import Conflict, DomainError, ValidationFailed, error_body
from recruit.core.time import UTCDateTime, utcnow
from recruit.extensions import db

KEEP_FOR = timedelta(hours=48)
# A claim still "processing" after this long belongs to a request that died (the database
# restarted under it, the worker was killed): a retry takes it over instead of getting 409
# for the next 48 hours. No request of ours runs anywhere near this long.
ABANDONED_AFTER = timedelta(minutes=2)
PROCESSING, DONE = "processing", "done"


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default=PROCESSING)
    response_status: Mapped[int | None]
    response_body: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    __table_args__ = (db.UniqueConstraint("user_id", "key"),)


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    canonical = (
        json.dumps(body, sort_keys=True, separators=(",", ":"))
        if body is not None
        else (request.get_data(as_text=True))
    )
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def run_once(user, handler: Callable[[], tuple[dict, int]]) -> Response | tuple[Response, int]:
    """Run `handler` (which changes state and returns (body, status) without committing)
    at most once per Idempotency-Key; commit its change with the stored answer."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        body, status = handler()
        db.session.commit()
        return jsonify(body), status
    if len(key) > 200:
        raise ValidationFailed(fields={"Idempotency-Key": ["Use a key of at most 200 characters."]})
    fingerprint = _fingerprint()
    if db.session.get_bind().dialect.name == "postgresql":
        return _run_locked(user.id, key, fingerprint, handler)
    return _run_claimed(user.id, key, fingerprint, handler)


def _in_progress() -> Conflict:
    return Conflict(
        "The first request with this Idempotency-Key is still being processed.",
        code="idempotency_in_progress",
    )


def _stored(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )


# --- PostgreSQL: the key is held by a lock of the request's own transaction ----------------


def lock_number(user_id: int, key: str) -> int:
    """The advisory lock that stands for (user, key) while a request with it is processed."""
    digest = hashlib.sha256(f"idempotency {user_id} {key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _run_locked(user_id: int, key: str, fingerprint: str, handler):
    """One transaction: take the key's lock (a retry meanwhile cannot, and gets 409), look
    for a stored answer, run the handler and store its answer with its change, so nothing is
    written or committed twice. The lock ends with the transaction."""
    free, stored_id = db.session.execute(
        select(
            func.pg_try_advisory_xact_lock(lock_number(user_id, key)),
            select(IdempotencyRecord.id)
            .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
            .scalar_subquery(),
        )
    ).one()
    if not free:
        raise _in_progress()
    if stored_id is not None:
        existing = db.session.get(IdempotencyRecord, stored_id)
        if _abandoned(existing):  # left by a request of the claiming kind that died
            db.session.delete(existing)
            db.session.flush()
        else:
            return _replay(existing, fingerprint)
    record = IdempotencyRecord(user_id=user_id, key=key, request_hash=fingerprint, state=DONE)
    try:
        body, status = handler()
    except DomainError as error:
        db.session.rollback()
        if error.status in (400, 422):
            _keep_refusal(record, error)
        raise
    except Exception:
        db.session.rollback()
        raise
    record.response_status, record.response_body = status, body
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        # The first request with this key committed between our look and our lock: its
        # answer stands and this change is dropped.
        db.session.rollback()
        existing = _stored(user_id, key)
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    return jsonify(body), status


def _keep_refusal(record: IdempotencyRecord, error: DomainError) -> None:
    record.response_status, record.response_body = error.status, _error_body(error)
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:  # a retry stored its answer first: the same refusal
        db.session.rollback()


def _error_body(error: DomainError) -> dict:
    return error_body(error.status, error.code, error.message, error.fields)


# --- SQLite: the key is claimed by a row committed at once ---------------------------------


def _run_claimed(user_id: int, key: str, fingerprint: str, handler):
    record_id = _claim(user_id, key, fingerprint)
    if record_id is None:
        existing = _stored(user_id, key)
        if existing is not None and _abandoned(existing):
            db.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == existing.id, IdempotencyRecord.state == PROCESSING
                )
            )
            db.session.commit()
            record_id = _claim(user_id, key, fingerprint)
            if record_id is None:  # another retry took it over first
                raise _in_progress()
        elif existing is None:
            raise Conflict("The same request is being processed. Try again in a moment.")
        else:
            return _replay(existing, fingerprint)
    try:
        body, status = handler()
    except DomainError as error:
        db.session.rollback()
        _settle_error(record_id, error)
        raise
    except Exception:
        db.session.rollback()
        db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
        db.session.commit()
        raise
    db.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(state=DONE, response_status=status, response_body=body)
    )
    db.session.commit()
    return jsonify(body), status


def _claim(user_id: int, key: str, fingerprint: str) -> int | None:
    """Take the key in a transaction of its own, committed at once so that a retry sees it,
    without ending the request's transaction (so nothing it loaded has to be loaded again).
    None when the key is already taken."""
    try:
        with db.engine.begin() as connection:
            done = connection.execute(
                insert(IdempotencyRecord).values(
                    user_id=user_id,
                    key=key,
                    request_hash=fingerprint,
                    state=PROCESSING,
                    created_at=utcnow(),
                )
            )
            return done.inserted_primary_key[0]
    except IntegrityError:
        return None


def _settle_error(record_id: int, error: DomainError) -> None:
    """Keep a refusal that the same body would always get (400, 422); forget one that may
    pass later (401, 403, 404, 409), so that a retry with the same key is tried afresh."""
    record = db.session.get(IdempotencyRecord, record_id)
    if record is None:
        return
    if error.status not in (400, 422):
        db.session.delete(record)
    else:
        record.state = DONE
        record.response_status, record.response_body = error.status, _error_body(error)
    db.session.commit()


def _abandoned(record: IdempotencyRecord) -> bool:
    return record.state == PROCESSING and record.created_at < utcnow() - ABANDONED_AFTER


def _replay(record: IdempotencyRecord, fingerprint: str):
    if record.request_hash != fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was already used for a different request. Use a new key.",
            code="idempotency_key_reused",
        )
    if record.state == PROCESSING:
        raise _in_progress()
    response = jsonify(record.response_body)
    response.status_code = record.response_status
    response.headers["Idempotent-Replayed"] = "true"
    return response


def forget_old(now: datetime | None = None) -> int:
    """Delete records older than the keeping period; returns how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    return db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    ).rowcount
