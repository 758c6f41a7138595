"""Operations on decisions: record an outcome per candidate with its reasons; release results.
The caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from recruit import permissions
from recruit.candidates.models import Candidate
from recruit.core import audit
from recruit.core.errors import Conflict, ValidationFailed
from recruit.core.notices import tell
from recruit.core.signals import candidate_withdrawn, sheets_set_aside
from recruit.core.time import utcnow
from recruit.decisions.charts import no_score_reason
from recruit.decisions.models import Decision, Outcome
from recruit.extensions import db
from recruit.panels.models import PanelMember
from recruit.people.models import User
from recruit.scoring.results import OVERRIDE_FLAGS, TIE_TOLERANCE, vacancy_results
from recruit.vacancies.models import Status, Vacancy

TEXT_MAX = 5000


def describe(decision: Decision) -> dict:
    return {
        "candidate_id": decision.candidate_id,
        "outcome": decision.outcome,
        "rationale": decision.rationale,
        "override_reason": decision.override_reason,
        "flags": decision.flags,
    }


def flags_for(vacancy: Vacancy, candidate_id: int) -> list[str]:
    _, results = vacancy_results(vacancy)
    for result in results:
        if result.candidate_id == candidate_id:
            return list(result.flags)
    return []


def record_decision(
    actor: User,
    vacancy: Vacancy,
    *,
    candidate_id: int,
    outcome: str,
    rationale: str,
    override_reason: str | None = None,
) -> Decision:
    """Record (or change) the outcome for one candidate, keeping the flags that stood."""
    errors: dict[str, list[str]] = {}
    rationale = (rationale or "").strip()
    override_reason = (override_reason or "").strip()
    if outcome not in {o.value for o in Outcome}:
        errors["outcome"] = ["Choose appoint, reserve or not_appointed."]
    if not rationale:
        errors["rationale"] = ["Say why, in plain words. Panel members will read it."]
    elif len(rationale) > TEXT_MAX:
        errors["rationale"] = [f"Use at most {TEXT_MAX} characters."]
    if len(override_reason) > TEXT_MAX:
        errors["override_reason"] = [f"Use at most {TEXT_MAX} characters."]
    candidate = db.session.get(Candidate, candidate_id) if isinstance(candidate_id, int) else None
    if candidate is None or candidate.vacancy_id != vacancy.id or not candidate.in_the_running:
        errors["candidate_id"] = ["This is not a candidate of this vacancy."]
    if errors:
        raise ValidationFailed(fields=errors)
    if vacancy.status != Status.DECIDING:
        raise Conflict(
            "Decisions are recorded when the vacancy is at the deciding stage.",
            code="not_deciding",
        )
    flags = flags_for(vacancy, candidate.id)
    standing = [f for f in flags if f in OVERRIDE_FLAGS]
    if outcome == Outcome.APPOINT and standing and not override_reason:
        words = {
            "people_supported_preferred_other": "the people supported panels preferred "
            "someone else",
            "concern_raised": "a person supported said they would not like this person to "
            "support them",
        }
        raise ValidationFailed(
            "Appointing this candidate goes against what people supported said ("
            + "; ".join(words[f] for f in standing)
            + "). Give an override reason: the panel members will see it.",
            code="override_reason_required",
            fields={"override_reason": ["Say why you are appointing this candidate anyway."]},
        )
    if outcome == Outcome.APPOINT:
        appointed = db.session.scalar(
            select(func.count(Decision.id)).where(
                Decision.vacancy_id == vacancy.id,
                Decision.outcome == Outcome.APPOINT,
                Decision.candidate_id != candidate.id,
            )
        )
        if appointed >= vacancy.posts:
            raise Conflict(
                f"All {vacancy.posts} post{'s' if vacancy.posts != 1 else ''} are already filled. "
                "Change another decision first, or record this one as reserve.",
                code="posts_filled",
            )
    decision = db.session.scalar(select(Decision).where(Decision.candidate_id == candidate.id))
    before = describe(decision) if decision else None
    if decision is None:
        decision = Decision(vacancy_id=vacancy.id, candidate_id=candidate.id)
        db.session.add(decision)
    elif before == {
        **before,
        "outcome": outcome,
        "rationale": rationale,
        "override_reason": override_reason if outcome == Outcome.APPOINT else "",
        "flags": flags,
    }:
        return decision  # the same decision sent again (a retry): nothing changes, no audit
    decision.outcome = outcome
    decision.rationale = rationale
    decision.override_reason = override_reason if outcome == Outcome.APPOINT else ""
    decision.flags = flags
    decision.decided_by_id = actor.id
    decision.decided_at = utcnow()
    db.session.flush()
    audit.record(
        "decision.changed" if before else "decision.recorded",
        decision,
        actor=actor,
        before=before,
        after=describe(decision),
    )
    if decision.override_reason:
        audit.record("decision.override", decision, actor=actor, after=describe(decision))
    return decision


def figures_held_back(user: User, vacancy: Vacancy) -> dict[int, str]:
    """The candidates whose figures and comments a scorer may not read yet: those in the
    running they have neither sent a scoresheet for nor declared a conflict with (alias by id).
    Empty for HR and anyone else who does not score (docs/scoring.md, case 8)."""
    from recruit.candidates.models import CandidateStatus
    from recruit.panels.operations import conflicted_candidate_ids, membership
    from recruit.scoring.models import SUBMITTED, Scoresheet

    if permissions.is_hr(user) or membership(user, vacancy.id) is None:
        return {}
    conflicted = conflicted_candidate_ids(user.id, vacancy.id)
    sent = select(Scoresheet.candidate_id).where(
        Scoresheet.vacancy_id == vacancy.id,
        Scoresheet.user_id == user.id,
        Scoresheet.status == SUBMITTED,
    )
    rows = db.session.execute(
        select(Candidate.id, Candidate.alias)
        .where(
            Candidate.vacancy_id == vacancy.id,
            Candidate.status.not_in([CandidateStatus.NOT_SHORTLISTED, CandidateStatus.WITHDRAWN]),
            Candidate.id.not_in(sent),
        )
        .order_by(Candidate.id)
    ).all()
    return {cid: alias for cid, alias in rows if cid not in conflicted}


def decisions_of(vacancy: Vacancy) -> dict[int, Decision]:
    """The vacancy's decisions by candidate, in the order candidates were added (so that
    "you said, we did" names the appointed alike on both databases)."""
    query = select(Decision).where(Decision.vacancy_id == vacancy.id)
    rows = db.session.scalars(query.order_by(Decision.candidate_id)).all()
    return {d.candidate_id: d for d in rows}


@candidate_withdrawn.connect
def set_aside_decision(candidate: Candidate, *, actor: User, **_) -> None:
    """A withdrawn candidate is never appointed: their decision goes (the post is free
    again), kept whole in the audit trail."""
    decision = db.session.scalar(select(Decision).where(Decision.candidate_id == candidate.id))
    if decision is None:
        return
    before = describe(decision)
    db.session.delete(decision)
    db.session.flush()
    audit.record(
        "decision.set_aside",
        candidate,
        actor=actor,
        before=before,
        after={"reason": "withdrawn"},
    )


@sheets_set_aside.connect
def recheck_appointments(vacancy: Vacancy, *, actor: User, **_) -> list[int]:
    """Sheets set aside while deciding can change who the people supported chose: an
    appointment that now goes against them without an override reason is set aside, so that
    it is made again with one (docs/scoring.md, case 3). Returns the candidates affected."""
    if vacancy.status != Status.DECIDING:
        return []
    _, results = vacancy_results(vacancy)
    flags = {r.candidate_id: r.flags for r in results}
    affected = []
    for decision in decisions_of(vacancy).values():
        standing = [f for f in flags.get(decision.candidate_id, []) if f in OVERRIDE_FLAGS]
        if decision.outcome != Outcome.APPOINT or decision.override_reason or not standing:
            continue
        before = describe(decision)
        db.session.delete(decision)
        audit.record(
            "decision.set_aside",
            decision,
            actor=actor,
            before=before,
            after={"reason": "results_changed", "flags": standing},
        )
        affected.append(decision.candidate_id)
    db.session.flush()
    return affected


def release_results(actor: User, vacancy: Vacancy) -> None:
    """Let panel members see the combined results: from deciding on, when every sheet that
    will ever count has been sent (they never see them before). A repeat changes nothing."""
    if vacancy.before(Status.DECIDING) or vacancy.status == Status.WITHDRAWN:
        raise Conflict(
            "Results are shared with panel members once the vacancy is at the deciding "
            "stage, when everyone has finished scoring.",
            code="not_deciding",
        )
    if vacancy.results_released_at is not None:
        return
    vacancy.results_released_at = utcnow()
    db.session.flush()
    audit.record("results.released", vacancy, actor=actor, after={"released": True})


@dataclass
class OutcomeSummary:
    """What a panel member is told once the vacancy is decided."""

    appointed: list[str]
    reserve: list[str]
    panel_name: str | None = None
    panel_kind: str | None = None
    panel_share: float | None = None  # % of the weight
    panel_part: float | None = None  # % of the appointed candidate's overall score
    panel_first_choice: str | None = None
    went_against_panel: bool = False
    override_reasons: list[str] = field(default_factory=list)
    rationales: list[tuple[str, str]] = field(default_factory=list)
    # The appointed candidates the panel had no score for, with why (a key of
    # charts.NO_SCORE_WORDS): its share counted for nothing, the other panels' decided.
    panel_no_score: list[tuple[str, str]] = field(default_factory=list)
    # The panel's sheets set aside because their author knows the candidate: (alias, sheets).
    panel_set_aside: list[tuple[str, int]] = field(default_factory=list)


def outcome_for(vacancy: Vacancy, seat: PanelMember | None) -> OutcomeSummary:
    panels, results = vacancy_results(vacancy)
    decided = decisions_of(vacancy)
    alias = {r.candidate_id: r.alias for r in results}
    appointed = [cid for cid, d in decided.items() if d.outcome == Outcome.APPOINT]
    summary = OutcomeSummary(
        appointed=[alias[c] for c in appointed if c in alias],
        reserve=[
            alias[c]
            for cid, d in decided.items()
            if d.outcome == Outcome.RESERVE
            for c in [cid]
            if c in alias
        ],
        override_reasons=[
            decided[c].override_reason for c in appointed if decided[c].override_reason
        ],
        rationales=[(alias[c], decided[c].rationale) for c in appointed if c in alias],
    )
    if seat is None:
        return summary
    panel = next((p for p in panels if p.id == seat.panel_id), None)
    if panel is None:
        return summary
    total = sum(p.weight for p in panels) or 1.0
    summary.panel_name, summary.panel_kind = panel.name, panel.kind
    summary.panel_share = 100 * panel.weight / total
    by_candidate = {r.candidate_id: r for r in results}
    for cid in appointed:
        result = by_candidate.get(cid)
        mine = next((p for p in result.panels if p.panel_id == panel.id), None) if result else None
        if result and mine and mine.contribution is not None and result.overall:
            summary.panel_part = 100 * mine.contribution / result.overall
        if result and mine and mine.score is None:
            why = no_score_reason(mine.submitted, mine.expected, mine.score)
            summary.panel_no_score.append((result.alias, why))
    summary.panel_set_aside = [
        (r.alias, p.set_aside)
        for r in results
        for p in r.panels
        if p.panel_id == panel.id and p.set_aside
    ]
    scored = [
        (p.score, r.candidate_id)
        for r in results
        for p in r.panels
        if p.panel_id == panel.id and p.score is not None
    ]
    if scored:
        best = max(score for score, _ in scored)
        firsts = [cid for score, cid in scored if abs(score - best) <= TIE_TOLERANCE]
        summary.panel_first_choice = " and ".join(alias[c] for c in firsts)
        summary.went_against_panel = bool(appointed) and not set(appointed) & set(firsts)
    return summary


def notify_outcome(vacancy: Vacancy) -> int:
    """Tell every panel member "you said, we did": in the app, and by email to those who
    have an address."""
    members = db.session.scalars(
        select(PanelMember).where(PanelMember.vacancy_id == vacancy.id)
    ).all()
    for seat in members:
        user = db.session.get(User, seat.user_id)
        tell(
            user,
            "outcome_easy_read" if user.role == "person_supported" else "outcome",
            vacancy=vacancy,
            summary=outcome_for(vacancy, seat),
            link=f"/vacancies/{vacancy.id}/outcome",
        )
    return len(members)
