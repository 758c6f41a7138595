"""Where a scoresheet PUT spends its time: `python -m bench.profile_put [N]`.

Runs N PUTs (drafts and sends, as the tablets of bench/locustfile.py do) in this process
against a fresh PostgreSQL database with the production settings, counts the SQL
statements of one request, prints the mean time per request and, with pyinstrument
installed (the `bench` extra), a profile of the whole run (bench/results/profile-put.txt).
BENCH_PROFILE_DB=sqlite profiles the embedded default instead.
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid

from sqlalchemy import event

from bench import common, seed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    name = common.unique("bench_profile")
    sqlite = os.environ.get("BENCH_PROFILE_DB") == "sqlite"
    url = common.sqlite_database(name) if sqlite else common.postgres_database(name)
    loader = seed.Loader(url)
    day = seed.interview_day(
        loader,
        hashes=seed.secret_hashes(),
        candidates=60,
        panels=4,
        members_per_panel=2,
        qualities=12,
        scored=False,
        conflicts=0,
    )
    loader.finish()

    from recruit import create_app

    redis = common.Redis()
    redis_url = redis.__enter__().url
    os.environ["SECRET_KEY"] = common.SECRET
    app = create_app(
        {
            "FORCE_HTTPS": False,
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
        },
        env="production",
    )
    client = app.test_client()
    scales = {pid: (5 if n % 2 == 0 else 3) for n, pid in enumerate(day.panel_ids)}
    tablets = []
    for member in day.members:
        answer = client.post("/api/v1/tokens", json={"username": member.username, "pin": seed.PIN})
        assert answer.status_code == 201, answer.get_data(as_text=True)
        tablets.append((answer.json["token"], scales[member.panel_id]))

    rng = random.Random(3)
    steps = [(t, c, s) for c in day.candidate_ids for t in tablets for s in ("draft", "submit")]

    def put(i: int):
        (token, scale), candidate, step = steps[i % len(steps)]
        answered = day.quality_ids if step == "submit" else day.quality_ids[:6]
        body = {
            "scores": [{"quality_id": q, "value": rng.randint(1, scale)} for q in answered],
            "comment": "Listened well and answered in plain words.",
            "submit": step == "submit",
        }
        if i >= len(steps):
            body["amend_reason"] = "I pressed the wrong face by mistake."
        answer = client.put(
            f"/api/v1/candidates/{candidate}/scoresheet",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)

    from recruit.extensions import db

    for i in range(20):  # warm up: imports, caches, connections
        put(i)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    put(21)  # a draft
    draft = list(statements)
    statements.clear()
    put(22 + 1)  # a send
    send = list(statements)
    event.remove(engine, "before_cursor_execute", seen)
    common.say(f"SQL statements: draft {len(draft)}, send {len(send)}")
    for line in send:
        common.say("  " + " ".join(line.split())[:140])

    start = time.perf_counter()
    for i in range(100, 100 + count):
        put(i + count)
    plain = (time.perf_counter() - start) * 1000 / count
    common.say(f"{count} PUTs: {plain:.2f} ms a request without a profiler")
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None  # noqa: N806
    start = time.perf_counter()
    profiler = Profiler(interval=0.0005) if Profiler else None
    if profiler:
        profiler.start()
    for i in range(100, 100 + count):
        put(i)
    if profiler:
        profiler.stop()
    took = (time.perf_counter() - start) * 1000 / count
    common.say(
        f"{count} PUTs: {took:.1f} ms a request (in process, {'SQLite' if sqlite else 'PG'})"
    )
    if profiler:
        out = common.ROOT / "bench" / "results" / "profile-put.txt"
        out.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        common.say(f"profile: {out}")
    redis.__exit__(None, None, None)
    common.drop_database(url)


if __name__ == "__main__":
    main()
