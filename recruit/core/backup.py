"""Backups in a portable format: every table, row by row, as gzip'd JSON lines.

The same file restores into SQLite or PostgreSQL (so a backup of the embedded default
moves to PostgreSQL). It names the schema revision it was made at; a restore needs the
same revision, refuses to replace data unless forced, and runs in one transaction.

The file holds candidates' and people's personal data: it is written readable by its
owner only, and must be kept like the database itself.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import Column, Date, DateTime, LargeBinary, Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from recruit.core import audit
from recruit.core.time import utcnow
from recruit.extensions import db

FORMAT = "recruit-backup"
VERSION = 1
BATCH = 500


class BackupRefused(Exception):
    """A backup or restore that cannot go ahead; the message says why in plain words."""


@dataclass
class Summary:
    revision: str
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def database_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _kind(column: Column) -> type | None:
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    for known in (DateTime, Date, LargeBinary):
        if isinstance(kind, known):
            return known
    return None


def _encode(value: Any, kind: type | None) -> Any:
    if value is None:
        return None
    if kind is DateTime:
        return value.isoformat()
    if kind is Date:
        return value.isoformat()
    if kind is LargeBinary:
        return base64.b64encode(value).decode()
    return value


def _decode(value: Any, kind: type | None) -> Any:
    if value is None:
        return None
    if kind is DateTime:
        return datetime.fromisoformat(value)
    if kind is Date:
        return date.fromisoformat(value)
    if kind is LargeBinary:
        return base64.b64decode(value)
    return value


def _tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(db.metadata.sorted_tables)


def _line(stream: IO[str], value: Any) -> None:
    stream.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")


def _snapshot(connection: Connection) -> None:
    """Read every table as of one moment, while the app goes on writing."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def backup(path: Path) -> Summary:
    """Write every table to `path` (gzip'd JSON lines), replacing it only when complete."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            os.fdopen(descriptor, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb") as zipped,
            db.engine.connect() as connection,
        ):
            stream = _TextLines(zipped)
            _snapshot(connection)
            revision = database_revision(connection)
            if revision is None:
                raise BackupRefused(
                    "This database has no schema yet, so there is nothing to back up."
                )
            summary = Summary(revision)
            tables = _tables()
            _line(
                stream,
                {
                    "format": FORMAT,
                    "version": VERSION,
                    "revision": revision,
                    "made_at": utcnow().isoformat(),
                    "database": connection.dialect.name,
                    "tables": [t.name for t in tables],
                },
            )
            for table in tables:
                columns = list(table.columns)
                kinds = [_kind(c) for c in columns]
                count = connection.scalar(select(func.count()).select_from(table)) or 0
                _line(stream, {"table": table.name, "columns": [c.name for c in columns]})
                written = 0
                order = list(table.primary_key.columns)
                for row in connection.execute(select(table).order_by(*order)).yield_per(BATCH):
                    _line(stream, [_encode(v, k) for v, k in zip(row, kinds, strict=True)])
                    written += 1
                summary.rows[table.name] = written
                if written < count:
                    raise BackupRefused(f"Table {table.name} changed while it was read.")
            _line(stream, {"end": True, "rows": summary.rows})
            stream.flush()
            connection.rollback()
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


class _TextLines:
    """Text lines onto a binary stream, without TextIOWrapper closing it."""

    def __init__(self, binary: IO[bytes]) -> None:
        self.binary = binary

    def write(self, value: str) -> None:
        self.binary.write(value.encode())

    def flush(self) -> None:
        self.binary.flush()


def _read(path: Path) -> Iterator[Any]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    raise BackupRefused(
                        f"{path} is damaged: line {number} is not readable."
                    ) from None
    except (OSError, EOFError) as error:
        raise BackupRefused(f"{path} is not a complete recruit backup ({error}).") from None


def _rows_held(connection: Connection) -> dict[str, int]:
    held = {}
    for table in _tables():
        count = connection.scalar(select(func.count()).select_from(table)) or 0
        if count:
            held[table.name] = count
    return held


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: the next id of every table follows the restored rows."""
    for table in _tables():
        if [c.name for c in table.primary_key.columns] != ["id"]:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608 - names from our own schema
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )


def restore(path: Path, *, force: bool = False) -> Summary:
    """Replace the database's data with the backup's, in one transaction."""
    from flask_migrate import upgrade

    lines = _read(Path(path))
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupRefused(f"{path} is not a recruit backup.")
    if header.get("version") != VERSION:
        raise BackupRefused(
            f"{path} is a backup of format version {header.get('version')}; "
            f"this copy of recruit reads version {VERSION}."
        )
    head = head_revision()
    revision = header.get("revision")
    if revision != head:
        raise BackupRefused(
            f"This backup was made at schema revision {revision}, but this copy of recruit "
            f"is at revision {head}. Restore it with the release of recruit that made it, "
            "then upgrade with `flask --app wsgi init-db`."
        )
    with db.engine.connect() as connection:
        current = database_revision(connection)
    if current is None:
        upgrade()
    elif current != head:
        raise BackupRefused(
            f"The database is at schema revision {current}, not {head}. "
            "Run `flask --app wsgi init-db` first, then restore."
        )
    tables = {t.name: t for t in _tables()}
    if sorted(header.get("tables", [])) != sorted(tables):
        raise BackupRefused("The backup's tables are not this schema's tables.")
    summary = Summary(revision)
    with db.engine.begin() as connection:
        held = _rows_held(connection)
        if held and not force:
            biggest = sorted(held.items(), key=lambda item: -item[1])[:3]
            counts = ", ".join(f"{n} in {name}" for name, n in biggest)
            raise BackupRefused(
                f"The database already holds data ({sum(held.values())} rows, {counts}, ...). "
                "Restoring would replace all of it: add --force if that is what you want."
            )
        with audit.guards_lifted(connection):
            for table in reversed(_tables()):
                connection.execute(table.delete())
            ended = _load(connection, lines, tables, summary)
        if not ended:
            raise BackupRefused(f"{path} is not complete: it ends before its last table.")
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
    return summary


def _load(connection: Connection, lines: Iterator[Any], tables: dict, summary: Summary) -> bool:
    table = None
    kinds: list[type | None] = []
    names: list[str] = []
    batch: list[dict] = []

    def flush() -> None:
        if batch:
            connection.execute(table.insert(), batch)
            summary.rows[table.name] = summary.rows.get(table.name, 0) + len(batch)
            batch.clear()

    for item in lines:
        if isinstance(item, list):
            if table is None or len(item) != len(names):
                raise BackupRefused("The backup is damaged: a row does not fit its table.")
            batch.append({n: _decode(v, k) for n, v, k in zip(names, item, kinds, strict=True)})
            if len(batch) >= BATCH:
                flush()
        elif isinstance(item, dict) and "table" in item:
            if table is not None:
                flush()
            table = tables.get(item["table"])
            if table is None or set(item["columns"]) != {c.name for c in table.columns}:
                raise BackupRefused(f"The backup's table {item['table']} does not fit the schema.")
            names = item["columns"]
            kinds = [_kind(table.columns[n]) for n in names]
            summary.rows.setdefault(table.name, 0)
        elif isinstance(item, dict) and item.get("end"):
            if table is not None:
                flush()
            if item.get("rows") != summary.rows:
                raise BackupRefused("The backup is damaged: its row counts do not add up.")
            return True
        else:
            raise BackupRefused("The backup is damaged: a line is not a row nor a table.")
    return False
