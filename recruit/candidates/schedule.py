"""The interview schedule: slots per candidate and panel, pacing for people supported,
'your interviews today', and an .ics calendar file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from recruit.candidates.models import Candidate, InterviewSlot
from recruit.core import audit
from recruit.core.errors import Conflict, NotFound, ValidationFailed
from recruit.core.time import local_zone
from recruit.extensions import db
from recruit.panels.models import Panel, PanelMember
from recruit.people.models import User
from recruit.vacancies.models import Status, Vacancy


def local(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


def parse_local(day: date, hhmm: str) -> datetime:
    """A local day and 'HH:MM' as an aware timestamp; ValidationFailed if the time is wrong."""
    try:
        hours, minutes = (int(part) for part in (hhmm or "").strip().split(":"))
        moment = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=local_zone())
    except (ValueError, TypeError):
        raise ValidationFailed(fields={"time": ["Enter a time like 09:30 or 14:00."]}) from None
    return moment


@dataclass
class PacingWarning:
    day: date
    message: str


def slots_of(vacancy: Vacancy) -> list[InterviewSlot]:
    return list(
        db.session.scalars(
            select(InterviewSlot)
            .where(InterviewSlot.vacancy_id == vacancy.id)
            .order_by(InterviewSlot.starts_at, InterviewSlot.id)
        ).all()
    )


def slots_of_candidate(candidate: Candidate) -> list[InterviewSlot]:
    return list(
        db.session.scalars(
            select(InterviewSlot)
            .where(InterviewSlot.candidate_id == candidate.id)
            .order_by(InterviewSlot.starts_at)
        ).all()
    )


def pacing_warnings(panel: Panel, slots: list[InterviewSlot]) -> list[PacingWarning]:
    """Where a panel's slots break its pacing: too many in a day, or too short a break."""
    warnings: list[PacingWarning] = []
    mine = sorted((s for s in slots if s.panel_id == panel.id), key=lambda s: s.starts_at)
    by_day: dict[date, list[InterviewSlot]] = {}
    for slot in mine:
        by_day.setdefault(local(slot.starts_at).date(), []).append(slot)
    for day, day_slots in sorted(by_day.items()):
        if panel.max_interviews_per_day and len(day_slots) > panel.max_interviews_per_day:
            warnings.append(
                PacingWarning(
                    day,
                    f"{panel.name} has {len(day_slots)} interviews on {day:%-d %B}; "
                    f"the most for this panel is {panel.max_interviews_per_day} a day.",
                )
            )
        for before, after in zip(day_slots, day_slots[1:], strict=False):
            gap = (after.starts_at - before.ends_at).total_seconds() / 60
            if gap < 0:
                warnings.append(
                    PacingWarning(
                        day,
                        f"{panel.name} has two interviews at the same time on "
                        f"{day:%-d %B} at {local(after.starts_at):%H:%M}.",
                    )
                )
            elif gap < (panel.break_minutes or 0):
                warnings.append(
                    PacingWarning(
                        day,
                        f"{panel.name} has only {int(gap)} minutes between interviews on "
                        f"{day:%-d %B} at {local(after.starts_at):%H:%M}; the break should be "
                        f"{panel.break_minutes} minutes.",
                    )
                )
    return warnings


def add_slot(
    actor: User,
    vacancy: Vacancy,
    *,
    candidate_id: int,
    panel_id: int,
    starts_at: datetime,
    minutes: int,
    place: str = "",
) -> tuple[InterviewSlot, list[PacingWarning]]:
    """Book a panel to interview a candidate. Returns the slot and any pacing warnings it
    causes (a warning does not stop the booking: the lead decides)."""
    errors: dict[str, list[str]] = {}
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.vacancy_id != vacancy.id or not candidate.in_the_running:
        errors["candidate_id"] = ["Choose a candidate of this vacancy."]
    panel = db.session.get(Panel, panel_id)
    if panel is None or panel.vacancy_id != vacancy.id:
        errors["panel_id"] = ["Choose a panel of this vacancy."]
    if starts_at is None or starts_at.tzinfo is None:
        errors["starts_at"] = ["Give the date and time the interview starts."]
    if not isinstance(minutes, int) or not 5 <= minutes <= 480:
        errors["minutes"] = ["An interview lasts from 5 to 480 minutes."]
    place = (place or "").strip()
    if len(place) > 200:
        errors["place"] = ["Use at most 200 characters."]
    if errors:
        raise ValidationFailed(fields=errors)
    if not vacancy.before(Status.DECIDING):
        raise Conflict("Interviews can only be booked before deciding starts.")
    if db.session.scalar(
        select(InterviewSlot.id).where(
            InterviewSlot.candidate_id == candidate.id, InterviewSlot.panel_id == panel.id
        )
    ):
        raise Conflict(
            f"{panel.name} already has an interview booked with {candidate.alias}.",
            fields={"candidate_id": ["This panel already meets this candidate."]},
        )
    slot = InterviewSlot(
        vacancy_id=vacancy.id,
        candidate_id=candidate.id,
        panel_id=panel.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        place=place,
    )
    db.session.add(slot)
    db.session.flush()
    audit.record(
        "interview.booked",
        slot,
        actor=actor,
        after={
            "candidate": candidate.alias,
            "panel": panel.name,
            "starts_at": slot.starts_at.isoformat(),
            "place": place,
        },
    )
    from recruit.panels.messages import tell_about_interview

    tell_about_interview(slot, vacancy)
    return slot, pacing_warnings(panel, slots_of(vacancy))


def remove_slot(actor: User, slot: InterviewSlot) -> None:
    audit.record(
        "interview.cancelled", slot, actor=actor, before={"starts_at": slot.starts_at.isoformat()}
    )
    db.session.delete(slot)
    db.session.flush()


def get_slot(slot_id: int) -> InterviewSlot:
    slot = db.session.get(InterviewSlot, slot_id)
    if slot is None:
        raise NotFound("We could not find that interview.")
    return slot


def interviews_for(
    user: User, *, day: date | None = None
) -> list[tuple[InterviewSlot, Candidate, Panel, Vacancy]]:
    """The interviews of the panels this person sits on (on `day`, if given)."""
    query = (
        select(InterviewSlot, Candidate, Panel, Vacancy)
        .join(Candidate, Candidate.id == InterviewSlot.candidate_id)
        .join(Panel, Panel.id == InterviewSlot.panel_id)
        .join(Vacancy, Vacancy.id == InterviewSlot.vacancy_id)
        .join(PanelMember, PanelMember.panel_id == Panel.id)
        .where(PanelMember.user_id == user.id)
        .where(Vacancy.status.in_([Status.SHORTLISTING, Status.INTERVIEWING]))
        .order_by(InterviewSlot.starts_at)
    )
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=local_zone())
        query = query.where(
            InterviewSlot.starts_at >= start, InterviewSlot.starts_at < start + timedelta(days=1)
        )
    return [tuple(row) for row in db.session.execute(query).all()]


def _ics_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")  # a bare CR would end the line
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets are folded with CRLF and a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def ics_calendar(rows: list[tuple[InterviewSlot, Candidate, Panel, Vacancy]], host: str) -> str:
    """An iCalendar file of interviews. Candidates appear by alias only."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//recruit//interviews//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for slot, candidate, panel, vacancy in rows:
        lines += [
            "BEGIN:VEVENT",
            f"UID:interview-{slot.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{slot.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{slot.ends_at.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            "SUMMARY:" + _ics_text(f"Interview: {candidate.alias} ({vacancy.title})"),
            "LOCATION:" + _ics_text(slot.place or vacancy.service),
            "DESCRIPTION:" + _ics_text(f"{panel.name} meets {candidate.alias}."),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
