"""Candidate personal data: erased after the retention period (UK GDPR storage limitation),
exported on request (subject access), erased on request. Scores and the decision trail are
kept, without anything that identifies the candidate."""

from __future__ import annotations

import re
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select, update

from recruit.candidates.models import Candidate, InterviewSlot, ShortlistView
from recruit.core import audit
from recruit.core.audit import AuditRecord
from recruit.core.organisation import policy
from recruit.core.time import utcnow
from recruit.decisions.models import Decision
from recruit.extensions import db
from recruit.people.models import User
from recruit.scoring.models import Scoresheet
from recruit.vacancies.models import Status, Vacancy

ERASED_NAME = "Erased candidate"
COMMENTS = frozenset({"comment"})
GENERATED_ALIAS = re.compile(r"^Candidate [A-Z]+$")


def _identifiers(candidate: Candidate) -> list[str]:
    words = [w for w in re.split(r"\s+", candidate.name or "") if len(w) > 1]
    words += [x for x in (candidate.email, candidate.phone) if x]
    if candidate.alias and not GENERATED_ALIAS.match(candidate.alias):
        words.append(candidate.alias)
    return sorted(set(words), key=len, reverse=True)


def _scrub(text: str, identifiers: list[str]) -> str:
    for word in identifiers:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[erased]", text, flags=re.IGNORECASE)
    return text


def erase_candidate(actor: User | None, candidate: Candidate, *, reason: str) -> None:
    """Remove everything that identifies the candidate; keep anonymous scores and decisions."""
    if candidate.erased_at is not None:
        return
    identifiers = _identifiers(candidate)
    if candidate.alias and not GENERATED_ALIAS.match(candidate.alias):
        taken = set(
            db.session.scalars(
                select(Candidate.alias).where(Candidate.vacancy_id == candidate.vacancy_id)
            ).all()
        )
        from recruit.candidates.operations import alias_for

        n = 0
        while alias_for(n) in taken:
            n += 1
        candidate.alias = alias_for(n)
    candidate.name = ERASED_NAME
    candidate.email = None
    candidate.phone = None
    candidate.notes = ""
    candidate.application_text = ""
    candidate.withdrawal_reason = ""
    candidate.redact_terms = ""
    candidate.shared_first_name = None
    candidate.erased_at = utcnow()
    # Comments about the candidate are personal data about them; scores are not.
    db.session.execute(
        update(Scoresheet).where(Scoresheet.candidate_id == candidate.id).values(comment="")
    )
    for decision in db.session.scalars(
        select(Decision).where(Decision.candidate_id == candidate.id)
    ).all():
        decision.rationale = _scrub(decision.rationale, identifiers)
        decision.override_reason = _scrub(decision.override_reason, identifiers)
    db.session.flush()
    _erase_from_trail(actor, candidate, identifiers, reason)


def _erase_from_trail(
    actor: User | None, candidate: Candidate, identifiers: list[str], reason: str
) -> None:
    """Scrub the candidate's name from the vacancy's audit trail and the comments about them
    from their scoresheets' records; the chain stays whole and the erasure is audited."""
    sheets = set(
        db.session.scalars(select(Scoresheet.id).where(Scoresheet.candidate_id == candidate.id))
    )
    records = db.session.scalars(
        select(AuditRecord)
        .where(
            or_(
                AuditRecord.vacancy_id == candidate.vacancy_id,
                (AuditRecord.subject_type == "Candidate")
                & (AuditRecord.subject_id == candidate.id),
            )
        )
        .order_by(AuditRecord.seq)
    ).all()

    def blank(entry: AuditRecord) -> frozenset[str]:
        about_them = entry.subject_type == "Scoresheet" and entry.subject_id in sheets
        return COMMENTS if about_them else frozenset()

    audit.erase_from_trail(
        records,
        lambda value: _scrub(value, identifiers),
        blank=blank,
        action="candidate.erased",
        subject=candidate,
        actor=actor,
        after={"reason": _scrub(reason, identifiers), "alias": candidate.alias},
    )


def erase_expired(now: datetime | None = None) -> int:
    """Erase candidates of vacancies closed longer ago than the retention period."""
    now = now or utcnow()
    cutoff = now - relativedelta(months=policy().retention_months)
    due = db.session.scalars(
        select(Candidate)
        .join(Vacancy, Vacancy.id == Candidate.vacancy_id)
        .where(
            Vacancy.status.in_([Status.CLOSED, Status.WITHDRAWN]),
            Vacancy.status_changed_at < cutoff,
            Candidate.erased_at.is_(None),
        )
    ).all()
    for candidate in due:
        erase_candidate(None, candidate, reason="retention period over")
    return len(due)


def subject_access(candidate: Candidate) -> dict:
    """Everything held on a candidate, as plain data (for an export as JSON)."""
    vacancy = db.session.get(Vacancy, candidate.vacancy_id)
    sheets = db.session.scalars(
        select(Scoresheet).where(Scoresheet.candidate_id == candidate.id)
    ).all()
    decision = db.session.scalar(select(Decision).where(Decision.candidate_id == candidate.id))
    slots = db.session.scalars(
        select(InterviewSlot).where(InterviewSlot.candidate_id == candidate.id)
    ).all()
    views = db.session.scalars(
        select(ShortlistView).where(ShortlistView.candidate_id == candidate.id)
    ).all()
    return {
        "candidate": {
            "id": candidate.id,
            "name": candidate.name,
            "email": candidate.email,
            "phone": candidate.phone,
            "notes": candidate.notes,
            "alias": candidate.alias,
            "status": candidate.status,
            "application": candidate.application_text,
            "withdrawal_reason": candidate.withdrawal_reason,
            "added": candidate.created_at.isoformat(),
            "erased": candidate.erased_at.isoformat() if candidate.erased_at else None,
        },
        "vacancy": {"id": vacancy.id, "title": vacancy.title, "service": vacancy.service},
        "interviews": [{"starts_at": s.starts_at.isoformat(), "place": s.place} for s in slots],
        "shortlisting_views": [{"answer": v.answer} for v in views],
        "scoresheets": [
            {
                "status": sheet.status,
                "scores": [{"quality_id": s.quality_id, "value": s.value} for s in sheet.scores],
                "comment": sheet.comment,
                "would_work_with": sheet.would_work_with,
            }
            for sheet in sheets
        ],
        "decision": (
            {
                "outcome": decision.outcome,
                "rationale": decision.rationale,
                "override_reason": decision.override_reason,
                "decided_at": decision.decided_at.isoformat(),
            }
            if decision
            else None
        ),
    }
