"""The real parts behind a worker test: Redis, an SMTP sink and a Celery worker process.

One `WorkerStack` per database backend, so that a worker only ever sees the tasks of
the database it is configured for (each stack has its own Redis).
"""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import servers

# Small enough that four tries of a refused email take well under a second.
TEST_RETRY_BASE_SECONDS = 0.05


@dataclass
class WorkerStack:
    database_url: str
    log_path: Path
    settings: dict = field(default_factory=dict)  # more environment for the workers
    pool: str = "solo"
    redis: servers.RedisServer = field(init=False)
    smtp: servers.SmtpSink = field(init=False)
    worker: servers.CeleryWorker = field(init=False)

    def start(self) -> WorkerStack:
        self.redis = servers.RedisServer(servers.free_port()).start()
        self.smtp = servers.SmtpSink().start()
        self.worker = servers.CeleryWorker(env=self.worker_env(), pool=self.pool)
        self.worker.start(self.log_path)
        return self

    def worker_env(self) -> dict:
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "SMTP_URL": self.smtp.url,
            "EMAIL_RETRY_BASE_SECONDS": str(TEST_RETRY_BASE_SECONDS),
            **self.settings,
        }

    def another_worker(self, log_path: Path) -> servers.CeleryWorker:
        """One more worker process on the same Redis, database and mail server."""
        return servers.CeleryWorker(env=self.worker_env(), pool=self.pool).start(log_path)

    def stop(self) -> None:
        """Stop every part that was started, even if stopping one of them fails."""
        errors = []
        for part in ("worker", "smtp", "redis"):
            started = getattr(self, part, None)
            if started is None:
                continue
            try:
                started.stop()
            except Exception as error:  # noqa: BLE001 - keep stopping the others
                errors.append(error)
        if errors:
            raise errors[0]

    # --- waiting on the real parts ------------------------------------------------------

    def log_tail(self, chars: int = 4000) -> str:
        return self.worker.log()[-chars:]

    def wait(self, predicate, what: str, timeout: float = 15.0):
        try:
            return servers.wait_for(predicate, timeout=timeout, what=what)
        except TimeoutError as error:
            raise AssertionError(f"{error}\n--- worker log ---\n{self.log_tail()}") from None

    def run(self, celery, task: str, *args) -> None:
        """Publish `task` and wait until the worker has finished it.

        The worker runs one task at a time, in order, so this is also a barrier: every
        task published before it has run (tasks waiting on a retry countdown aside).
        """
        task_id = str(uuid.uuid4())
        celery.send_task(task, args=list(args), task_id=task_id)
        self.wait(lambda: f"[{task_id}] succeeded" in self.worker.log(), f"{task} to finish")

    def connections(self) -> int:
        """How many times the worker has connected to Redis (it reconnects after an outage)."""
        return self.worker.log().count("Connected to redis://")

    # --- what reached the mail server --------------------------------------------------

    def emails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            for envelope in list(self.smtp.messages)
        ]

    def recipients(self) -> list[list[str]]:
        return [list(envelope.rcpt_tos) for envelope in list(self.smtp.messages)]
