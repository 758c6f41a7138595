"""Idempotency keys: a retried request is applied once.

The same key (per user) with the same body replays the first answer; with a different
body it is refused (422, `idempotency_key_reused`); while the first is still being
processed a retry gets 409. Records are kept at least 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Response, jsonify, request
from sqlalchemy import JSON, ForeignKey, String, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from recruit.core.errors import Conflict, DomainError, ValidationFailed
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
    record_id = _claim(user.id, key, fingerprint)
    if record_id is None:
        existing = db.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key
            )
        )
        if existing is not None and _abandoned(existing):
            db.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == existing.id, IdempotencyRecord.state == PROCESSING
                )
            )
            db.session.commit()
            record_id = _claim(user.id, key, fingerprint)
            if record_id is None:  # another retry took it over first
                raise Conflict(
                    "The first request with this Idempotency-Key is still being processed.",
                    code="idempotency_in_progress",
                )
    if record_id is None:
        if existing is None:
            raise Conflict("The same request is being processed. Try again in a moment.") from None
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
    None when the key is already taken.

    On PostgreSQL this commit does not wait for the disk: the request's own commit, later,
    flushes the log up to and past it, and a claim lost in a crash before then only means
    the retry runs the request afresh, which is what it would do anyway."""
    try:
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
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
        body: dict = {"code": error.code, "message": error.message}
        if error.fields:
            body["fields"] = error.fields
        record.state = DONE
        record.response_status = error.status
        record.response_body = {"error": body}
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
        raise Conflict(
            "The first request with this Idempotency-Key is still being processed.",
            code="idempotency_in_progress",
        )
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
