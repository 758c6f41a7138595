"""Messages to panel members and HR, sent through the outbox: invitations, interview slots
(with a calendar file), reminders to those who have not sent their scores, and notices to HR
when a vacancy is ready to move on. Easy-read wording for people supported."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from recruit.candidates.models import Candidate, InterviewSlot
from recruit.core import audit
from recruit.core.audit import AuditRecord
from recruit.core.mail import queue_email
from recruit.core.notices import tell
from recruit.core.signals import candidate_withdrawn
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels.models import Panel, PanelMember
from recruit.people.models import Role, User
from recruit.vacancies.models import Status, Vacancy


def _template(user: User, name: str) -> str:
    return f"{name}_easy_read" if user.role == Role.PERSON_SUPPORTED else name


def _members(vacancy: Vacancy, panel_id: int | None = None) -> list[User]:
    query = (
        select(User)
        .join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.vacancy_id == vacancy.id, User.is_active_account.is_(True))
    )
    if panel_id is not None:
        query = query.where(PanelMember.panel_id == panel_id)
    return list(db.session.scalars(query.order_by(User.id)).all())


def invite_to_co_design(vacancy: Vacancy) -> int:
    """When a vacancy opens for qualities: ask everyone on its panels what they want."""
    members = _members(vacancy)
    for user in members:
        tell(
            user,
            _template(user, "co_design"),
            vacancy=vacancy,
            link=f"/vacancies/{vacancy.id}/qualities",
        )
    return len(members)


def invite_to_panel(member: PanelMember, vacancy: Vacancy) -> bool:
    user = db.session.get(User, member.user_id)
    panel = db.session.get(Panel, member.panel_id)
    tell(
        user,
        _template(user, "panel_invite"),
        vacancy=vacancy,
        panel=panel,
        lead=member.role == "lead",
        link=f"/vacancies/{vacancy.id}",
    )
    return True


def tell_about_interview(slot: InterviewSlot, vacancy: Vacancy) -> int:
    """Each member of the slot's panel gets the time and place, with a calendar file."""
    from recruit.candidates.schedule import ics_calendar, local

    candidate = db.session.get(Candidate, slot.candidate_id)
    panel = db.session.get(Panel, slot.panel_id)
    calendar = ics_calendar([(slot, candidate, panel, vacancy)], "recruit")
    members = _members(vacancy, panel.id)
    for user in members:
        tell(
            user,
            _template(user, "interview"),
            calendar=calendar,
            vacancy=vacancy,
            candidate=candidate,
            panel=panel,
            slot=slot,
            starts=local(slot.starts_at),
            link="/my/interviews",
        )
    return len(members)


@candidate_withdrawn.connect
def tell_panels_of_withdrawal(
    candidate: Candidate, *, vacancy: Vacancy, slots: list[tuple[int, datetime]], **_
) -> int:
    """Everyone on the vacancy's panels hears that a candidate withdrew: no interview, no
    scores needed (their cancelled slots stop the reminders too)."""
    from recruit.candidates.schedule import local

    members = _members(vacancy)
    for user in members:
        seat_panel = db.session.scalar(
            select(PanelMember.panel_id).where(
                PanelMember.vacancy_id == vacancy.id, PanelMember.user_id == user.id
            )
        )
        mine = [local(starts) for panel_id, starts in slots if panel_id == seat_panel]
        tell(
            user,
            _template(user, "candidate_withdrawn"),
            vacancy=vacancy,
            candidate=candidate,
            cancelled=mine,
            link=f"/vacancies/{vacancy.id}/scoring",
        )
    return len(members)


def _reminded_today(seat: PanelMember, now: datetime) -> bool:
    since = now - timedelta(hours=24)
    return (
        db.session.scalar(
            select(AuditRecord.id).where(
                AuditRecord.action == "reminder.sent",
                AuditRecord.subject_type == "PanelMember",
                AuditRecord.subject_id == seat.id,
                AuditRecord.at >= since,
            )
        )
        is not None
    )


def outstanding(vacancy: Vacancy, now: datetime | None = None) -> dict[int, list[Candidate]]:
    """Per panel seat, the candidates interviewed long enough ago whose scores are missing."""
    from recruit.panels.operations import conflicted_candidate_ids
    from recruit.scoring.models import SUBMITTED, Scoresheet

    now = now or utcnow()
    after = timedelta(hours=current_app.config["REMINDER_AFTER_HOURS"])
    slots = db.session.scalars(
        select(InterviewSlot).where(
            InterviewSlot.vacancy_id == vacancy.id, InterviewSlot.ends_at <= now - after
        )
    ).all()
    submitted = set(
        db.session.execute(
            select(Scoresheet.user_id, Scoresheet.candidate_id).where(
                Scoresheet.vacancy_id == vacancy.id, Scoresheet.status == SUBMITTED
            )
        ).all()
    )
    seats = db.session.scalars(
        select(PanelMember).where(PanelMember.vacancy_id == vacancy.id)
    ).all()
    missing: dict[int, list[Candidate]] = {}
    for seat in seats:
        conflicted = conflicted_candidate_ids(seat.user_id, vacancy.id)
        for slot in slots:
            if slot.panel_id != seat.panel_id or slot.candidate_id in conflicted:
                continue
            if (seat.user_id, slot.candidate_id) not in submitted:
                missing.setdefault(seat.id, []).append(db.session.get(Candidate, slot.candidate_id))
    return missing


def remind(
    seat: PanelMember,
    vacancy: Vacancy,
    candidates: list[Candidate],
    *,
    actor=None,
    by_hand: bool = False,
) -> str | None:
    """Remind a member who has not sent scores: in the app, and by email to them or, when
    they have none, to their supporter. The hourly task sends at most one a day; a lead
    pressing Remind (`by_hand`) always sends. Returns who was emailed (a name), "" when
    nobody has an address (remind them in person), or None when nothing was sent."""
    if not by_hand and _reminded_today(seat, utcnow()):
        return None
    user = db.session.get(User, seat.user_id)
    tell(
        user,
        _template(user, "scores_reminder"),
        vacancy=vacancy,
        candidates=candidates,
        link=f"/vacancies/{vacancy.id}/scoring",
    )
    emailed = user.display_name if user.email else ""
    supporter = db.session.get(User, seat.supporter_id) if seat.supporter_id else None
    if not user.email and supporter is not None and supporter.email:
        queue_email(
            supporter.email,
            "reminder",
            person=user,
            helper=supporter,
            vacancy=vacancy,
            aliases=[c.alias for c in candidates],
            link=current_app.config["BASE_URL"].rstrip("/") + f"/vacancies/{vacancy.id}/scoring",
        )
        emailed = f"{supporter.display_name}, who supports {user.display_name}"
    audit.record(
        "reminder.sent",
        seat,
        actor=actor,
        after={
            "vacancy_id": vacancy.id,
            "candidates": [c.alias for c in candidates],
            "by_hand": by_hand,
        },
    )
    return emailed


def send_due_reminders(now: datetime | None = None) -> int:
    sent = 0
    for vacancy in db.session.scalars(
        select(Vacancy).where(Vacancy.status == Status.INTERVIEWING)
    ).all():
        for seat_id, candidates in outstanding(vacancy, now).items():
            if remind(db.session.get(PanelMember, seat_id), vacancy, candidates) is not None:
                sent += 1
    return sent


def notify_ready_to_move_on() -> int:
    """Tell HR once when every expected scoresheet of an interviewing vacancy is in."""
    from recruit.scoring.results import vacancy_results

    told = 0
    hr = db.session.scalars(
        select(User).where(User.role == Role.HR, User.is_active_account.is_(True))
    ).all()
    for vacancy in db.session.scalars(
        select(Vacancy).where(Vacancy.status == Status.INTERVIEWING)
    ).all():
        already = db.session.scalar(
            select(AuditRecord.id).where(
                AuditRecord.action == "vacancy.ready_notice", AuditRecord.vacancy_id == vacancy.id
            )
        )
        if already:
            continue
        _, results = vacancy_results(vacancy)
        if not results or any(p.submitted < p.expected for r in results for p in r.panels):
            continue
        for user in hr:
            tell(user, "ready_to_decide", vacancy=vacancy, link=f"/vacancies/{vacancy.id}")
        audit.record("vacancy.ready_notice", vacancy, actor=None, after={"to": "hr"})
        told += 1
    return told
