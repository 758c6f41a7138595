"""2. Results: one vacancy with 60 candidates, 4 panels of 8 members and 12 qualities
(23,000 scores). Times `GET /api/v1/vacancies/{id}/results` and the decision page through
gunicorn, counts their SQL queries, and times the best hand-written SQL aggregate over the
same rows as the floor.
"""

from __future__ import annotations

import time

from sqlalchemy import event, text

from bench import common, seed

CANDIDATES = common.env_int("BENCH_RESULTS_CANDIDATES", 60)
PANELS = common.env_int("BENCH_RESULTS_PANELS", 4)
MEMBERS = common.env_int("BENCH_RESULTS_MEMBERS", 8)
QUALITIES = common.env_int("BENCH_RESULTS_QUALITIES", 12)
REPEAT = common.env_int("BENCH_REPEAT", 30)
PAIRED_REPEAT = common.env_int("BENCH_RESULTS_REPEAT", 100)  # results, floor, /livez in turn

# Member score = mean of the normalised answers (from integer sums, as the app does); panel
# score = mean of member scores; overall = weighted mean over the panels with a submitted
# sheet. All in one statement: the floor that no ORM code can beat.
FLOOR_SQL = """
WITH member AS (
    SELECT s.candidate_id, s.panel_id,
           CASE WHEN count(sc.value) > 0
                THEN 100.0 * (sum(sc.value) - count(sc.value)) / (count(sc.value) * (p.scale - 1))
           END AS score
    FROM scoresheet s
    JOIN panel p ON p.id = s.panel_id
    LEFT JOIN score sc ON sc.scoresheet_id = s.id
    WHERE s.vacancy_id = :vacancy AND s.status = 'submitted'
    GROUP BY s.id, s.candidate_id, s.panel_id, p.scale
), by_panel AS (
    SELECT candidate_id, panel_id, avg(score) AS score, count(*) AS submitted
    FROM member GROUP BY candidate_id, panel_id
)
SELECT b.candidate_id,
       sum(p.weight * b.score) / sum(CASE WHEN b.score IS NOT NULL THEN p.weight END) AS overall,
       sum(b.submitted) AS submitted
FROM by_panel b JOIN panel p ON p.id = b.panel_id
GROUP BY b.candidate_id
ORDER BY overall DESC
"""


def count_queries(url: str, redis_url: str, day: seed.InterviewDay) -> dict:
    """SQL statements per request, counted inside the app (the same code gunicorn runs)."""
    from recruit import create_app
    from recruit.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url}, env="testing")
    counted: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: counted.append(args[2]))
    client = app.test_client()
    answer = client.post(
        "/api/v1/tokens", json={"username": day.hr_username, "password": seed.PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {answer.json['token']}"}
    figures = {}
    for name, call in (
        (
            "results",
            lambda: client.get(f"/api/v1/vacancies/{day.vacancy_id}/results", headers=bearer),
        ),
        ("decision_page", lambda: client.get(f"/vacancies/{day.vacancy_id}/decision")),
    ):
        if name == "decision_page":
            page = client.get("/sign-in")
            import re

            csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text)
            client.post(
                "/sign-in",
                data={
                    "csrf_token": csrf.group(1),
                    "username": day.hr_username,
                    "password": seed.PASSWORD,
                },
            )
        call()  # warm: the first request of a process loads templates and compiles queries
        counted.clear()
        answer = call()
        assert answer.status_code == 200, (name, answer.status_code, answer.text[:500])
        figures[name] = {"queries": len(counted), "statements": list(counted)}
        start = time.perf_counter()
        with app.app_context():
            from recruit.scoring.results import vacancy_results
            from recruit.vacancies.models import Vacancy

            vacancy_results(db.session.get(Vacancy, day.vacancy_id))
        figures[name]["in_process_ms"] = round((time.perf_counter() - start) * 1000, 2)
    with app.app_context():
        db.engine.dispose()
    return figures


class Floor:
    """The hand-written aggregate, run straight on the driver (no ORM, no HTTP)."""

    def __init__(self, url: str, vacancy_id: int):
        from sqlalchemy import create_engine

        self.engine = create_engine(url)
        self.conn = self.engine.connect()
        self.vacancy_id = vacancy_id
        self.rows = len(self())

    def __call__(self) -> list:
        return self.conn.execute(text(FLOOR_SQL), {"vacancy": self.vacancy_id}).all()

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def run_backend(backend: str, redis_url: str, hashes) -> dict:
    name = common.unique("bench_results")
    url = (
        common.postgres_database(name) if backend == "postgresql" else common.sqlite_database(name)
    )
    try:
        loader = seed.Loader(url)
        started = time.perf_counter()
        day = seed.interview_day(
            loader,
            hashes=hashes,
            candidates=CANDIDATES,
            panels=PANELS,
            members_per_panel=MEMBERS,
            qualities=QUALITIES,
        )
        loader.finish()
        seeded = time.perf_counter() - started
        common.say(
            f"  [{backend}] seeded {day.scores} scores on {day.scoresheets} scoresheets "
            f"in {seeded:.1f} s"
        )
        queries = count_queries(url, redis_url, day)
        web = common.Web(url, redis_url).start()
        try:
            hr_token = common.token(web.url, day.hr_username, password=seed.PASSWORD)
            bearer = {"Authorization": f"Bearer {hr_token}"}
            import requests

            api = requests.Session()
            results_url = f"{web.url}/api/v1/vacancies/{day.vacancy_id}/results"

            def get_results():
                answer = api.get(results_url, headers=bearer, timeout=30)
                assert answer.status_code == 200, answer.text[:300]

            pages = common.page_session(web.url, day.hr_username, seed.PASSWORD)
            page_url = f"{web.url}/vacancies/{day.vacancy_id}/decision"

            def get_page():
                answer = pages.get(page_url, timeout=30)
                assert answer.status_code == 200, answer.text[:300]

            # The results and the floor in turn, so that both meet the same spells of a busy
            # machine: their ratio is the figure, and it holds only if taken together.
            floor = Floor(url, day.vacancy_id)
            try:
                paired = common.time_interleaved(
                    {
                        "results": get_results,
                        "floor": floor,
                        "livez": lambda: api.get(web.url + "/livez", timeout=30),
                    },
                    PAIRED_REPEAT,
                )
                # …and alone in a tight loop, the best case the database can give it.
                floor_alone = common.time_calls(floor, REPEAT)
            finally:
                floor.close()
            results_timing, floor_timing, livez_timing = (
                paired["results"],
                {**paired["floor"], "rows": floor.rows, "alone": floor_alone},
                paired["livez"],
            )
            page_timing = common.time_calls(get_page, REPEAT)
            web.sample_rss()
        finally:
            web.stop()
    finally:
        common.drop_database(url)
    return {
        "scores": day.scores,
        "scoresheets": day.scoresheets,
        "seed_seconds": round(seeded, 1),
        "results": {
            **results_timing,
            "queries": queries["results"]["queries"],
            "combine_in_process_ms": queries["results"]["in_process_ms"],
        },
        "decision_page": {**page_timing, "queries": queries["decision_page"]["queries"]},
        "livez": livez_timing,
        "floor_sql": floor_timing,
        "ratio_results_to_floor": round(results_timing["median_ms"] / floor_timing["median_ms"], 2),
        "ratio_results_to_floor_alone": round(
            results_timing["median_ms"] / floor_timing["alone"]["median_ms"], 2
        ),
        "ratio_results_minus_http_to_floor": round(
            max(results_timing["median_ms"] - livez_timing["median_ms"], 0.0)
            / floor_timing["median_ms"],
            2,
        ),
        "peak_web_worker_rss_mb": web.peak_worker_rss_mb,
        "statements": queries,
    }


def run(redis_url: str, hashes, backends=("postgresql", "sqlite")) -> dict:
    common.say(
        f"\n== 2. Results: {CANDIDATES} candidates, {PANELS} panels of {MEMBERS} members, "
        f"{QUALITIES} qualities =="
    )
    out = {}
    for backend in backends:
        out[backend] = run_backend(backend, redis_url, hashes)
    rows = []
    for backend, r in out.items():
        rows.append(
            [
                backend,
                "GET results",
                r["results"]["median_ms"],
                r["results"]["p95_ms"],
                r["results"]["queries"],
                "",
            ]
        )
        rows.append(
            [
                backend,
                "decision page",
                r["decision_page"]["median_ms"],
                r["decision_page"]["p95_ms"],
                r["decision_page"]["queries"],
                "",
            ]
        )
        rows.append(
            [
                backend,
                "floor: one SQL aggregate (in turn)",
                r["floor_sql"]["median_ms"],
                r["floor_sql"]["p95_ms"],
                1,
                "",
            ]
        )
        rows.append(
            [
                backend,
                "floor alone, tight loop",
                r["floor_sql"]["alone"]["median_ms"],
                r["floor_sql"]["alone"]["p95_ms"],
                1,
                "",
            ]
        )
        rows.append(
            [backend, "ratio results / floor", "", "", "", f"{r['ratio_results_to_floor']}x"]
        )
        rows.append(
            [
                backend,
                "ratio results / floor alone",
                "",
                "",
                "",
                f"{r['ratio_results_to_floor_alone']}x",
            ]
        )
    common.say(common.table(rows, ["db", "what", "median ms", "p95 ms", "queries", "ratio"]))
    return out
