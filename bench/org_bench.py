"""3. The organisation at scale: 5,000 vacancies, 100,000 candidates, 2 million scores in
PostgreSQL. Times the HR dashboard, the vacancy list with filters, the insights page (which
holds the co-production report) and one vacancy's results through gunicorn, and writes the
query plan of every statement each page runs (bench/results/plans.txt).
"""

from __future__ import annotations

import re
import time

import requests
from sqlalchemy import event

from bench import common, seed

VACANCIES = common.env_int("BENCH_ORG_VACANCIES", 5000)
CANDIDATES = common.env_int("BENCH_ORG_CANDIDATES", 100_000)
SCORES = common.env_int("BENCH_ORG_SCORES", 2_000_000)
REPEAT = common.env_int("BENCH_ORG_REPEAT", 15)
PLANS = common.ROOT / "bench" / "results" / "plans.txt"


def pages(info: dict) -> list[tuple[str, str, str]]:
    """(name, address, how to sign in) of what HR opens on a busy day."""
    vacancy = next(
        vid
        for vid, stage in zip(info["vacancy_ids"], info["stages"], strict=True)
        if stage == "deciding"
    )
    return [
        ("HR dashboard", "/vacancies", "page"),
        (
            "vacancy list: stage + service + words",
            "/vacancies?stage=decided&service=Oak+House&q=support",
            "page",
        ),
        ("vacancy list: page 20 of a stage", "/vacancies?stage=decided&page=20", "page"),
        ("insights, with the co-production report", "/insights", "page"),
        ("results of one vacancy (API)", f"/api/v1/vacancies/{vacancy}/results", "token"),
    ]


def plans(url: str, redis_url: str, info: dict) -> dict:
    """Run each page once in the app, then EXPLAIN ANALYZE every statement it ran."""
    from recruit import create_app
    from recruit.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url}, env="testing")
    with app.app_context():
        engine = db.engine
    seen: list[tuple[str, object]] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda c, cur, stmt, params, *a: seen.append((stmt, params)),
    )
    client = app.test_client()
    page = client.get("/sign-in")
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text).group(1)
    client.post(
        "/sign-in",
        data={"csrf_token": csrf, "username": info["hr_username"], "password": seed.PASSWORD},
    )
    token = client.post(
        "/api/v1/tokens", json={"username": info["hr_username"], "password": seed.PASSWORD}
    ).json["token"]
    out, text_out = {}, []
    for name, address, how in pages(info):
        headers = {"Authorization": f"Bearer {token}"} if how == "token" else {}
        client.get(address, headers=headers)
        seen.clear()
        answer = client.get(address, headers=headers)
        assert answer.status_code == 200, (address, answer.status_code)
        statements = list(seen)
        total_ms, worst = 0.0, ("", 0.0)
        text_out.append(f"===== {name}: GET {address} ({len(statements)} statements)")
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for statement, params in statements:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                took = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
                total_ms += took
                if took > worst[1]:
                    worst = (statement.split("\n")[0][:120], took)
                text_out.append(f"--- {took:.2f} ms\n{statement}\n{plan}\n")
            raw.rollback()
        finally:
            raw.close()
        out[name] = {
            "queries": len(statements),
            "sql_ms": round(total_ms, 2),
            "slowest_sql_ms": round(worst[1], 2),
            "slowest_sql": worst[0],
        }
    with app.app_context():
        db.engine.dispose()
    PLANS.parent.mkdir(parents=True, exist_ok=True)
    PLANS.write_text("\n".join(text_out))
    return out


def run(redis_url: str, hashes) -> dict:
    common.say(
        f"\n== 3. Organisation at scale: {VACANCIES} vacancies, {CANDIDATES} candidates, "
        f"{SCORES} scores (PostgreSQL) =="
    )
    url = common.postgres_database(common.unique("bench_org"))
    try:
        started = time.perf_counter()
        loader = seed.Loader(url)
        info = seed.organisation(
            loader, hashes=hashes, vacancies=VACANCIES, candidates=CANDIDATES, scores=SCORES
        )
        loader.finish()
        seeded = time.perf_counter() - started
        common.say(
            f"  seeded {info['vacancies']} vacancies, {info['candidates']} candidates, "
            f"{info['scoresheets']} scoresheets, {info['scores']} scores, "
            f"{info['decisions']} decisions, {info['check_ins']} check-ins with "
            f"{info['check_in_answers']} answers, {info['probation_views']} probation views "
            f"in {seeded:.0f} s"
        )
        explained = plans(url, redis_url, info)
        web = common.Web(url, redis_url).start()
        try:
            session = common.page_session(web.url, info["hr_username"], seed.PASSWORD)
            bearer = {
                "Authorization": "Bearer "
                + common.token(web.url, info["hr_username"], password=seed.PASSWORD)
            }
            timings = {}
            for name, address, how in pages(info):

                def call(address=address, how=how):
                    if how == "token":
                        answer = requests.get(web.url + address, headers=bearer, timeout=60)
                    else:
                        answer = session.get(web.url + address, timeout=60)
                    assert answer.status_code == 200, (address, answer.status_code)

                timings[name] = {**common.time_calls(call, REPEAT), **explained[name]}
            web.sample_rss()
        finally:
            web.stop()
    finally:
        common.drop_database(url)
    rows = [
        [name, t["median_ms"], t["p95_ms"], t["queries"], t["sql_ms"], t["slowest_sql_ms"]]
        for name, t in timings.items()
    ]
    common.say(
        common.table(
            rows, ["page", "median ms", "p95 ms", "queries", "SQL ms (plans)", "slowest SQL ms"]
        )
    )
    common.say(f"  query plans: {PLANS.relative_to(common.ROOT)}")
    return {
        "rows": {k: v for k, v in info.items() if k not in ("vacancy_ids", "stages")},
        "seed_seconds": round(seeded, 1),
        "pages": timings,
        "peak_web_worker_rss_mb": web.peak_worker_rss_mb,
    }
