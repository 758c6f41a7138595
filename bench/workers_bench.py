"""4. Workers: 10,000 outbox emails delivered to a local SMTP sink by one and by two Celery
workers (dispatch included), against the same messages sent by the same code in a plain loop
without Celery (claim, send, mark done, one by one).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from bench import common, seed
from tests.support import servers

MESSAGES = common.env_int("BENCH_OUTBOX", 10_000)
# Each way of sending stops after this long, and its rate is what it delivered by then: on a
# machine whose disk makes every commit slow, 10,000 messages would take far longer.
LIMIT = common.env_float("BENCH_OUTBOX_SECONDS", 60)

PLAIN_LOOP = """
import sys, time
from recruit import create_app
from recruit.core import outbox
from recruit.core.mail import deliver
from recruit.extensions import db
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SMTP_URL": sys.argv[2],
                  "REDIS_URL": sys.argv[3]}, env="testing")
with app.app_context():
    ids = [row[0] for row in db.session.execute(
        db.text("SELECT id FROM outbox_message WHERE status = 'pending' ORDER BY id"))]
    db.session.rollback()
    limit = float(sys.argv[4])
    start = time.perf_counter()
    sent = 0
    for message_id in ids:
        if time.perf_counter() - start > limit:
            break
        message = outbox.claim(message_id)
        db.session.commit()
        deliver({**message.payload, "message_id": f"<outbox-{message.id}@recruit.invalid>"})
        outbox.complete(message)
        db.session.commit()
        sent += 1
    print(sent, time.perf_counter() - start)
"""


def fill_outbox(url: str, count: int) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox_message"))
    engine.dispose()
    loader = seed.Loader(url)
    loader.load(
        "outbox_message",
        ("id", "task", "payload", "status"),
        (
            (
                mid,
                "email.send",
                json.dumps(
                    {
                        "to": f"member{n}@example.org",
                        "subject": "Your interviews tomorrow",
                        "body": "Hello,\n\nYou are on the panel tomorrow at 10:00 at Oak House.\n",
                    }
                ),
                "pending",
            )
            for n, mid in enumerate(loader.ids("outbox_message", count))
        ),
    )
    loader.finish()


def with_celery(url: str, redis: servers.RedisServer, sink: servers.SmtpSink, workers: int) -> dict:
    from recruit import create_app

    fill_outbox(url, MESSAGES)
    redis.flush()
    sink.messages.clear()
    started = []
    try:
        for n in range(workers):
            worker = servers.CeleryWorker(
                env={
                    "DATABASE_URL": url,
                    "REDIS_URL": redis.url,
                    "SMTP_URL": sink.url,
                }
            )
            worker.start(common.LOGS / f"celery-{os.getpid()}-{workers}-{n}.log")
            started.append(worker)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis.url}, env="testing")
        celery = app.extensions["celery"]
        start = time.perf_counter()
        # What nudges after commits (or beat) do: each dispatch hands over up to 500; while
        # some are still pending, dispatch again every second (beat does every 5 s).
        for _ in range(math.ceil(MESSAGES / 500)):
            celery.send_task("outbox.dispatch")
        last = start
        while len(sink.messages) < MESSAGES and time.perf_counter() - start < LIMIT:
            time.sleep(0.2)
            if time.perf_counter() - last > 1:
                celery.send_task("outbox.dispatch")
                last = time.perf_counter()
        took = time.perf_counter() - start
        delivered = len(sink.messages)
        peak = max(common.peak_rss_mb(w.process.pid) or 0.0 for w in started)
    finally:
        for worker in started:
            worker.stop()
    return {
        "workers": workers,
        "seconds": round(took, 2),
        "per_second": round(delivered / took, 1),
        "peak_worker_rss_mb": peak,
        "delivered": delivered,
    }


def plain_loop(url: str, redis: servers.RedisServer, sink: servers.SmtpSink) -> dict:
    fill_outbox(url, MESSAGES)
    sink.messages.clear()
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_LOOP, url, sink.url, redis.url, str(LIMIT)],
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "RECRUIT_ENV": "testing"},
    )
    sent, took = (float(x) for x in done.stdout.strip().splitlines()[-1].split())
    return {
        "seconds": round(took, 2),
        "per_second": round(sent / took, 1),
        "delivered": len(sink.messages),
    }


def run(redis_url: str, hashes) -> dict:
    common.say(
        f"\n== 4. Workers: {MESSAGES} outbox emails to a local SMTP sink "
        f"(each way stops after {LIMIT:.0f} s) =="
    )
    url = common.postgres_database(common.unique("bench_workers"))
    redis = servers.RedisServer(servers.free_port()).start()
    sink = servers.SmtpSink().start()
    try:
        loop = plain_loop(url, redis, sink)
        common.say(
            f"  plain loop: {loop['per_second']} emails/s ({loop['delivered']} in "
            f"{loop['seconds']} s)"
        )
        one = with_celery(url, redis, sink, 1)
        common.say(
            f"  1 worker: {one['per_second']} emails/s ({one['delivered']} in {one['seconds']} s)"
        )
        two = with_celery(url, redis, sink, 2)
        common.say(
            f"  2 workers: {two['per_second']} emails/s ({two['delivered']} in {two['seconds']} s)"
        )
    finally:
        sink.stop()
        redis.stop()
        common.drop_database(url)
    out = {
        "messages": MESSAGES,
        "plain_loop": loop,
        "one_worker": one,
        "two_workers": two,
        "ratio_one_to_loop": round(one["per_second"] / loop["per_second"], 2),
        "ratio_two_to_loop": round(two["per_second"] / loop["per_second"], 2),
    }
    common.say(
        common.table(
            [
                ["plain loop (no Celery)", loop["per_second"], loop["seconds"], "", "1.0x"],
                [
                    "1 Celery worker",
                    one["per_second"],
                    one["seconds"],
                    one["peak_worker_rss_mb"],
                    f"{out['ratio_one_to_loop']}x",
                ],
                [
                    "2 Celery workers",
                    two["per_second"],
                    two["seconds"],
                    two["peak_worker_rss_mb"],
                    f"{out['ratio_two_to_loop']}x",
                ],
            ],
            ["sender", "emails/s", "seconds", "peak RSS MB", "ratio to loop"],
        )
    )
    return out
