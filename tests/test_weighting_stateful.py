"""The weighting, driven at random through the JSON API and checked after every step.

A hypothesis state machine interleaves what happens to a vacancy from shortlisting to
decided: candidates added and withdrawn, declarations with and without conflicts, drafts,
sends and amendments, stage moves, decisions with and without override reasons, the number
of posts changed, results released. It keeps a small model of what the contract (API.md
v1.1) lets each call do, and asserts every refusal it must meet, status and code. After
every step it checks the invariants against an oracle that works the figures again from the
raw rows (tests/support/oracle.py), apart from recruit/scoring/results.py:

- every figure of `GET /vacancies/{id}/results` is the oracle's (to 0.01); contributions add
  up to the overall; `submitted ≤ expected`; no conflicted sheet is counted;
- every panel without a score is flagged; nothing is renormalised without a flag saying so;
- appointments never exceed posts; no withdrawn candidate is appointed; every standing
  appointment against the people supported's top choice or a concern has an override reason;
- no member reads a figure before sending their own sheets: the lead (who scores) gets 403
  `own_scoresheets_first`; the members' page waits for deciding and the release.

CI runs EXAMPLES fixed programs (derandomized, so a red run is repeatable) per backend, and
fails if they stop reaching any of CASES (the rules would need retuning); `make soak` sets
SOAK_EXAMPLES for a longer random search. A failing sequence shrinks for up to five minutes
before it is shown. One the machine found is kept below as a plain regression test.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from recruit.extensions import limiter
from tests.conftest import Api, csrf_from, empty_tables
from tests.support import oracle
from tests.support.reports import report
from tests.test_api_vacancies import World

SOAK_EXAMPLES = int(os.environ.get("SOAK_EXAMPLES", "0"))
EXAMPLES = SOAK_EXAMPLES or 25
STEPS = 50
MEASURED: Counter[str] = Counter()
SEEN: Counter[str] = Counter()  # steps after which the results showed each of CASES
CASES = ("complete", "override flags", "tie", "panel_without_score", "set aside", "appointments")
ANSWERED: Counter[str] = Counter()  # per kind of call and answer, to show what the runs reach

MEMBERS = ("ps", "ps2", "ps3", "lead", "staff")
STAGES = ("shortlisting", "interviewing", "deciding", "decided")
OUTCOMES = ("appoint", "reserve", "not_appointed")
MAX_CANDIDATES = 6
SEATS = len(MEMBERS) * MAX_CANDIDATES  # (member, candidate) pairs
# Who sits where, and the weights: (kind, weight, scale, [(member, role)]). ps3 has no seat
# in the first, so every call of theirs must be refused as a non-member's.
LAYOUTS = {
    "50/50": [
        ("people_supported", 50, 3, [("ps", "member"), ("ps2", "member")]),
        ("staff", 50, 5, [("lead", "lead"), ("staff", "member")]),
    ],
    "60/40": [
        ("people_supported", 60, 3, [("ps", "member"), ("ps2", "member"), ("ps3", "member")]),
        ("staff", 40, 5, [("lead", "lead"), ("staff", "member")]),
    ],
    "40/20/40": [
        ("people_supported", 40, 3, [("ps", "member"), ("ps2", "member")]),
        ("people_supported", 20, 5, [("ps3", "member")]),
        ("staff", 40, 5, [("lead", "lead"), ("staff", "member")]),
    ],
}
# 0 leaves that quality out of the body; None is "not sure" (twice as likely, so that sheets
# with no score come up); a number is folded onto the scale.
ANSWERS = st.lists(st.sampled_from([0, None, None, 1, 2, 3, 4, 5]), min_size=2, max_size=2)
WOULD_WORK_WITH = st.sampled_from([None, "yes", "not_sure", "no"])
INDEX = st.integers(0, MAX_CANDIDATES - 1)


@dataclass
class Declared:
    covers: set[int]  # the candidates that existed when it was made
    conflicts: set[int]


@dataclass
class Sheet:
    status: str = "draft"
    values: dict[int, int | None] = field(default_factory=dict)
    would_work_with: str | None = None


@dataclass
class Harness:
    """What every example needs from pytest's fixtures."""

    app: object
    make_user: object
    redis_server: object
    backend: str


def say(line: str) -> None:
    """A line of the story hypothesis prints with a failing sequence (none in a plain test)."""
    with contextlib.suppress(InvalidArgument):
        note(line)


def error_code(answer) -> str | None:
    body = answer.get_json(silent=True) or {}
    error = body.get("error") if isinstance(body, dict) else None
    if answer.status_code >= 400:
        assert isinstance(error, dict) and error.get("code") and error.get("message"), body
    return error.get("code") if error else None


def close(answered: float | None, exact: Fraction | None) -> bool:
    if exact is None or answered is None:
        return answered is None and exact is None
    return abs(Fraction(answered) - exact) <= Fraction(1, 100)


class WeightingMachine(RuleBasedStateMachine):
    def __init__(self, harness: Harness) -> None:
        super().__init__()
        MEASURED["examples"] += 1
        self.app = harness.app
        with self.app.app_context():
            empty_tables()
        limiter.reset()
        harness.redis_server.flush()
        self.api = Api(self.app.test_client())
        self.world = World(self.api, harness.make_user)
        self.world.people["ps3"] = harness.make_user("person_supported", password=None, pin="9753")
        self.world.tokens["ps3"] = self.api.post(
            "/tokens", json={"username": self.world.people["ps3"].username, "pin": "9753"}
        ).get_json()["token"]
        self.pages = None  # the staff member's signed-in browser, for the members' page

    # --- set-up -------------------------------------------------------------------------------

    @initialize(
        layout=st.sampled_from(sorted(LAYOUTS)),
        start=st.sampled_from(["interviewing", "shortlisting"]),
        candidates=st.integers(2, 4),
        undeclared=st.sets(st.sampled_from(MEMBERS), max_size=2),
        conflicted=st.sets(st.sampled_from(MEMBERS), max_size=2),
    )
    def setup(self, layout, start, candidates, undeclared, conflicted) -> None:
        """A vacancy in shortlisting (or just moved to interviewing) with two accepted
        qualities and 2–4 candidates; the members not `undeclared` have declared, those
        `conflicted` with a conflict with the first candidate."""
        say(f"layout {layout}, start {start}, {candidates} candidates")
        w = self.world
        self.vacancy = w.vacancy()
        self.seat: dict[str, int] = {}  # member -> panel id
        self.scale: dict[int, int] = {}
        for kind, weight, scale, people in LAYOUTS[layout]:
            panel = w.panel(self.vacancy, kind, weight, scale, name=f"{kind} {weight}")
            self.scale[panel] = scale
            for who, role in people:
                w.member(panel, who, role)
                self.seat[who] = panel
        assert w.move(self.vacancy, "co_design").status_code == 200
        self.qualities = []
        for text in ("Kind", "Listens to me"):
            quality = w.quality(self.vacancy, "ps", text)
            review = w.post(f"/qualities/{quality['id']}/review", "lead", {"status": "accepted"})
            assert review.status_code == 200, review.get_json()
            self.qualities.append(quality["id"])
        assert w.move(self.vacancy, "shortlisting").status_code == 200
        self.stage = "shortlisting"
        self.posts = 1
        self.released = False
        self.order: list[int] = []
        self.withdrawn: set[int] = set()
        self.declared: dict[str, Declared] = {}
        self.sheets: dict[tuple[str, int], Sheet] = {}
        self.decisions: dict[int, tuple[str, str]] = {}
        # Answers per kind of call and stage: a few refusals of a kind tell all, so that the
        # steps then go to what can still happen rather than to the same refusal again.
        self.calls: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        for _ in range(candidates):
            self.add_candidate()
        for who in MEMBERS:
            if who in undeclared or who not in self.seat:
                continue
            self.declare(who, [0] if who in conflicted else [])
        if start == "interviewing":
            self.move("interviewing", "hr")

    # --- helpers ------------------------------------------------------------------------------

    def checked(self, what: str) -> None:
        MEASURED["invariants checked"] += 1

    def stage_done(self) -> bool:
        """Interviewing lasts until every sheet that can be sent is sent, or for a good few
        steps, and deciding for a good few steps: moves out of them wait till then, so that
        the results have something in them and late events have time to happen."""
        steps = sum(n for k, n in self.calls.items() if k.endswith(f" {self.stage}"))
        if self.stage == "deciding":
            return steps >= 6
        if self.stage != "interviewing":
            return True
        return steps >= 6 or not any(
            self.sheets.get((who, c), Sheet()).status != "submitted"
            for who in MEMBERS
            for c in self.scoreable(who)
        )

    def ready(self, to: str) -> bool:
        """Whether the contract lets the vacancy move to `to` now."""
        if STAGES.index(to) != STAGES.index(self.stage) + 1:
            return False
        if to == "interviewing":
            return bool(self.running())
        if to == "decided":
            return all(c in self.decisions for c in self.running())
        return True

    def few(self, verb: str, most: int = 1) -> bool:
        """Whether fewer than `most` calls of this kind were refused in the current stage."""
        return self.refused[f"{verb} {self.stage}"] < most

    def candidate(self, index: int) -> int:
        return self.order[index % len(self.order)]

    def running(self) -> list[int]:
        return [c for c in self.order if c not in self.withdrawn]

    def at_or_after(self, stage: str) -> bool:
        return STAGES.index(self.stage) >= STAGES.index(stage)

    def expect(self, answer, allowed, what: str) -> int:
        """The answer is one of `allowed`, pairs of (status, code or None for any code)."""
        code = error_code(answer)
        say(f"{what} -> {answer.status_code} {code or ''}".rstrip())
        verb = what.split()[1]
        self.calls[f"{verb} {self.stage}"] += 1
        if answer.status_code >= 400:
            self.refused[f"{verb} {self.stage}"] += 1
        for status, want in allowed:
            if answer.status_code == status and want in (None, code):
                ANSWERED[f"{verb} {status}{' ' + code if code else ''}"] += 1
                return status
        raise AssertionError(
            f"{what}: answered {answer.status_code} {answer.get_json(silent=True)}; "
            f"the contract allows {sorted(allowed, key=str)}"
        )

    def figures(self) -> oracle.VacancyFigures:
        with self.app.app_context():
            return oracle.figures(self.vacancy)

    def standing_appointments(self) -> int:
        return sum(
            1
            for cid, (outcome, _) in self.decisions.items()
            if outcome == "appoint" and cid not in self.withdrawn
        )

    # --- rules --------------------------------------------------------------------------------

    @precondition(
        lambda self: (
            len(self.order) < MAX_CANDIDATES and (self.stage == "shortlisting" or self.few("adds"))
        )
    )
    @rule()
    def add_candidate(self) -> None:
        answer = self.world.post(
            f"/vacancies/{self.vacancy}/candidates", "hr", {"name": f"Person {len(self.order)}"}
        )
        ok = {(201, None)} if self.stage == "shortlisting" else {(409, "not_shortlisting")}
        if self.expect(answer, ok, "hr adds a candidate") == 201:
            self.order.append(answer.get_json()["id"])

    @precondition(lambda self: self.calls[f"declares {self.stage}"] < 8)
    @rule(who=st.sampled_from(MEMBERS), conflicts=st.lists(INDEX, max_size=2))
    def declare(self, who: str, conflicts: list[int]) -> None:
        ids = sorted({self.candidate(i) for i in conflicts})
        answer = self.world.post(
            f"/vacancies/{self.vacancy}/declarations",
            who,
            {"confidentiality": True, "conflicts": ids},
        )
        before = self.declared.get(who)
        takes_back = before is not None and not before.conflicts <= set(ids)
        if who not in self.seat:
            ok = {(403, None)}
        elif self.stage == "decided":  # the contract leaves open whether one may still declare
            ok = {(409, None)} if takes_back else {(201, None), (409, None)}
        elif self.at_or_after("interviewing") and takes_back:
            ok = {(409, "conflict_stays")}  # from interviewing on a conflict stays
        else:
            ok = {(201, None)}
        if self.expect(answer, ok, f"{who} declares conflicts {ids}") == 201:
            self.declared[who] = Declared(set(self.order), set(ids))
            if self.stage == "deciding":
                self.reopen_appointments()

    @precondition(lambda self: self.calls[f"declares {self.stage}"] < 8)
    @rule(who=st.sampled_from(MEMBERS), more=st.lists(INDEX, max_size=1))
    def declare_again(self, who: str, more: list[int]) -> None:
        """Declare again keeping one's conflicts, maybe with one more: covers the candidates
        added since, or sets aside sheets already sent."""
        kept = self.declared[who].conflicts if who in self.declared else set()
        self.declare(who, [self.order.index(c) for c in kept] + more)

    @precondition(lambda self: self.stage in ("interviewing", "deciding") and self.sent())
    @rule(pick=st.integers(0, 30))
    def declare_late_conflict(self, pick: int) -> None:
        """A member says they know a candidate they have already sent a sheet for (a person
        supported about an appointee first, if there is one): their sheet is set aside, and
        in deciding the results may turn under an appointment."""
        sent = self.sent()
        appointed = [
            (w, c)
            for w, c in sent
            if w.startswith("ps") and self.decisions.get(c, ("",))[0] == "appoint"
        ]
        who, cid = (appointed or sent)[pick % len(appointed or sent)]
        kept = self.declared[who].conflicts
        self.declare(who, [self.order.index(c) for c in sorted(kept | {cid})])

    def sent(self) -> list[tuple[str, int]]:
        """(member, candidate) of the sheets sent and still counted."""
        return sorted(
            (who, cid)
            for (who, cid), sheet in self.sheets.items()
            if sheet.status == "submitted"
            and cid not in self.withdrawn
            and cid not in self.declared[who].conflicts
        )

    def reopen_appointments(self) -> None:
        """Sheets set aside while deciding may turn the results: an appointment made without an
        override reason that now goes against the people supported is set aside, to be made
        again with one (docs/scoring.md, case 3)."""
        flags = {cid: c.flags for cid, c in self.figures().candidates.items()}
        for cid, (outcome, reason) in list(self.decisions.items()):
            if outcome == "appoint" and not reason and flags[cid] & oracle.OVERRIDE_FLAGS:
                say(f"the appointment of {cid} is set aside: the results turned")
                del self.decisions[cid]

    def scoreable(self, who: str) -> list[int]:
        """The candidates the model says `who` may score now."""
        if self.stage != "interviewing" or who not in self.seat or who not in self.declared:
            return []
        mine = self.declared[who]
        return [c for c in self.running() if c in mine.covers and c not in mine.conflicts]

    def put(self, who, cid, answers, would_work_with, *, submit, reason=None) -> None:
        scale = self.scale.get(self.seat.get(who), 5)
        values = {
            q: (None if a is None else (a - 1) % scale + 1)
            for q, a in zip(self.qualities, answers, strict=True)
            if a != 0
        }
        body = {
            "scores": [{"quality_id": q, "value": v} for q, v in values.items()],
            "submit": submit,
        }
        if would_work_with is not None:
            body["would_work_with"] = would_work_with
        if reason:
            body["amend_reason"] = reason
        answer = self.world.call("PUT", f"/candidates/{cid}/scoresheet", who, body)
        what = (
            f"{who} {'amends' if reason else 'sends' if submit else 'drafts'} "
            f"{cid}: {list(values.values())} {would_work_with or ''}"
        )
        if who not in self.seat:
            self.expect(answer, {(403, None)}, what)
            return
        declared = self.declared.get(who)
        sheet = self.sheets.get((who, cid), Sheet())
        merged = {**sheet.values, **values}
        said = would_work_with or sheet.would_work_with
        changes = (
            merged != sheet.values
            or said != sheet.would_work_with
            or (submit and sheet.status == "draft")
        )
        refusals = set()
        if declared is None or cid not in declared.covers:
            refusals.add((403, "declaration_required"))
        elif cid in declared.conflicts:
            refusals.add((403, "conflict_of_interest"))
        if self.stage != "interviewing":
            refusals.add((409, "not_interviewing"))
        if cid in self.withdrawn:
            refusals |= {(409, "not_interviewing"), (403, None)}
        ok = refusals
        if not refusals:
            if sheet.status == "submitted" and not reason:
                # once sent, a change needs a reason; the same answers again may be let through
                ok = {(409, "amend_reason_required")} | (set() if changes else {(200, None)})
            else:
                ok = {(200, None)}
        if self.expect(answer, ok, what) == 200:
            status = "submitted" if submit or sheet.status == "submitted" else "draft"
            assert answer.get_json()["status"] == status, answer.get_json()
            self.sheets[(who, cid)] = Sheet(status, merged, said)

    @precondition(lambda self: self.stage == "interviewing" or self.few("drafts", 2))
    @rule(
        who=st.sampled_from(MEMBERS),
        candidate=INDEX,
        answers=ANSWERS,
        would_work_with=WOULD_WORK_WITH,
    )
    def save_draft(self, who, candidate, answers, would_work_with) -> None:
        who, cid = self.pick(who, candidate, "drafts")
        self.put(who, cid, answers, would_work_with, submit=False)

    @precondition(lambda self: self.stage == "interviewing" or self.few("sends", 2))
    @rule(
        who=st.sampled_from(MEMBERS),
        candidate=INDEX,
        answers=ANSWERS,
        would_work_with=WOULD_WORK_WITH,
    )
    def send(self, who, candidate, answers, would_work_with) -> None:
        who, cid = self.pick(who, candidate, "sends")
        self.put(who, cid, answers, would_work_with, submit=True)

    def pick(self, who: str, index: int, verb: str) -> tuple[str, int]:
        """`who` and the candidate at `index`; once a few such calls were refused in this
        stage, a sheet that can still be sent, if there is one."""
        if not self.few(verb, 3):
            for member in (who, *MEMBERS):
                unsent = [
                    c
                    for c in self.scoreable(member)
                    if self.sheets.get((member, c), Sheet()).status != "submitted"
                ]
                if unsent:
                    return member, unsent[index % len(unsent)]
        return who, self.candidate(index)

    @precondition(lambda self: any(self.scoreable(who) for who in MEMBERS))
    @rule(
        answers=st.lists(ANSWERS, min_size=SEATS, max_size=SEATS),
        would_work_with=st.lists(WOULD_WORK_WITH, min_size=SEATS, max_size=SEATS),
        left=st.sets(st.integers(0, SEATS - 1), max_size=4),
    )
    def interview_day(self, answers, would_work_with, left) -> None:
        """Everyone's interview day: each member's sheet for every candidate they may score
        and have not sent, sent, but for those numbered in `left` (saved as drafts)."""
        n = 0
        for who in MEMBERS:
            for cid in self.scoreable(who):
                if self.sheets.get((who, cid), Sheet()).status != "submitted":
                    self.put(who, cid, answers[n], would_work_with[n], submit=n not in left)
                n += 1

    @precondition(
        lambda self: (
            any(s.status == "submitted" for s in self.sheets.values())
            and (self.stage == "interviewing" or self.few("amends", 2))
        )
    )
    @rule(pick=st.integers(0, 20), answers=ANSWERS, would_work_with=WOULD_WORK_WITH)
    def amend(self, pick, answers, would_work_with) -> None:
        sent = sorted(k for k, s in self.sheets.items() if s.status == "submitted")
        who, cid = sent[pick % len(sent)]
        self.put(who, cid, answers, would_work_with, submit=False, reason="I pressed wrong")

    @precondition(
        lambda self: (
            len(self.withdrawn) < 2 and self.running() and not self.calls[f"withdraws {self.stage}"]
        )
    )
    @rule(candidate=INDEX)
    def withdraw(self, candidate) -> None:
        cid = self.running()[candidate % len(self.running())]
        answer = self.world.post(f"/candidates/{cid}/withdraw", "hr", {"reason": "Took a job"})
        ok = {(409, "vacancy_decided")} if self.stage == "decided" else {(200, None)}
        if self.expect(answer, ok, f"hr withdraws {cid}") == 200:
            assert answer.get_json() == {"id": cid, "status": "withdrawn"}, answer.get_json()
            self.withdrawn.add(cid)
            self.decisions.pop(cid, None)  # withdrawn in deciding: the post is free again

    @precondition(lambda self: self.few("moves", 2) and self.stage_done())
    @rule(to=st.sampled_from(STAGES[1:]), who=st.sampled_from(["hr", "lead"]))
    def move(self, to, who) -> None:
        answer = self.world.move(self.vacancy, to, who)
        ok = {(200, None)} if self.ready(to) else {(409, "transition_not_allowed")}
        if self.expect(answer, ok, f"{who} moves to {to}") == 200:
            assert answer.get_json()["status"] == to
            self.stage = to
            MEASURED[f"examples reaching {to}"] += 1

    @precondition(
        lambda self: (
            self.stage != "decided"
            and self.stage_done()
            and (self.few("moves", 2) or self.ready(STAGES[STAGES.index(self.stage) + 1]))
        )
    )
    @rule(who=st.sampled_from(["hr", "lead"]))
    def advance(self, who) -> None:
        self.move(STAGES[STAGES.index(self.stage) + 1], who)

    @precondition(
        lambda self: (
            self.stage == "deciding" and any(c not in self.decisions for c in self.running())
        )
    )
    @rule(
        outcomes=st.lists(
            st.sampled_from(OUTCOMES), min_size=MAX_CANDIDATES, max_size=MAX_CANDIDATES
        ),
        overrides=st.lists(st.booleans(), min_size=MAX_CANDIDATES, max_size=MAX_CANDIDATES),
    )
    def decide_the_rest(self, outcomes, overrides) -> None:
        """The panel's meeting: a decision for every candidate still without one, so that
        `decided` comes within reach."""
        undecided = [c for c in self.running() if c not in self.decisions]
        for cid, outcome, override in zip(undecided, outcomes, overrides, strict=False):
            self.decide(self.order.index(cid), outcome, override, "hr")

    @precondition(
        lambda self: (
            (self.stage == "deciding" and self.calls["decides deciding"] < 8)
            or self.few("decides", 2)
        )
    )
    @rule(
        candidate=INDEX,
        outcome=st.sampled_from(OUTCOMES),
        override=st.booleans(),
        who=st.sampled_from(["hr", "lead"]),
    )
    def decide(self, candidate, outcome, override, who) -> None:
        cid = self.candidate(candidate)
        if cid in self.withdrawn and not self.few("decides", 2) and self.running():
            cid = self.running()[candidate % len(self.running())]
        flags = self.figures().candidates.get(cid)
        standing = flags.flags & oracle.OVERRIDE_FLAGS if flags else set()
        body = {"candidate_id": cid, "outcome": outcome, "rationale": "Best on the day"}
        if override:
            body["override_reason"] = "Their references were outstanding"
        answer = self.world.post(f"/vacancies/{self.vacancy}/decisions", who, body)
        refusals = set()
        if cid in self.withdrawn:
            refusals.add((422, None))  # never appointed, nor decided on, again
        if self.stage != "deciding":
            refusals.add((409, "not_deciding"))
        if outcome == "appoint" and cid not in self.withdrawn:
            if standing and not override:
                refusals.add((422, "override_reason_required"))
            others = self.standing_appointments() - (self.decisions.get(cid, ("",))[0] == "appoint")
            if others >= self.posts:
                refusals.add((409, "posts_filled"))
        ok = refusals or {(201, None)}
        what = f"{who} decides {outcome} for {cid}{' with a reason' if override else ''}"
        if self.expect(answer, ok, what) == 201:
            assert set(answer.get_json()["flags"]) == flags.flags, (answer.get_json(), flags)
            reason = body.get("override_reason", "") if outcome == "appoint" else ""
            self.decisions[cid] = (outcome, reason)

    @precondition(lambda self: self.calls[f"sets {self.stage}"] < 2)
    @rule(posts=st.integers(1, 3))
    def change_posts(self, posts) -> None:
        answer = self.world.call("PATCH", f"/vacancies/{self.vacancy}", "hr", {"posts": posts})
        if self.stage == "decided":
            ok = {(200, None), (409, None)}
        elif posts < self.standing_appointments():
            ok = {(409, "posts_below_appointments")}
        else:
            ok = {(200, None)}
        if self.expect(answer, ok, f"hr sets posts to {posts}") == 200:
            assert answer.get_json()["posts"] == posts
            self.posts = posts

    @precondition(
        lambda self: not self.released and (self.at_or_after("deciding") or self.few("releases"))
    )
    @rule(who=st.sampled_from(["hr", "lead"]))
    def release(self, who) -> None:
        answer = self.world.post(f"/vacancies/{self.vacancy}/release", who, {})
        ok = {(200, None)} if self.at_or_after("deciding") else {(409, "not_deciding")}
        if self.expect(answer, ok, f"{who} releases the results") == 200:
            self.released = True

    @precondition(
        lambda self: (
            self.stage == "decided"
            or sum(n for k, n in self.calls.items() if k.endswith(self.stage)) >= 20
        )
    )
    @rule()
    def look(self) -> None:
        """HR reads the vacancy: a step always possible once the others have run their course
        (once decided, most have)."""
        answer = self.world.get(f"/vacancies/{self.vacancy}", "hr")
        self.expect(answer, {(200, None)}, "hr reads the vacancy")
        assert answer.get_json()["status"] == self.stage

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self) -> None:
        MEASURED["steps"] += 1
        fig = self.figures()
        assert (fig.status, fig.posts, sorted(fig.candidates), fig.released) == (
            self.stage,
            self.posts,
            self.running(),
            self.released,
        ), "the model and the database disagree"
        assert fig.decisions == self.decisions, (fig.decisions, self.decisions)
        self.tally(fig)
        self.results_as_hr(fig)
        self.results_as_lead(fig)
        self.appointments(fig)
        self.members_page()

    def tally(self, fig: oracle.VacancyFigures) -> None:
        """Count the steps after which the results held something worth checking."""
        shown = fig.candidates.values()
        seen = {
            "complete": any(c.complete for c in shown),
            "override flags": any(c.flags & oracle.OVERRIDE_FLAGS for c in shown),
            "tie": any(oracle.TIE in c.flags for c in shown),
            "panel_without_score": any(oracle.WITHOUT_SCORE in c.flags for c in shown),
            "set aside": any(p.set_aside for c in shown for p in c.panels.values()),
            "appointments": bool(fig.appointments),
        }
        for what, there in seen.items():
            SEEN[what] += there

    def results_as_hr(self, fig: oracle.VacancyFigures) -> None:
        answer = self.world.get(f"/vacancies/{self.vacancy}/results", "hr")
        if not self.at_or_after("interviewing"):
            assert (answer.status_code, error_code(answer)) == (409, "no_results_yet")
            self.checked("no results before interviewing")
            return
        assert answer.status_code == 200, answer.get_json()
        self.checked("HR reads the results from interviewing on")
        self.compare(answer.get_json(), fig)

    def results_as_lead(self, fig: oracle.VacancyFigures) -> None:
        if not self.at_or_after("interviewing"):
            return
        # A sheet not sent counts as unsent whether or not the lead has declared about that
        # candidate yet: only a declared conflict lets them off it.
        conflicts = self.declared["lead"].conflicts if "lead" in self.declared else set()
        unsent = [
            c
            for c in self.running()
            if c not in conflicts and self.sheets.get(("lead", c), Sheet()).status != "submitted"
        ]
        answer = self.world.get(f"/vacancies/{self.vacancy}/results", "lead")
        if unsent:
            assert (answer.status_code, error_code(answer)) == (403, "own_scoresheets_first"), (
                unsent,
                answer.get_json(),
            )
        else:
            assert answer.status_code == 200, answer.get_json()
        self.checked("the lead reads figures only after sending their own sheets")
        if answer.status_code == 200:
            self.compare(answer.get_json(), fig)

    def compare(self, body: dict, fig: oracle.VacancyFigures) -> None:
        assert {p["id"]: p["weight"] for p in body["panels"]} == {
            p.id: float(p.weight) for p in fig.panels.values()
        }
        answered = {c["candidate_id"]: c for c in body["candidates"]}
        assert sorted(answered) == sorted(fig.candidates), (answered, fig.candidates)
        for cid, c in answered.items():
            want = fig.candidates[cid]
            theirs = {p["panel_id"]: p for p in c["panels"]}
            assert sorted(theirs) == sorted(fig.panels)
            problems = []
            if not close(c["overall"], want.overall):
                problems.append(f"overall {c['overall']} != {want.overall}")
            if c["rank"] != want.rank:
                problems.append(f"rank {c['rank']} != {want.rank}")
            if c["complete"] != want.complete:
                problems.append(f"complete {c['complete']} != {want.complete}")
            if len(c["flags"]) != len(set(c["flags"])) or set(c["flags"]) != want.flags:
                problems.append(f"flags {sorted(c['flags'])} != {sorted(want.flags)}")
            if "people_supported_score" in c and not close(
                c["people_supported_score"], want.people_supported_score
            ):
                problems.append(
                    f"people supported score {c['people_supported_score']} != "
                    f"{want.people_supported_score}"
                )
            for pid, p in theirs.items():
                exact = want.panels[pid]
                for name in ("score", "contribution"):
                    if not close(p[name], getattr(exact, name)):
                        problems.append(f"panel {pid} {name} {p[name]} != {getattr(exact, name)}")
                for name in ("submitted", "expected", "set_aside"):
                    if name not in p:  # set_aside is the project's, beyond the contract
                        continue
                    if p[name] != getattr(exact, name):
                        problems.append(f"panel {pid} {name} {p[name]} != {getattr(exact, name)}")
            assert not problems, f"candidate {cid}: " + "; ".join(problems)
            self.checked("every figure is the oracle's")

            # What the answer must say of itself, whatever the oracle.
            given = [p["contribution"] for p in theirs.values() if p["contribution"] is not None]
            if c["overall"] is None:
                assert not given, c
            else:
                slack = Fraction(1, 200) * (len(given) + 1)
                assert abs(sum(map(Fraction, given)) - Fraction(c["overall"])) <= slack, c
            self.checked("contributions add up to the overall")
            for pid, p in theirs.items():
                assert p["submitted"] <= p["expected"], c
                assert p["submitted"] <= want.panels[pid].sent - want.panels[pid].set_aside, c
            self.checked("submitted <= expected, no conflicted sheet counted")
            for p in theirs.values():
                if p["score"] is None:
                    assert p["contribution"] is None, c
                    if p["submitted"]:
                        assert "panel_without_score" in c["flags"], c
                    else:
                        assert "incomplete" in c["flags"], c
            self.checked("every panel without a score is flagged, none renormalised silently")

    def appointments(self, fig: oracle.VacancyFigures) -> None:
        standing = [a for a in fig.appointments if a.candidate_status != "withdrawn"]
        assert len(standing) <= fig.posts, (standing, fig.posts)
        self.checked("appointments never exceed posts")
        assert len(standing) == len(fig.appointments), fig.appointments
        self.checked("no withdrawn candidate is appointed")
        for a in standing:
            against = fig.candidates[a.candidate_id].flags & oracle.OVERRIDE_FLAGS
            assert not against or a.override_reason.strip(), (a, against)
        self.checked("appointments against the people supported carry an override reason")

    def members_page(self) -> None:
        if self.pages is None:
            self.pages = self.app.test_client()
            person = self.world.people["staff"]
            page = self.pages.get("/sign-in")
            signed = self.pages.post(
                "/sign-in",
                data={
                    "csrf_token": csrf_from(page.text),
                    "username": person.username,
                    "password": person.password,
                },
            )
            assert signed.status_code == 302, signed.text
        answer = self.pages.get(f"/vacancies/{self.vacancy}/our-results")
        if self.released and self.at_or_after("deciding"):
            assert answer.status_code == 200, answer.status_code
        else:
            assert answer.status_code in (403, 409), answer.status_code
        self.checked("members read results only from deciding, once released")


def settings_for_run() -> settings:
    return settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        derandomize=not SOAK_EXAMPLES,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture
def harness(app, backend, make_user, redis_server) -> Harness:
    return Harness(app, make_user, redis_server, backend)


def test_the_weighting_holds_through_random_interleavings(harness, backend) -> None:
    before, answered, seen = Counter(MEASURED), Counter(ANSWERED), Counter(SEEN)
    started = time.monotonic()
    try:
        run_state_machine_as_test(lambda: WeightingMachine(harness), settings=settings_for_run())
    finally:
        ran = MEASURED - before
        report(
            f"stateful weighting [{backend}]: {ran['examples']} examples, {ran['steps']} steps, "
            f"{ran['invariants checked']} invariants checked in "
            f"{time.monotonic() - started:.1f} s; reaching deciding "
            f"{ran['examples reaching deciding']}, decided {ran['examples reaching decided']}"
        )
        report(
            f"  steps after which the results showed [{backend}]: "
            + ", ".join(f"{k} {n}" for k, n in sorted((SEEN - seen).items()))
        )
        report(
            f"  answers [{backend}]: "
            + ", ".join(f"{k} x{n}" for k, n in sorted((ANSWERED - answered).items()))
        )
    if not SOAK_EXAMPLES:
        # The fixed programs must keep reaching every case, or CI would pass checking less.
        reached = {**(SEEN - seen), "decided": ran["examples reaching decided"]}
        missing = [case for case in (*CASES, "decided") if not reached.get(case)]
        assert not missing, f"the CI programs no longer reach {missing}: retune the rules"


# --- sequences the machine found failing, kept as they shrank -----------------------------------


def replay(harness: Harness, setup: dict, *steps: tuple[str, dict]) -> None:
    """Run one sequence of the machine's, checking every invariant after the set-up and after
    each step, as the machine does."""
    machine = WeightingMachine(harness)
    machine.setup(**setup)
    machine.invariants_hold()
    for name, arguments in steps:
        getattr(machine, name)(**arguments)
        machine.invariants_hold()
    machine.teardown()


EVERYONE_DECLARED = {
    "layout": "40/20/40",
    "start": "interviewing",
    "candidates": 2,
    "undeclared": set(),
    "conflicted": set(),
}


def test_found_the_lead_read_the_results_before_sending_a_sheet(harness) -> None:
    """Before v1.1 the lead read every figure as soon as interviewing began."""
    replay(harness, EVERYONE_DECLARED)


def test_found_a_sheet_sent_before_a_conflict_still_counted(harness) -> None:
    """Before v1.1 a sheet sent before its author declared a conflict with the candidate
    still counted: in the score, in `submitted` and in the overall. (Found while the check of
    the lead was left out; here the lead sends theirs first, so that it holds.)"""
    replay(
        harness,
        EVERYONE_DECLARED,
        ("send", {"who": "lead", "candidate": 0, "answers": [3, 4], "would_work_with": None}),
        ("send", {"who": "lead", "candidate": 1, "answers": [2, 5], "would_work_with": None}),
        ("send", {"who": "ps", "candidate": 0, "answers": [1, 0], "would_work_with": None}),
        ("declare", {"who": "ps", "conflicts": [0]}),
    )
