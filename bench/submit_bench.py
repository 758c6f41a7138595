"""1. Submitting scores: N tablets (10, 50, 200) sign in by PIN, then save and send
scoresheets for a vacancy with 12 qualities, with think time, for a fixed time, driven by
locust against gunicorn. The same tablets then ask a trivial endpoint of the same app on the
same server (`/livez`, no database): the ceiling, reported as a ratio.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench import common, seed

TABLETS = [int(n) for n in os.environ.get("BENCH_TABLETS", "10,50,200").split(",")]
# SQLite is the embedded default (`make run`): a small provider's one machine. It is run at
# these tablet counts only ("" for none).
SQLITE_TABLETS = [int(n) for n in os.environ.get("BENCH_SQLITE_TABLETS", "50").split(",") if n]
DURATION = common.env_int("BENCH_DURATION", 20)
THINK_MIN = common.env_float("BENCH_THINK_MIN", 0.5)
THINK_MAX = common.env_float("BENCH_THINK_MAX", 2.0)
SATURATE_AT = common.env_int("BENCH_SATURATE_AT", 50)
# Tablets switched on a second in the runs with think time: 50 tablets all running after 5 s.
# (They cannot start faster in life: signing 50 people in by PIN takes the server about 5 s.)
# How the same tablets fare when they all send at the same instant is measured on its own.
SPAWN_RATE = common.env_float("BENCH_SPAWN_RATE", 10)
CANDIDATES = 60
QUALITIES = 12
OUT = common.ROOT / "bench" / "results" / "locust"


def sign_in_all(base_url: str, day: seed.InterviewDay, n: int) -> tuple[list[dict], dict]:
    """Every tablet signs in by PIN at the same moment; each sign-in is timed."""
    members = day.members[:n]
    scales = day.extra["scales"]

    def one(member: seed.Member):
        start = time.perf_counter()
        answer = requests.post(
            base_url + "/api/v1/tokens",
            json={"username": member.username, "pin": seed.PIN},
            timeout=120,
        )
        took = (time.perf_counter() - start) * 1000
        return member, answer, took

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(n, 64)) as pool:
        done = list(pool.map(one, members))
    wall = time.perf_counter() - start
    tablets, latencies, errors = [], [], 0
    for member, answer, took in done:
        latencies.append(took)
        if answer.status_code != 201:
            errors += 1
            continue
        tablets.append(
            {
                "token": answer.json()["token"],
                "scale": scales[member.panel_id],
                "person_supported": answer.json()["user"]["role"] == "person_supported",
            }
        )
    figures = {
        "sign_ins": n,
        "errors": errors,
        "per_second": round(n / wall, 1),
        "p50_ms": round(common.percentile(latencies, 50), 1),
        "p95_ms": round(common.percentile(latencies, 95), 1),
        "p99_ms": round(common.percentile(latencies, 99), 1),
    }
    return tablets, figures


def locust(
    base_url: str, tablets_file: Path, users: int, target: str, think: tuple, spawn_rate: float
) -> dict:
    """One headless locust run; returns the aggregated figures from its CSV."""
    OUT.mkdir(parents=True, exist_ok=True)
    prefix = OUT / f"{target}-{tablets_file.stem.removeprefix('tablets-')}-{think[1]}"
    env = {
        **os.environ,
        "BENCH_TABLETS": str(tablets_file),
        "BENCH_TARGET": target,
        "BENCH_THINK_MIN": str(think[0]),
        "BENCH_THINK_MAX": str(think[1]),
        "BENCH_TRACE": f"{prefix}.trace",
    }
    before = common.cpu_seconds()
    subprocess.run(
        [str(common.VENV_BIN / "locust"), "-f", str(common.ROOT / "bench" / "locustfile.py")]
        + ["--headless", "-u", str(users), "-r", str(spawn_rate), "-t", f"{DURATION}s"]
        + ["--host", base_url, "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR"]
        + ["--stop-timeout", "10"],
        cwd=common.ROOT,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=open(f"{prefix}.log", "w"),  # noqa: SIM115
    )
    after = common.cpu_seconds()
    with open(f"{prefix}_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {row["Name"]: row for row in rows}
    total = by_name["Aggregated"]

    def figures(row: dict) -> dict:
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }

    out = figures(total)
    out["by_request"] = {n: figures(r) for n, r in by_name.items() if n != "Aggregated"}
    out.update(split_by_time(Path(f"{prefix}.trace")))
    out["cpu_per_request"] = common.cpu_split(before, after, out["requests"])
    failures = Path(f"{prefix}_failures.csv")
    if out["errors"] and failures.exists():
        out["failures"] = failures.read_text()[:2000]
    return out


def split_by_time(trace: Path) -> dict:
    """Latency of the requests sent in the first second (every tablet starting at once)
    and of those after it, from the trace each locust request writes."""
    rows = []
    for line in trace.read_text().splitlines():
        start, took, _ = line.split(" ", 2)
        rows.append((float(start), float(took)))
    if not rows:
        return {}
    first = min(start for start, _ in rows)

    def figures(times: list[float]) -> dict:
        return {
            "requests": len(times),
            "p50_ms": round(common.percentile(times, 50), 1) if times else None,
            "p99_ms": round(common.percentile(times, 99), 1) if times else None,
            "max_ms": round(max(times), 1) if times else None,
        }

    return {
        "first_second": figures([took for start, took in rows if start - first < 1]),
        "after_first_second": figures([took for start, took in rows if start - first >= 1]),
    }


def burst(base_url: str, tablets: list[dict], day: seed.InterviewDay) -> dict:
    """Every tablet sends a whole scoresheet at the same instant (each for a candidate of its
    own, from a thread of its own released by one barrier): how long until all are answered."""
    gate = threading.Barrier(len(tablets))

    def send(n: int):
        tablet = tablets[n]
        body = {
            "scores": [{"quality_id": q, "value": tablet["scale"]} for q in day.quality_ids],
            "comment": "Kind and patient.",
            "submit": True,
        }
        if tablet["person_supported"]:
            body["would_work_with"] = "yes"
        candidate = day.candidate_ids[n % len(day.candidate_ids)]
        headers = {"Authorization": f"Bearer {tablet['token']}", "Idempotency-Key": f"b{n}"}
        gate.wait()
        start = time.perf_counter()
        answer = requests.put(
            f"{base_url}/api/v1/candidates/{candidate}/scoresheet",
            json=body,
            headers=headers,
            timeout=60,
        )
        return start, time.perf_counter(), answer.status_code

    with ThreadPoolExecutor(max_workers=len(tablets)) as pool:
        done = list(pool.map(send, range(len(tablets))))
    first = min(start for start, _, _ in done)
    latencies = [(end - start) * 1000 for start, end, _ in done]
    return {
        "tablets": len(tablets),
        "errors": sum(1 for _, _, status in done if status != 200),
        "all_answered_ms": round((max(end for _, end, _ in done) - first) * 1000, 1),
        "p50_ms": round(common.percentile(latencies, 50), 1),
        "p99_ms": round(common.percentile(latencies, 99), 1),
    }


def warm_up(base_url: str, day: seed.InterviewDay) -> None:
    """The server as on an interview morning, up since the day before: every worker has
    served scoresheets (its SQL compiled, its connections open) before the tablets start.
    Two members send a few sheets from four threads; forget_scores() wipes them."""
    members = day.members[:2]
    tokens = [common.token(base_url, m.username, pin=seed.PIN) for m in members]
    scales = [day.extra["scales"][m.panel_id] for m in members]

    def sheets(n: int) -> None:
        token, scale = tokens[n % 2], scales[n % 2]
        for candidate in day.candidate_ids[n * 3 : n * 3 + 3]:
            for submit in (False, True):
                requests.put(
                    f"{base_url}/api/v1/candidates/{candidate}/scoresheet",
                    json={
                        "scores": [{"quality_id": q, "value": scale} for q in day.quality_ids],
                        "submit": submit,
                        "would_work_with": "yes",
                    },
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Idempotency-Key": f"w{n}{submit}{candidate}",
                    },
                    timeout=30,
                ).raise_for_status()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(sheets, range(4)))


def forget_scores(url: str) -> None:
    """Each run starts from an interview morning: no scoresheet sent yet."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        # The audit trail is append-only (its triggers refuse DELETE): it is left as it is.
        for table in ("score", "scoresheet", "idempotency_record"):
            conn.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()


def run_backend(backend: str, redis_url: str, hashes, counts: list[int]) -> dict:
    name = common.unique("bench_submit")
    url = (
        common.postgres_database(name) if backend == "postgresql" else common.sqlite_database(name)
    )
    most = max(counts)
    loader = seed.Loader(url)
    day = seed.interview_day(
        loader,
        hashes=hashes,
        candidates=CANDIDATES,
        panels=4,
        members_per_panel=math.ceil(most / 4),
        qualities=QUALITIES,
        scored=False,
        conflicts=0,
    )
    loader.finish()
    day.extra["scales"] = {pid: (5 if n % 2 == 0 else 3) for n, pid in enumerate(day.panel_ids)}
    # Spread the tablets over the panels: member k of each panel in turn.
    by_panel = [[m for m in day.members if m.panel_id == p] for p in day.panel_ids]
    day.members = [m for group in zip(*by_panel, strict=False) for m in group]
    web = common.Web(url, redis_url).start()
    out: dict = {"runs": []}
    try:
        warm_up(web.url, day)
        for n in counts:
            forget_scores(url)
            tablets, signing_in = sign_in_all(web.url, day, n)
            tablets_file = OUT / f"tablets-{backend}-{n}.json"
            OUT.mkdir(parents=True, exist_ok=True)
            tablets_file.write_text(
                json.dumps(
                    {
                        "members": tablets,
                        "candidate_ids": day.candidate_ids,
                        "quality_ids": day.quality_ids,
                    }
                )
            )
            think = (THINK_MIN, THINK_MAX)
            at_once = burst(web.url, tablets, day)
            forget_scores(url)
            scoring = locust(web.url, tablets_file, n, "scoresheet", think, SPAWN_RATE)
            ceiling = locust(web.url, tablets_file, n, "livez", think, SPAWN_RATE)
            run = {
                "tablets": n,
                "think_s": list(think),
                "sign_in": signing_in,
                "at_once": at_once,
                "scoresheet": scoring,
                "livez": ceiling,
                "ratio": round(scoring["rps"] / ceiling["rps"], 2) if ceiling["rps"] else None,
            }
            out["runs"].append(run)
            common.say(
                f"  [{backend}] {n} tablets: {scoring['rps']} req/s, p50 {scoring['p50_ms']} "
                f"p95 {scoring['p95_ms']} p99 {scoring['p99_ms']} ms, {scoring['errors']} errors;"
                f" /livez {ceiling['rps']} req/s; sign-in p50 {signing_in['p50_ms']} ms"
            )
            common.say(
                f"    all {n} send at the same instant: every answer in "
                f"{at_once['all_answered_ms']} ms, p50 {at_once['p50_ms']} p99 "
                f"{at_once['p99_ms']} ms, {at_once['errors']} errors"
            )
            if scoring.get("first_second"):
                a, b = scoring["first_second"], scoring["after_first_second"]
                common.say(
                    f"    first second (every tablet starting): {a['requests']} requests, "
                    f"p50 {a['p50_ms']} p99 {a['p99_ms']} ms; after it: {b['requests']} "
                    f"requests, p50 {b['p50_ms']} p99 {b['p99_ms']} max {b['max_ms']} ms"
                )
            if n == SATURATE_AT:
                forget_scores(url)
                # The ceiling proper: no think time, each tablet sends as fast as it can.
                scoring0 = locust(web.url, tablets_file, n, "scoresheet", (0, 0), n)
                ceiling0 = locust(web.url, tablets_file, n, "livez", (0, 0), n)
                out["saturated"] = {
                    "tablets": n,
                    "scoresheet": scoring0,
                    "livez": ceiling0,
                    "ratio": round(scoring0["rps"] / ceiling0["rps"], 2),
                }
                common.say(
                    f"  [{backend}] {n} tablets, no think time: {scoring0['rps']} req/s "
                    f"(p99 {scoring0['p99_ms']} ms) against /livez {ceiling0['rps']} req/s"
                )
                for what, figures in (("scoresheet", scoring0), ("/livez", ceiling0)):
                    c = figures["cpu_per_request"]
                    common.say(
                        f"    CPU per {what} request: web {c['web_ms']} ms, PostgreSQL "
                        f"{c['postgresql_ms']} ms, locust {c['load_tool_ms']} ms, other "
                        f"{c['other_ms']} ms; {c['cores_busy']} of {os.cpu_count()} cores busy"
                    )
            web.sample_rss()
    finally:
        web.stop()
        common.drop_database(url)
    out["peak_web_worker_rss_mb"] = web.peak_worker_rss_mb
    return out


def run(redis_url: str, hashes) -> dict:
    common.say(
        f"\n== 1. Submitting scores: {', '.join(map(str, TABLETS))} tablets, {QUALITIES} "
        f"qualities, think {THINK_MIN}-{THINK_MAX} s, {DURATION} s a run =="
    )
    plan = {"postgresql": TABLETS, "sqlite": SQLITE_TABLETS}
    out = {b: run_backend(b, redis_url, hashes, counts) for b, counts in plan.items() if counts}
    rows = []
    for backend, result in out.items():
        for r in result["runs"]:
            s, c = r["scoresheet"], r["livez"]
            rows.append(
                [
                    backend,
                    r["tablets"],
                    f"{r['think_s'][0]}-{r['think_s'][1]}",
                    s["rps"],
                    s["p50_ms"],
                    s["p95_ms"],
                    s["p99_ms"],
                    s["errors"],
                    c["rps"],
                    c["p99_ms"],
                    f"{r['ratio']}x",
                ]
            )
        if "saturated" in result:
            sat = result["saturated"]
            s, c = sat["scoresheet"], sat["livez"]
            rows.append(
                [
                    backend,
                    sat["tablets"],
                    "0",
                    s["rps"],
                    s["p50_ms"],
                    s["p95_ms"],
                    s["p99_ms"],
                    s["errors"],
                    c["rps"],
                    c["p99_ms"],
                    f"{sat['ratio']}x",
                ]
            )
    common.say(
        common.table(
            rows,
            [
                "db",
                "tablets",
                "think s",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "errors",
                "livez req/s",
                "livez p99",
                "ratio",
            ],
        )
    )
    sign_rows = [
        [
            b,
            r["tablets"],
            r["sign_in"]["per_second"],
            r["sign_in"]["p50_ms"],
            r["sign_in"]["p95_ms"],
            r["sign_in"]["p99_ms"],
            r["sign_in"]["errors"],
        ]
        for b, result in out.items()
        for r in result["runs"]
    ]
    common.say("  signing in by PIN (Argon2id, production cost), all tablets at once:")
    common.say(
        common.table(sign_rows, ["db", "tablets", "per s", "p50 ms", "p95 ms", "p99 ms", "errors"])
    )
    return out
