"""Fast data for the benchmarks: rows written in bulk (COPY on PostgreSQL, executemany on
SQLite), never through the ORM one by one, so two million scores load in well under a minute.

The rows are what the app itself would have written: the same tables, columns and defaults
(taken from the models), declared members, submitted scoresheets, decisions with their flags.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, text

from config import Config

PIN = "2468"
PASSWORD = "bench-password-1"  # noqa: S105 - throwaway accounts in a throwaway database
JSON_TYPES = ("JSON",)


def secret_hashes() -> tuple[str, str]:
    """Argon2 hashes of PASSWORD and PIN with the production parameters, so that signing in
    costs what it costs in production (and no rehash happens on the first sign-in)."""
    from recruit import create_app
    from recruit.people.operations import hash_secret

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "ARGON2_TIME_COST": Config.ARGON2_TIME_COST,
            "ARGON2_MEMORY_COST": Config.ARGON2_MEMORY_COST,
            "ARGON2_PARALLELISM": Config.ARGON2_PARALLELISM,
        },
        env="testing",
    )
    with app.app_context():
        return hash_secret(PASSWORD), hash_secret(PIN)


class Loader:
    """Writes rows into one database in bulk and hands out ids."""

    def __init__(self, url: str) -> None:
        from recruit.core import models  # noqa: F401 - every area's tables
        from recruit.extensions import db

        self.url = url
        self.engine = create_engine(url)
        self.postgres = url.startswith("postgresql")
        self.tables = db.metadata.tables
        self.next_id: dict[str, int] = {}
        self.now = datetime.now(UTC)

    def ids(self, table: str, count: int) -> range:
        if table not in self.next_id:
            with self.engine.connect() as conn:
                found = conn.execute(text(f'SELECT max(id) FROM "{table}"')).scalar()
            self.next_id[table] = (found or 0) + 1
        start = self.next_id[table]
        self.next_id[table] = start + count
        return range(start, start + count)

    def _defaults(self, table: str, given: Sequence[str]) -> tuple[list[str], tuple]:
        """The columns the rows leave out that have a default in the model, with its value."""
        names, values = [], []
        for column in self.tables[table].columns:
            if column.name in given or column.default is None:
                continue
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg
            if str(column.type) in JSON_TYPES:
                value = json.dumps(value)
            elif hasattr(value, "value"):
                value = value.value
            names.append(column.name)
            values.append(value)
        return names, tuple(values)

    def load(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        extra, defaults = self._defaults(table, columns)
        names = list(columns) + extra
        count = 0
        if self.postgres:
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                quoted = ", ".join(f'"{n}"' for n in names)
                with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row + defaults)
                        count += 1
                raw.commit()
            finally:
                raw.close()
        else:
            statement = self.tables[table].insert()
            batch: list[dict] = []
            with self.engine.begin() as conn:
                for row in rows:
                    batch.append(dict(zip(names, row + defaults, strict=True)))
                    count += 1
                    if len(batch) >= 5000:
                        conn.execute(statement, batch)
                        batch = []
                if batch:
                    conn.execute(statement, batch)
        return count

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids handed out, and refresh statistics."""
        with self.engine.begin() as conn:
            if self.postgres:
                for table in self.next_id:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                            f'(SELECT coalesce(max(id), 1) FROM "{table}"))'
                        )
                    )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        self.engine.dispose()


# --- one interview day ---------------------------------------------------------------------


@dataclass
class Member:
    user_id: int
    username: str
    panel_id: int
    role: str


@dataclass
class InterviewDay:
    vacancy_id: int
    hr_username: str
    members: list[Member]
    candidate_ids: list[int]
    quality_ids: list[int]
    panel_ids: list[int]
    scores: int = 0
    scoresheets: int = 0
    extra: dict = field(default_factory=dict)


def users(
    loader: Loader, count: int, role: str, prefix: str, hashes: tuple[str, str]
) -> list[tuple[int, str]]:
    password_hash, pin_hash = hashes
    ids = loader.ids("user", count)
    rows = [
        (
            uid,
            f"{prefix}{uid}",
            f"{role.replace('_', ' ').title()} {uid}",
            role,
            f"{prefix}{uid}@example.org",
            password_hash if role in ("admin", "hr", "staff", "panel_lead") else None,
            pin_hash if role in ("person_supported", "staff", "panel_lead") else None,
        )
        for uid in ids
    ]
    loader.load(
        "user",
        ("id", "username", "display_name", "role", "email", "password_hash", "pin_hash"),
        rows,
    )
    return [(row[0], row[1]) for row in rows]


def alias(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return f"Candidate {letters}"


def interview_day(
    loader: Loader,
    *,
    hashes: tuple[str, str],
    candidates: int = 60,
    panels: int = 4,
    members_per_panel: int = 8,
    qualities: int = 12,
    scored: bool = True,
    conflicts: int = 2,
    seed: int = 7,
) -> InterviewDay:
    """A vacancy at `interviewing`: panels (half of them people supported, holding more than
    half the weight), declared members, accepted qualities, shortlisted candidates, and, if
    `scored`, every member's submitted scoresheet for every candidate they may score."""
    rng = random.Random(seed)
    now = loader.now
    ((hr_id, hr_name),) = users(loader, 1, "hr", "hr", hashes)
    (vacancy_id,) = loader.ids("vacancy", 1)
    loader.load(
        "vacancy",
        ("id", "title", "service", "closes_on", "status", "created_by_id"),
        [
            (
                vacancy_id,
                "Support worker",
                "Riverside supported living",
                date.today(),
                "interviewing",
                hr_id,
            )
        ],
    )
    panel_ids = list(loader.ids("panel", panels))
    kinds = [
        "people_supported" if n % 2 == 0 else ("staff" if n % 4 == 1 else "mixed")
        for n in range(panels)
    ]
    loader.load(
        "panel",
        ("id", "vacancy_id", "name", "kind", "weight", "scale"),
        [
            (
                pid,
                vacancy_id,
                f"Panel {n + 1}",
                kinds[n],
                60.0 if kinds[n] == "people_supported" else 40.0,
                5 if n % 2 == 0 else 3,
            )
            for n, pid in enumerate(panel_ids)
        ],
    )
    scale = {pid: (5 if n % 2 == 0 else 3) for n, pid in enumerate(panel_ids)}
    members: list[Member] = []
    for n, pid in enumerate(panel_ids):
        role = "person_supported" if kinds[n] == "people_supported" else "staff"
        for i, (uid, name) in enumerate(users(loader, members_per_panel, role, "m", hashes)):
            members.append(Member(uid, name, pid, "lead" if i == 0 else "member"))
    loader.load(
        "panel_member",
        ("id", "panel_id", "vacancy_id", "user_id", "role"),
        zip(
            loader.ids("panel_member", len(members)),
            [m.panel_id for m in members],
            [vacancy_id] * len(members),
            [m.user_id for m in members],
            [m.role for m in members],
            strict=True,
        ),
    )
    quality_ids = list(loader.ids("quality", qualities))
    loader.load(
        "quality",
        (
            "id",
            "vacancy_id",
            "text",
            "easy_read",
            "source_group",
            "status",
            "position",
            "proposed_by_id",
            "reviewed_by_id",
            "reviewed_at",
        ),
        [
            (
                qid,
                vacancy_id,
                f"Quality {n + 1}",
                f"Easy words {n + 1}",
                "people_supported" if n % 2 == 0 else "staff",
                "accepted",
                n,
                hr_id,
                hr_id,
                now,
            )
            for n, qid in enumerate(quality_ids)
        ],
    )
    candidate_ids = list(loader.ids("candidate", candidates))
    loader.load(
        "candidate",
        ("id", "vacancy_id", "name", "alias", "status"),
        [
            (cid, vacancy_id, f"Applicant {n + 1}", alias(n), "shortlisted")
            for n, cid in enumerate(candidate_ids)
        ],
    )
    declaration_ids = list(loader.ids("declaration", len(members)))
    loader.load(
        "declaration",
        ("id", "vacancy_id", "user_id", "confidentiality"),
        [
            (did, vacancy_id, m.user_id, True)
            for did, m in zip(declaration_ids, members, strict=True)
        ],
    )
    conflicted = set()
    for did, member in zip(declaration_ids[:conflicts], members[:conflicts], strict=True):
        conflicted.add((member.user_id, candidate_ids[-1]))
        loader.load(
            "declared_conflict", ("declaration_id", "candidate_id"), [(did, candidate_ids[-1])]
        )
    day = InterviewDay(vacancy_id, hr_name, members, candidate_ids, quality_ids, panel_ids)
    if not scored:
        return day
    pairs = [(m, c) for c in candidate_ids for m in members if (m.user_id, c) not in conflicted]
    sheet_ids = loader.ids("scoresheet", len(pairs))
    answers = ("yes", "yes", "not_sure", "no")
    loader.load(
        "scoresheet",
        (
            "id",
            "vacancy_id",
            "candidate_id",
            "panel_id",
            "user_id",
            "status",
            "would_work_with",
            "submitted_at",
            "comment",
        ),
        (
            (
                sid,
                vacancy_id,
                c,
                m.panel_id,
                m.user_id,
                "submitted",
                rng.choice(answers)
                if kinds[panel_ids.index(m.panel_id)] == "people_supported"
                else None,
                now,
                "Kind and patient." if sid % 5 == 0 else "",
            )
            for sid, (m, c) in zip(sheet_ids, pairs, strict=True)
        ),
    )
    score_ids = iter(loader.ids("score", len(pairs) * qualities))
    day.scores = loader.load(
        "score",
        ("id", "scoresheet_id", "quality_id", "value"),
        (
            (
                next(score_ids),
                sid,
                q,
                None if rng.random() < 0.04 else rng.randint(1, scale[m.panel_id]),
            )
            for sid, (m, _) in zip(sheet_ids, pairs, strict=True)
            for q in quality_ids
        ),
    )
    day.scoresheets = len(pairs)
    return day


def scores_for_sheets(loader: Loader, sheets: list, qualities_of: dict, rng) -> int:
    """An answer to every quality of its vacancy on every sheet. On PostgreSQL the rows are
    made by the server in one statement (no row crosses the wire); elsewhere, in bulk."""
    if loader.postgres:
        with loader.engine.begin() as conn:
            conn.execute(text("SELECT setseed(0.42)"))
            return conn.execute(
                text(
                    "INSERT INTO score (scoresheet_id, quality_id, value) "
                    "SELECT s.id, q.id, 1 + floor(random() * 5)::int "
                    "FROM scoresheet s JOIN quality q ON q.vacancy_id = s.vacancy_id "
                    "WHERE s.id BETWEEN :first AND :last ORDER BY s.id, q.id"
                ),
                {"first": sheets[0][0], "last": sheets[-1][0]},
            ).rowcount
    score_ids = iter(loader.ids("score", len(sheets) * max(map(len, qualities_of.values()))))
    return loader.load(
        "score",
        ("id", "scoresheet_id", "quality_id", "value"),
        (
            (next(score_ids), s, q, rng.randint(1, 5))
            for s, v, *_ in sheets
            for q in qualities_of[v]
        ),
    )


# --- an organisation ------------------------------------------------------------------------

STAGES = [  # share of vacancies at each stage
    ("draft", 0.08),
    ("co_design", 0.07),
    ("shortlisting", 0.08),
    ("interviewing", 0.07),
    ("deciding", 0.05),
    ("decided", 0.40),
    ("closed", 0.25),
]
SCORED = {"interviewing", "deciding", "decided", "closed"}
SERVICES = [
    "Riverside supported living",
    "Oak House",
    "Hilltop day service",
    "Community outreach",
    "Willow Court",
    "Maple respite",
    "Harbour flats",
    "Northfield home care",
]


def organisation(
    loader: Loader,
    *,
    hashes: tuple[str, str],
    vacancies: int = 5000,
    candidates: int = 100_000,
    scores: int = 2_000_000,
    staff: int = 2000,
    people_supported: int = 600,
    seed: int = 11,
) -> dict:
    """Many vacancies at every stage over two years, each with two panels of two members;
    scored ones with submitted scoresheets; decided ones with decisions and their flags."""
    rng = random.Random(seed)
    now = loader.now
    ((hr_id, hr_name),) = users(loader, 1, "hr", "orghr", hashes)
    staff_ids = [u for u, _ in users(loader, staff, "staff", "s", hashes)]
    ps_ids = [u for u, _ in users(loader, people_supported, "person_supported", "p", hashes)]
    stages = [s for s, share in STAGES for _ in range(round(share * vacancies))]
    stages = (stages + ["decided"] * vacancies)[:vacancies]
    rng.shuffle(stages)
    vacancy_ids = list(loader.ids("vacancy", vacancies))
    closes = [date.today() - timedelta(days=rng.randint(-60, 700)) for _ in vacancy_ids]
    loader.load(
        "vacancy",
        (
            "id",
            "title",
            "service",
            "closes_on",
            "status",
            "created_by_id",
            "created_at",
            "status_changed_at",
            "posts",
        ),
        (
            (
                vid,
                f"{rng.choice(['Support worker', 'Team leader', 'Cook', 'Driver'])} {vid}",
                rng.choice(SERVICES),
                closes[n],
                stages[n],
                hr_id,
                datetime.combine(closes[n] - timedelta(days=30), datetime.min.time(), UTC),
                datetime.combine(closes[n], datetime.min.time(), UTC),
                1 + (vid % 3 == 0),
            )
            for n, vid in enumerate(vacancy_ids)
        ),
    )
    # Four in five vacancies have a people supported panel (weight 60) beside a staff one.
    with_ps = [rng.random() < 0.8 for _ in vacancy_ids]
    panel_ids = list(loader.ids("panel", 2 * vacancies))
    panel_rows = []
    for n, vid in enumerate(vacancy_ids):
        first = "people_supported" if with_ps[n] else "mixed"
        panel_rows.append(
            (
                panel_ids[2 * n],
                vid,
                "People we support" if with_ps[n] else "Mixed panel",
                first,
                60.0,
                5,
            )
        )
        panel_rows.append((panel_ids[2 * n + 1], vid, "Staff panel", "staff", 40.0, 5))
    loader.load("panel", ("id", "vacancy_id", "name", "kind", "weight", "scale"), panel_rows)
    members = []  # (panel_id, vacancy_id, user_id)
    for n, vid in enumerate(vacancy_ids):
        first = ps_ids if with_ps[n] else staff_ids
        a, b = (2 * n) % len(first), (2 * n + 1) % len(first)
        c, d = (2 * n + 7) % len(staff_ids), (2 * n + 8) % len(staff_ids)
        members += [(panel_ids[2 * n], vid, first[a]), (panel_ids[2 * n], vid, first[b])]
        if not with_ps[n]:
            c, d = (c + 1000) % len(staff_ids), (d + 1000) % len(staff_ids)
        members += [
            (panel_ids[2 * n + 1], vid, staff_ids[c]),
            (panel_ids[2 * n + 1], vid, staff_ids[d]),
        ]
    loader.load(
        "panel_member",
        ("id", "panel_id", "vacancy_id", "user_id", "role"),
        (
            (mid, p, v, u, "lead" if i % 2 == 0 else "member")
            for i, (mid, (p, v, u)) in enumerate(
                zip(loader.ids("panel_member", len(members)), members, strict=True)
            )
        ),
    )
    per_vacancy = max(1, candidates // vacancies)
    scored_vacancies = [vid for n, vid in enumerate(vacancy_ids) if stages[n] in SCORED]
    qualities = max(1, math.ceil(scores / max(1, len(scored_vacancies) * per_vacancy * 4)))
    quality_ids = list(loader.ids("quality", vacancies * qualities))
    loader.load(
        "quality",
        ("id", "vacancy_id", "text", "source_group", "status", "position"),
        (
            (
                qid,
                vacancy_ids[i // qualities],
                f"Quality {i % qualities + 1}",
                "people_supported" if i % 2 == 0 else "staff",
                "proposed" if stages[i // qualities] in ("draft", "co_design") else "accepted",
                i % qualities,
            )
            for i, qid in enumerate(quality_ids)
        ),
    )
    candidate_ids = list(loader.ids("candidate", vacancies * per_vacancy))
    status_for = {
        "draft": "applied",
        "co_design": "applied",
        "shortlisting": "applied",
        "interviewing": "shortlisted",
        "deciding": "interviewed",
    }
    loader.load(
        "candidate",
        ("id", "vacancy_id", "name", "alias", "status"),
        (
            (
                cid,
                vacancy_ids[i // per_vacancy],
                f"Applicant {cid}",
                alias(i % per_vacancy),
                status_for.get(stages[i // per_vacancy], "not_appointed"),
            )
            for i, cid in enumerate(candidate_ids)
        ),
    )
    loader.load(
        "declaration",
        ("id", "vacancy_id", "user_id", "confidentiality"),
        (
            (did, v, u, True)
            for did, (_, v, u) in zip(loader.ids("declaration", len(members)), members, strict=True)
        ),
    )
    index_of = {vid: n for n, vid in enumerate(vacancy_ids)}
    members_of: dict[int, list[tuple[int, int]]] = {}
    for p, v, u in members:
        members_of.setdefault(v, []).append((p, u))
    sheets = []  # (id, vacancy, candidate, panel, user, would_work_with)
    scored_set = set(scored_vacancies)
    sheet_counter = iter(loader.ids("scoresheet", len(scored_vacancies) * per_vacancy * 4))
    for i, cid in enumerate(candidate_ids):
        vid = vacancy_ids[i // per_vacancy]
        if vid not in scored_set:
            continue
        for p, u in members_of[vid]:
            answer = (
                rng.choice(("yes", "yes", "not_sure", "no"))
                if p == panel_ids[2 * index_of[vid]] and with_ps[index_of[vid]]
                else None
            )
            sheets.append((next(sheet_counter), vid, cid, p, u, answer))
    loader.load(
        "scoresheet",
        (
            "id",
            "vacancy_id",
            "candidate_id",
            "panel_id",
            "user_id",
            "status",
            "would_work_with",
            "submitted_at",
        ),
        ((s, v, c, p, u, "submitted", a, now) for s, v, c, p, u, a in sheets),
    )
    qualities_of = {
        vid: quality_ids[n * qualities : (n + 1) * qualities] for n, vid in enumerate(vacancy_ids)
    }
    written = scores_for_sheets(loader, sheets, qualities_of, rng)
    # Decisions: one appointed per decided vacancy; one in four against the people supported
    # panel's preference (flagged, with an override reason), as recorded at decision time.
    decisions = []
    for n, vid in enumerate(vacancy_ids):
        if stages[n] not in ("decided", "closed"):
            continue
        mine = candidate_ids[n * per_vacancy : (n + 1) * per_vacancy]
        against = with_ps[n] and rng.random() < 0.25
        for k, cid in enumerate(mine):
            appoint = k == 0
            flags = ["people_supported_preferred_other"] if appoint and against else []
            decisions.append(
                (
                    vid,
                    cid,
                    "appoint" if appoint else "not_appointed",
                    "Best on the day." if appoint else "Others were stronger.",
                    "Strongest on safety, agreed with the panel." if flags else "",
                    json.dumps(flags),
                    hr_id,
                    datetime.combine(closes[n], datetime.min.time(), UTC),
                )
            )
    loader.load(
        "decision",
        (
            "id",
            "vacancy_id",
            "candidate_id",
            "outcome",
            "rationale",
            "override_reason",
            "flags",
            "decided_by_id",
            "decided_at",
        ),
        (
            (did, *row)
            for did, row in zip(loader.ids("decision", len(decisions)), decisions, strict=True)
        ),
    )
    follow_up = co_evaluation(
        loader,
        rng,
        decisions,
        members_of=members_of,
        panel_ids=panel_ids,
        index_of=index_of,
        with_ps=with_ps,
        qualities_of=qualities_of,
    )
    return {
        "hr_username": hr_name,
        "vacancies": vacancies,
        "candidates": len(candidate_ids),
        "scoresheets": len(sheets),
        "scores": written,
        "decisions": len(decisions),
        **follow_up,
        "qualities_per_vacancy": qualities,
        "vacancy_ids": vacancy_ids,
        "stages": stages,
    }


def co_evaluation(
    loader, rng, decisions, *, members_of, panel_ids, index_of, with_ps, qualities_of
) -> dict:
    """What follows an appointment: a check-in at 3 months and at 6 once due, answered by the
    people supported panel's two members (a quality or two "not sure"), and the staff panel's
    probation views, the lead's with an outcome once six months have passed."""
    now = loader.now
    check_ins, responses, values, views = [], [], [], []
    check_in_ids = iter(loader.ids("check_in", 2 * len(decisions)))
    response_ids = iter(loader.ids("check_in_response", 4 * len(decisions)))
    for vid, cid, outcome, *_rest, decided_at in decisions:
        if outcome != "appoint":
            continue
        people_panel, staff_panel = panel_ids[2 * index_of[vid]], panel_ids[2 * index_of[vid] + 1]
        months = [m for m in (3, 6) if decided_at + timedelta(days=round(30.4 * m)) <= now]
        for m in months:
            check_in = next(check_in_ids)
            opened = decided_at + timedelta(days=round(30.4 * m))
            check_ins.append((check_in, vid, cid, m, opened))
            for panel, user in members_of[vid]:
                if panel != people_panel or not with_ps[index_of[vid]]:
                    continue
                response = next(response_ids)
                responses.append((response, check_in, user, "", opened + timedelta(days=3), 0))
                for quality in qualities_of[vid]:
                    values.append((response, quality, rng.choice((1, 2, 3, 3, None))))
        staff_seats = [user for panel, user in members_of[vid] if panel == staff_panel]
        for n, user in enumerate(staff_seats if months else []):
            going = rng.choice(("well", "well", "mixed", "not_well"))
            passed = rng.choice(("passed",) * 7 + ("extended", "not_passed", "left"))
            views.append(
                (vid, cid, user, going, "", passed if n == 0 and 6 in months else None, now)
            )
    loader.load("check_in", ("id", "vacancy_id", "candidate_id", "months", "opened_at"), check_ins)
    loader.load(
        "check_in_response",
        ("id", "check_in_id", "user_id", "comment", "submitted_at", "changes"),
        responses,
    )
    loader.load("check_in_value", ("response_id", "quality_id", "value"), values)
    loader.load(
        "probation_view",
        (
            "id",
            "vacancy_id",
            "candidate_id",
            "user_id",
            "going",
            "comment",
            "outcome",
            "recorded_at",
        ),
        (
            (pid, *row)
            for pid, row in zip(loader.ids("probation_view", len(views)), views, strict=True)
        ),
    )
    return {
        "check_ins": len(check_ins),
        "check_in_responses": len(responses),
        "check_in_answers": len(values),
        "probation_views": len(views),
    }
