"""`make bench`: the five benchmarks, their figures and ratios, and the targets they meet.

Figures go to standard output and to bench/results/latest.json (or to BENCH_OUTPUT), and what
was printed to latest.txt beside it.
Scale and duration can be lowered for a quick run (see docs/performance.md), e.g.
`BENCH_TABLETS=10,50 BENCH_DURATION=10 BENCH_ORG_VACANCIES=500 make bench`.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from pathlib import Path

from bench import common, org_bench, results_bench, seed, submit_bench, workers_bench

SECTIONS = os.environ.get("BENCH_ONLY", "submit,results,org,workers").split(",")
OUTPUT = os.environ.get("BENCH_OUTPUT", str(common.ROOT / "bench" / "results" / "latest.json"))


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target of the issue."""
    out: list[tuple[str, str, bool | None]] = []
    submit = results.get("submit", {}).get("postgresql")
    if submit:
        at50 = next((r for r in submit["runs"] if r["tablets"] == 50), None)
        if at50:
            s = at50["scoresheet"]
            out.append(("50 tablets: p99 < 150 ms", f"{s['p99_ms']} ms", s["p99_ms"] < 150))
            out.append(("50 tablets: zero errors", str(s["errors"]), s["errors"] == 0))
            burst = at50.get("at_once")
            if burst:
                # Not a target of the issue: what the tablets see when all send at once.
                out.append(
                    (
                        "(50 sends at the same instant: all answered)",
                        f"{burst['all_answered_ms']} ms",
                        None,
                    )
                )
        sat = submit.get("saturated")
        if sat:
            out.append(
                (
                    "throughput >= 40 % of /livez (no think time)",
                    f"{round(100 * sat['ratio'])} %",
                    sat["ratio"] >= 0.4,
                )
            )
    res = results.get("results", {}).get("postgresql")
    if res:
        out.append(
            (
                "results < 100 ms",
                f"{res['results']['median_ms']} ms",
                res["results"]["median_ms"] < 100,
            )
        )
        out.append(
            ("results <= 6 queries", str(res["results"]["queries"]), res["results"]["queries"] <= 6)
        )
        out.append(
            (
                "results within 3x of one SQL aggregate",
                f"{res['ratio_results_to_floor']}x",
                res["ratio_results_to_floor"] <= 3,
            )
        )
    org = results.get("org")
    if org:
        for name, page in org["pages"].items():
            out.append((f"{name} < 500 ms", f"{page['median_ms']} ms", page["median_ms"] < 500))
    workers = results.get("workers")
    if workers:
        out.append(
            (
                "1 worker >= 50 % of the plain loop",
                f"{round(100 * workers['ratio_one_to_loop'])} %",
                workers["ratio_one_to_loop"] >= 0.5,
            )
        )
    return out


def main() -> int:
    started = time.perf_counter()
    common.LOGS.mkdir(parents=True, exist_ok=True)
    info = common.machine()
    common.say(f"recruit benchmarks on: {common.describe_machine(info)}")
    results: dict = {"machine": info, "sections": SECTIONS}
    failed = []
    hashes = seed.secret_hashes()
    with common.Redis() as redis:
        runs = {
            "submit": lambda: submit_bench.run(redis.url, hashes),
            "results": lambda: results_bench.run(redis.url, hashes),
            "org": lambda: org_bench.run(redis.url, hashes),
            "workers": lambda: workers_bench.run(redis.url, hashes),
        }
        for name in SECTIONS:
            try:
                results[name] = runs[name]()
            except Exception:  # noqa: BLE001 - report it and go on with the others
                failed.append(name)
                common.say(f"  !! {name} failed:\n{traceback.format_exc()}")
    web_peaks = [
        results["results"][b]["peak_web_worker_rss_mb"] for b in results.get("results", {})
    ]
    web_peaks += [results["submit"][b]["peak_web_worker_rss_mb"] for b in results.get("submit", {})]
    if "org" in results:
        web_peaks.append(results["org"]["peak_web_worker_rss_mb"])
    celery_peaks = [
        results["workers"][k]["peak_worker_rss_mb"]
        for k in ("one_worker", "two_workers")
        if "workers" in results
    ]
    results["memory"] = {
        "peak_web_worker_rss_mb": max(web_peaks, default=None),
        "peak_celery_worker_rss_mb": max(celery_peaks, default=None),
    }
    common.say("\n== 5. Memory: peak resident memory (VmHWM) through these runs ==")
    common.say(
        f"  gunicorn worker: {results['memory']['peak_web_worker_rss_mb']} MB; "
        f"Celery worker: {results['memory']['peak_celery_worker_rss_mb']} MB"
    )
    checked = targets(results)
    results["targets"] = [{"target": t, "measured": m, "met": ok} for t, m, ok in checked]
    common.say("\n== Targets ==")
    common.say(
        common.table(
            [[t, m, "-" if ok is None else ("yes" if ok else "NO")] for t, m, ok in checked],
            ["target", "measured", "met"],
        )
    )
    info_end = common.machine()["load_average"]
    results["load_average_at_end"] = info_end
    results["seconds"] = round(time.perf_counter() - started)
    common.say(
        f"\nTook {results['seconds']} s; load average at the end {info_end[0]} (1 min). "
        f"Figures: {OUTPUT}"
    )
    common.save(results, Path(OUTPUT))
    Path(OUTPUT).with_suffix(".txt").write_text("\n".join(common.SAID) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
