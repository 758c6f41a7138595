"""Tablets on an interview day, for `locust --headless` (started by bench/submit_bench.py).

Each simulated tablet is a panel member who has already signed in (the harness signed them
all in at once and timed it). For each candidate in turn it saves a draft with half the
answers, then sends the whole scoresheet; on the second round it amends, with a reason. One
send in twenty is sent again with the same Idempotency-Key, as a tablet does when the Wi-Fi
dropped before the answer came back. BENCH_TARGET=livez makes the same tablets ask the trivial
endpoint instead: the ceiling of the same app on the same server.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid

from locust import HttpUser, between, events, task

TABLETS = json.loads(open(os.environ["BENCH_TABLETS"]).read())  # noqa: SIM115
THINK = (
    float(os.environ.get("BENCH_THINK_MIN", "0.5")),
    float(os.environ.get("BENCH_THINK_MAX", "2")),
)
TARGET = os.environ.get("BENCH_TARGET", "scoresheet")
_next = itertools.count()
# BENCH_TRACE=path: every request's start time, name and time taken, one per line, for
# seeing where in a run the slow ones fall (the first burst, or all along).
_TRACE = os.environ.get("BENCH_TRACE")
_trace = open(_TRACE, "w", buffering=1) if _TRACE else None  # noqa: SIM115 - open for the run


if _trace is not None:

    @events.request.add_listener
    def _traced(request_type, name, response_time, start_time=None, **_kw) -> None:
        _trace.write(f"{start_time:.3f} {response_time:.1f} {name}\n")


class Tablet(HttpUser):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        me = TABLETS["members"][next(_next) % len(TABLETS["members"])]
        self.headers = {"Authorization": f"Bearer {me['token']}"}
        self.scale = me["scale"]
        self.person_supported = me["person_supported"]
        candidates = list(TABLETS["candidate_ids"])
        random.shuffle(candidates)
        self.steps = itertools.cycle(
            [(c, step) for c in candidates for step in ("draft", "submit")]
        )
        self.rounds: dict[int, int] = {}

    def body(self, candidate: int, step: str) -> dict:
        qualities = TABLETS["quality_ids"]
        answered = qualities if step == "submit" else qualities[: len(qualities) // 2]
        body = {
            "scores": [{"quality_id": q, "value": random.randint(1, self.scale)} for q in answered],
            "comment": "Listened well and answered in plain words.",
            "submit": step == "submit",
        }
        if self.person_supported:
            body["would_work_with"] = random.choice(["yes", "yes", "not_sure", "no"])
        if self.rounds.get(candidate, 0) > 0:
            body["amend_reason"] = "I pressed the wrong face by mistake."
        return body

    @task
    def work(self) -> None:
        if TARGET == "livez":
            self.client.get("/livez", name="GET /livez")
            return
        candidate, step = next(self.steps)
        body = self.body(candidate, step)
        key = str(uuid.uuid4())
        path = f"/api/v1/candidates/{candidate}/scoresheet"
        headers = {**self.headers, "Idempotency-Key": key}
        self.client.put(path, json=body, headers=headers, name=f"PUT scoresheet ({step})")
        if step == "submit":
            self.rounds[candidate] = self.rounds.get(candidate, 0) + 1
            if random.random() < 0.05:
                self.client.put(path, json=body, headers=headers, name="PUT scoresheet (retry)")
