"""Subject access and erasure for people who sign in (panel members, staff)."""

from __future__ import annotations

import json
import re

from sqlalchemy import Text, cast, or_, select

from recruit.core import audit
from recruit.core.audit import AuditRecord
from recruit.core.errors import Conflict
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels.models import Declaration, PanelMember
from recruit.people.models import ApiToken, Role, TabletMember, User
from recruit.qualities.models import Quality, QualityVote
from recruit.scoring.models import Scoresheet


def subject_access(user: User) -> dict:
    """Everything held on this person, as plain data."""
    seats = db.session.scalars(select(PanelMember).where(PanelMember.user_id == user.id)).all()
    proposed = db.session.scalars(select(Quality).where(Quality.proposed_by_id == user.id)).all()
    votes = db.session.scalars(select(QualityVote).where(QualityVote.user_id == user.id)).all()
    sheets = db.session.scalars(select(Scoresheet).where(Scoresheet.user_id == user.id)).all()
    declarations = db.session.scalars(
        select(Declaration).where(Declaration.user_id == user.id)
    ).all()
    from recruit.core.notices import Notice
    from recruit.involvement.models import Participation

    participations = db.session.scalars(
        select(Participation).where(Participation.user_id == user.id).order_by(Participation.id)
    ).all()
    notices = db.session.scalars(
        select(Notice).where(Notice.user_id == user.id).order_by(Notice.id)
    ).all()
    actions = db.session.scalars(
        select(AuditRecord).where(AuditRecord.actor_id == user.id).order_by(AuditRecord.id)
    ).all()
    from recruit.insights.models import CheckIn, CheckInResponse, ProbationView

    check_ins = db.session.execute(
        select(CheckInResponse, CheckIn)
        .join(CheckIn, CheckIn.id == CheckInResponse.check_in_id)
        .where(CheckInResponse.user_id == user.id)
        .order_by(CheckInResponse.id)
    ).all()
    views = db.session.scalars(
        select(ProbationView).where(ProbationView.user_id == user.id).order_by(ProbationView.id)
    ).all()
    return {
        "person": {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "email": user.email,
            "has_password": user.password_hash is not None,
            "has_pin": user.pin_hash is not None,
            "active": user.is_active_account,
            "created_at": user.created_at.isoformat(),
            "service": user.service,
        },
        "panel_seats": [
            {"vacancy_id": s.vacancy_id, "panel_id": s.panel_id, "role": s.role} for s in seats
        ],
        "qualities_proposed": [
            {"vacancy_id": q.vacancy_id, "text": q.text, "status": q.status} for q in proposed
        ],
        "votes": [{"quality_id": v.quality_id} for v in votes],
        "scoresheets": [
            {
                "candidate_id": s.candidate_id,
                "status": s.status,
                "scores": [{"quality_id": x.quality_id, "value": x.value} for x in s.scores],
                "comment": s.comment,
                "would_work_with": s.would_work_with,
            }
            for s in sheets
        ],
        "declarations": [
            {
                "vacancy_id": d.vacancy_id,
                "made_at": d.made_at.isoformat(),
                "conflicts": [c.candidate_id for c in d.conflicts],
            }
            for d in declarations
        ],
        "participation": [
            {
                "activity": p.activity,
                "took_part_on": p.took_part_on.isoformat(),
                "minutes": p.minutes,
                "vacancy_id": p.vacancy_id,
                "payments": [
                    {"kind": pay.kind, "amount_pence": pay.amount_pence, "status": pay.status}
                    for pay in p.payments
                ],
            }
            for p in participations
        ],
        "check_ins": [
            {
                "candidate_id": c.candidate_id,
                "months": c.months,
                "answers": [{"quality_id": v.quality_id, "value": v.value} for v in r.values],
                "comment": r.comment,
                "at": r.submitted_at.isoformat(),
            }
            for r, c in check_ins
        ],
        "probation_views": [
            {
                "candidate_id": v.candidate_id,
                "going": v.going,
                "comment": v.comment,
                "outcome": v.outcome,
                "at": v.recorded_at.isoformat(),
            }
            for v in views
        ],
        "messages": [
            {"at": n.created_at.isoformat(), "subject": n.subject, "body": n.body} for n in notices
        ],
        "actions": [
            {"at": a.at.isoformat(), "action": a.action, "subject": a.subject_type} for a in actions
        ],
    }


def erase_person(actor: User, user: User, *, reason: str) -> None:
    """Anonymise a person on request: they can no longer sign in and nothing names them.
    Their scores stay, attached to an anonymous record, so decisions keep their trail."""
    if user.id == actor.id:
        raise Conflict("You cannot erase your own account.")
    if user.role == Role.ADMIN and actor.role != Role.ADMIN:
        raise Conflict("Only an admin can erase an admin.")
    identifiers = sorted(
        {x for x in (user.username, user.display_name, user.email) if x and len(x) > 1},
        key=len,
        reverse=True,
    )
    user.username = f"erased-{user.id}"
    user.display_name = "Former member"
    user.email = None
    user.password_hash = None
    user.pin_hash = None
    user.is_active_account = False
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all():
        token.revoked_at = token.revoked_at or utcnow()
    for seat in db.session.scalars(select(TabletMember).where(TabletMember.user_id == user.id)):
        db.session.delete(seat)
    db.session.execute(
        Scoresheet.__table__.update().where(Scoresheet.user_id == user.id).values(comment="")
    )
    from recruit.insights.models import CheckInResponse, ProbationView

    for table in (CheckInResponse.__table__, ProbationView.__table__):
        db.session.execute(table.update().where(table.c.user_id == user.id).values(comment=""))
    user.service = None
    db.session.flush()
    _erase_from_trail(actor, user, identifiers, reason)


def _scrub(text: str, identifiers: list[str]) -> str:
    for word in identifiers:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[erased]", text, flags=re.IGNORECASE)
    return text


def _erase_from_trail(actor: User, user: User, identifiers: list[str], reason: str) -> None:
    """Scrub the person's names and address from the audit trail and their comments from
    their scoresheets' records; the chain stays whole and the erasure is audited."""
    sheets = set(db.session.scalars(select(Scoresheet.id).where(Scoresheet.user_id == user.id)))
    mentions = []
    for word in identifiers:
        for form in {word, json.dumps(word)[1:-1]}:
            pattern = "%" + form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for column in (AuditRecord.before, AuditRecord.after):
                mentions.append(cast(column, Text).ilike(pattern, escape="\\"))
    records = db.session.scalars(
        select(AuditRecord)
        .where(
            or_(
                (AuditRecord.subject_type == "User") & (AuditRecord.subject_id == user.id),
                (AuditRecord.subject_type == "Scoresheet") & AuditRecord.subject_id.in_(sheets),
                *mentions,
            )
        )
        .order_by(AuditRecord.seq)
    ).all()

    def blank(entry: AuditRecord) -> frozenset[str]:
        theirs = entry.subject_type == "Scoresheet" and entry.subject_id in sheets
        return frozenset({"comment"}) if theirs else frozenset()

    audit.erase_from_trail(
        records,
        lambda value: _scrub(value, identifiers),
        blank=blank,
        action="user.erased",
        subject=user,
        actor=actor,
        after={"reason": _scrub(reason, identifiers)},
    )
