"""What every benchmark needs: a database, Redis, gunicorn as in production, timing helpers,
the machine's description and peak memory of the processes it started.

The real parts come from tests/support/servers.py (the same PostgreSQL cluster and Redis the
tests start), so a benchmark runs wherever the tests run.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support import servers

ROOT = servers.ROOT
VENV_BIN = Path(sys.executable).parent
LOGS = ROOT / "bench" / "results" / "logs"
SECRET = "bench-only-secret-key"  # noqa: S105 - a throwaway server on 127.0.0.1


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


SAID: list[str] = []  # everything said, for bench/results/latest.txt


def say(text: str = "") -> None:
    print(text, flush=True)
    SAID.append(text)


# --- the machine ---------------------------------------------------------------------------


def machine() -> dict:
    """What the figures were taken on, and how busy the machine was while they were."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem_kb = int(line.split()[1])
    pg = "absent"
    try:
        with servers._pg_connect() as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - only a description
        pg = "not running"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def describe_machine(info: dict) -> str:
    return (
        f"{info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB, Linux {info['kernel']}, "
        f"Python {info['python']}, PostgreSQL {info['postgresql']}; "
        f"load average {info['load_average'][0]} (1 min) at the start"
    )


# --- databases -----------------------------------------------------------------------------


def postgres_database(name: str) -> str:
    """A fresh, migrated PostgreSQL database (dropped first if a previous run left it)."""
    if servers.ensure_postgres() is None:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql")
    url = servers.create_pg_database(name)
    migrate(url)
    return url


def sqlite_database(name: str) -> str:
    folder = ROOT / "bench" / "results" / "db"
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{folder / name}.db{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{folder / name}.db"
    migrate(url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        servers.drop_pg_database(url.rsplit("/", 1)[1])
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def migrate(url: str) -> None:
    """The operator's own command: `flask --app wsgi init-db`."""
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "init-db"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "RECRUIT_ENV": "testing"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"init-db failed:\n{done.stdout}\n{done.stderr}")


# --- peak memory ---------------------------------------------------------------------------


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in found]


# --- where the CPU went ------------------------------------------------------------------


def cpu_seconds() -> dict:
    """CPU seconds used so far: by each process (pid → (name, seconds)), by this process's
    waited-for children (locust), and by the whole machine (all cores together)."""
    hz = os.sysconf("SC_CLK_TCK")
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        processes[int(entry.name)] = (name, (int(fields[11]) + int(fields[12])) / hz)
    machine = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    busy = sum(machine[:3]) + sum(machine[5:7])  # user nice system irq softirq (not steal)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "processes": processes,
        "children": children.ru_utime + children.ru_stime,
        "machine": busy / hz,
        "at": time.perf_counter(),
    }


def cpu_split(before: dict, after: dict, requests: int) -> dict:
    """Milliseconds of CPU per request between two cpu_seconds(): the web server, PostgreSQL,
    the load tool, everything else; and how busy the machine's cores were."""
    by_name: dict[str, float] = {}
    for pid, (name, seconds) in after["processes"].items():
        was = before["processes"].get(pid)
        start = was[1] if was and was[0] == name else 0.0
        by_name[name] = by_name.get(name, 0.0) + seconds - start
    web = by_name.get("gunicorn", 0.0)
    database = by_name.get("postgres", 0.0)
    load_tool = after["children"] - before["children"]
    machine = after["machine"] - before["machine"]
    wall = after["at"] - before["at"]
    per = 1000 / max(requests, 1)
    others = sorted(
        ((n, t) for n, t in by_name.items() if n not in ("gunicorn", "postgres") and t > 0.05),
        key=lambda item: -item[1],
    )
    return {
        "web_ms": round(web * per, 2),
        "postgresql_ms": round(database * per, 2),
        "load_tool_ms": round(load_tool * per, 2),
        "other_ms": round(max(machine - web - database - load_tool, 0.0) * per, 2),
        "cores_busy": round(machine / wall, 2) if wall else None,
        "busiest_others_s": {n: round(t, 2) for n, t in others[:5]},
    }


# --- gunicorn as in production -------------------------------------------------------------


@dataclass
class Web:
    """`gunicorn wsgi:app` with the production settings (config/Procfile: 2 sync workers)."""

    database_url: str
    redis_url: str
    workers: int = field(default_factory=lambda: env_int("BENCH_WEB_WORKERS", 2))
    port: int = field(default_factory=servers.free_port)
    process: subprocess.Popen | None = None
    peak_worker_rss_mb: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Web:
        LOGS.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "RECRUIT_ENV": "production",
            "SECRET_KEY": SECRET,
            "RECRUIT_FORCE_HTTPS": "0",  # plain HTTP on 127.0.0.1; TLS ends at the proxy
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SMTP_URL": "",
        }
        self._log = open(LOGS / f"gunicorn-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", str(self.workers), "--backlog", "2048", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

        def up() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self._log.name}")
            try:
                return requests.get(self.url + "/livez", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        servers.wait_for(up, timeout=60, what="gunicorn")
        # Every worker imports the app before serving; ask a few times so that all are warm.
        for _ in range(self.workers * 4):
            requests.get(self.url + "/livez", timeout=5)
        return self

    def worker_pids(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def sample_rss(self) -> float:
        peaks = [peak_rss_mb(pid) or 0.0 for pid in self.worker_pids()]
        self.peak_worker_rss_mb = max([self.peak_worker_rss_mb, *peaks])
        return self.peak_worker_rss_mb

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.sample_rss()
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self._log.close()


class Redis:
    """A Redis of the bench's own, as the tests start one."""

    def __enter__(self) -> servers.RedisServer:
        self.server = servers.RedisServer(servers.free_port()).start()
        return self.server

    def __exit__(self, *exc) -> None:
        self.server.stop()


# --- HTTP helpers --------------------------------------------------------------------------


def token(base_url: str, username: str, *, password: str | None = None, pin: str | None = None):
    body = {"username": username}
    body["password" if password else "pin"] = password or pin
    answer = requests.post(base_url + "/api/v1/tokens", json=body, timeout=60)
    answer.raise_for_status()
    return answer.json()["token"]


def page_session(base_url: str, username: str, password: str) -> requests.Session:
    """Sign in through the sign-in page. The production cookie is Secure, which a client
    keeps off plain HTTP, so the session cookie is passed on by hand (127.0.0.1 only)."""
    import re

    session = requests.Session()
    page = session.get(base_url + "/sign-in", timeout=30)
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text)
    cookie = page.cookies.get("session") or session.cookies.get("session")
    answer = session.post(
        base_url + "/sign-in",
        data={"csrf_token": csrf.group(1), "username": username, "password": password},
        headers={"Cookie": f"session={cookie}"},
        allow_redirects=False,
        timeout=60,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.text[:300]}")
    session.headers["Cookie"] = f"session={answer.cookies.get('session')}"
    session.cookies.clear()
    return session


# --- timing --------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[rank]


def time_calls(call: Callable[[], object], repeat: int, warmup: int = 3) -> dict:
    """Median, p95 and best of `repeat` calls, in milliseconds, after `warmup` calls."""
    return time_interleaved({"call": call}, repeat, warmup)["call"]


def time_interleaved(
    calls: dict[str, Callable[[], object]], repeat: int, warmup: int = 3
) -> dict[str, dict]:
    """`time_calls` of several calls taken in turn (a, b, a, b, …), so that a slower spell of
    a shared machine falls on all of them alike and their ratio holds."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {
        name: {
            "median_ms": round(statistics.median(taken), 2),
            "p95_ms": round(percentile(taken, 95), 2),
            "min_ms": round(min(taken), 2),
            "n": repeat,
        }
        for name, taken in samples.items()
    }


def unique(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def table(rows: Iterable[Iterable[object]], header: Iterable[str]) -> str:
    """A plain text table for the terminal."""
    rows = [[str(c) for c in row] for row in rows]
    header = [str(h) for h in header]
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


def save(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
