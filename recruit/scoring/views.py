"""Pages for scoring on the interview day.

A member's list of candidates to score; the scoring screen (one quality per screen in
easy-read words for people supported, all on one screen for staff), which works as plain
forms without JavaScript and, with it, saves each answer as it is given through the JSON
API and an offline queue (static/js/scoring.js); the submitted scoresheet with a way to
change it for a reason; and the panel lead's view of who has sent their scores.

Scoring is independent: nothing here shows anyone's scores but the signed-in member's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from recruit import permissions
from recruit.candidates.models import Candidate
from recruit.candidates.operations import get_candidate
from recruit.candidates.schedule import local
from recruit.core.errors import Conflict, DomainError, Forbidden, NotFound
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels import messages
from recruit.panels.models import Panel, PanelMember
from recruit.people.models import Role, User
from recruit.qualities.models import Quality
from recruit.qualities.operations import accepted_qualities
from recruit.scoring import operations
from recruit.scoring.models import SUBMITTED, Scoresheet
from recruit.vacancies.models import Status, Vacancy
from recruit.vacancies.operations import get_vacancy

scoring = Blueprint("scoring", __name__)


# --- the pictures and words of the scales --------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str  # what the form sends: "1".."5", "not_sure", "yes", "no"
    word: str  # the word under the picture
    face: str  # which face is drawn (templates/scoring/_macros.html)


SCALES = {
    3: (Choice("1", "No", "sad"), Choice("2", "A bit", "neutral"), Choice("3", "Yes", "happy")),
    5: (
        Choice("1", "No", "very-sad"),
        Choice("2", "Not really", "sad"),
        Choice("3", "A bit", "neutral"),
        Choice("4", "Mostly", "happy"),
        Choice("5", "Yes, a lot", "very-happy"),
    ),
}
NOT_SURE = Choice("not_sure", "Not sure", "not-sure")
WOULD_WORK_WITH = (
    Choice("no", "No", "sad"),
    Choice("not_sure", "Not sure", "not-sure"),
    Choice("yes", "Yes", "happy"),
)
WOULD_WORK_WITH_QUESTION = "Would you like this person to support you?"

STATE_WORDS = {
    operations.NOT_STARTED: "Not started",
    operations.DRAFT: "Draft",
    operations.SENT: "Sent",
    operations.CONFLICT: "Does not score (conflict)",
    operations.SET_ASIDE: "Set aside: conflict (declared after sending; not counted)",
    operations.NOT_DECLARED: "Has not declared yet",
}
EASY_STATE_WORDS = {
    operations.NOT_STARTED: "Not started",
    operations.DRAFT: "Started, not sent yet",
    operations.SENT: "Sent",
    operations.CONFLICT: "You do not score this person",
    operations.SET_ASIDE: "You do not score this person",
    operations.NOT_DECLARED: "Say if you know this person first",
}


def question(quality: Quality) -> str:
    """What a person supported reads: the easy-read prompt, else easy-read text, else the text."""
    return (quality.prompt or quality.easy_read or quality.text).strip()


def choice_for(scale: int, value: int | None) -> Choice:
    return NOT_SURE if value is None else SCALES[scale][value - 1]


@dataclass
class Step:
    kind: str  # "quality", "qualities" (staff: all on one screen), "would_work_with",
    # "comment" or "summary"
    title: str
    qualities: list[Quality] = field(default_factory=list)
    number: int | None = None  # "Question 1 of 3"


@dataclass
class Answers:
    """The member's own answers so far (from their scoresheet)."""

    values: dict[int, int | None] = field(default_factory=dict)
    would_work_with: str | None = None
    comment: str = ""

    @classmethod
    def of(cls, sheet: Scoresheet | None) -> Answers:
        if sheet is None:
            return cls()
        return cls(
            values={s.quality_id: s.value for s in sheet.scores},
            would_work_with=sheet.would_work_with,
            comment=sheet.comment or "",
        )

    def checked(self, quality_id: int) -> str | None:
        if quality_id not in self.values:
            return None
        value = self.values[quality_id]
        return NOT_SURE.value if value is None else str(value)


def steps_for(user: User, alias: str, qualities: list[Quality]) -> list[Step]:
    easy = user.role == Role.PERSON_SUPPORTED
    steps: list[Step] = []
    total = len(qualities) + (1 if easy else 0)
    if easy:
        for n, quality in enumerate(qualities, start=1):
            steps.append(Step("quality", question(quality), [quality], number=n))
        steps.append(Step("would_work_with", WOULD_WORK_WITH_QUESTION, number=total))
    elif qualities:
        steps.append(Step("qualities", f"Score {alias}", list(qualities)))
    steps.append(Step("comment", f"Is there anything else you want to say about {alias}?"))
    steps.append(Step("summary", f"Check your answers for {alias}"))
    return steps


def first_unanswered(steps: list[Step], answers: Answers) -> int:
    """Where to carry on: the first screen with a question not answered yet, else the summary."""
    for index, step in enumerate(steps):
        if step.kind in ("quality", "qualities") and any(
            q.id not in answers.values for q in step.qualities
        ):
            return index
        if step.kind == "would_work_with" and answers.would_work_with is None:
            return index
    return len(steps) - 1


# --- loading with permission checks ----------------------------------------------------------


def _no_store(response):
    """Scoring pages hold a member's own answers on a shared tablet: never keep them in the
    browser's cache, so that the next person pressing Back does not see them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _vacancy_for_member(vacancy_id: int) -> Vacancy:
    vacancy = get_vacancy(vacancy_id)
    if not permissions.can_score(current_user, vacancy.id):
        raise Forbidden("Only members of this vacancy's panels score its candidates.")
    return vacancy


def _seat(candidate: Candidate, vacancy: Vacancy):
    """The member's seat for scoring this candidate, or a redirect to declare first."""
    if not permissions.can_score(current_user, vacancy.id):
        raise Forbidden("Only members of this vacancy's panels score its candidates.")
    try:
        return operations.seat_for_scoring(current_user, candidate, vacancy), None
    except Forbidden as error:
        if error.code == "declaration_required":
            flash(error.message, "info")
            return None, redirect(url_for("panels.declaration", vacancy_id=vacancy.id))
        raise


def _sign_in_again_url() -> str:
    key = session.get("tablet_key")
    if key:
        return url_for("people.tablet", key=key)
    return url_for("people.sign_in", next=request.full_path.rstrip("?"))


# --- a member's own candidates -----------------------------------------------------------------


@scoring.get("/vacancies/<int:vacancy_id>/scoring")
@login_required
def index(vacancy_id: int):
    vacancy = _vacancy_for_member(vacancy_id)
    from recruit.panels.operations import current_declaration, undeclared_candidates

    if undeclared_candidates(current_user.id, vacancy):
        if current_declaration(current_user.id, vacancy.id) is None:
            flash("Please agree to keep things private and say if you know anyone first.", "info")
        else:
            flash("There are new people to meet. Please say if you know any of them.", "info")
        return redirect(url_for("panels.declaration", vacancy_id=vacancy.id))
    state = operations.progress(vacancy, current_user)
    easy = current_user.role == Role.PERSON_SUPPORTED
    rows = [(c, state.state(current_user.id, c.id)) for c in state.candidates]
    return _no_store(
        current_app.make_response(
            render_template(
                "scoring/index.html",
                vacancy=vacancy,
                rows=rows,
                easy=easy,
                words=EASY_STATE_WORDS if easy else STATE_WORDS,
                open_for_scoring=vacancy.status == Status.INTERVIEWING,
                sign_in_again=_sign_in_again_url(),
            )
        )
    )


# --- the scoring screen --------------------------------------------------------------------------


def _parse_answers(form, qualities: list[Quality]) -> tuple[list[dict], list[str]]:
    scores, problems = [], []
    for quality in qualities:
        raw = form.get(f"q-{quality.id}")
        if raw is None or raw == "":
            continue
        if raw == NOT_SURE.value:
            scores.append({"quality_id": quality.id, "value": None})
        elif raw.isdigit():
            scores.append({"quality_id": quality.id, "value": int(raw)})
        else:
            problems.append(f"Choose one of the pictures for “{question(quality)}”.")
    return scores, problems


def _render_scoresheet(
    candidate: Candidate,
    vacancy: Vacancy,
    panel: Panel,
    sheet: Scoresheet | None,
    *,
    step: int | None = None,
    answers: Answers | None = None,
    problems: list[str] | None = None,
    status: int = 200,
):
    qualities = accepted_qualities(vacancy)
    easy = current_user.role == Role.PERSON_SUPPORTED
    answers = answers or Answers.of(sheet)
    steps = steps_for(current_user, candidate.alias, qualities)
    if step is None:
        step = first_unanswered(steps, answers)
    step = max(0, min(step, len(steps) - 1))
    template = (
        "scoring/sent.html"
        if sheet is not None and sheet.status == SUBMITTED
        else "scoring/score.html"
    )
    response = current_app.make_response(
        (
            render_template(
                template,
                vacancy=vacancy,
                candidate=candidate,
                panel=panel,
                sheet=sheet,
                qualities=qualities,
                steps=steps,
                current=step,
                answers=answers,
                easy=easy,
                scale=SCALES[panel.scale],
                not_sure=NOT_SURE,
                would_work_with=WOULD_WORK_WITH,
                wwq=WOULD_WORK_WITH_QUESTION,
                question=question,
                choice_for=choice_for,
                problems=problems or [],
                open_for_scoring=vacancy.status == Status.INTERVIEWING,
                sign_in_again=_sign_in_again_url(),
            ),
            status,
        )
    )
    return _no_store(response)


def _same_person() -> None:
    """A form posted from a page drawn for someone else (a shared tablet, another person
    signed in since) is refused: their answers are never saved as the next person's."""
    drawn_for = request.form.get("as_user")
    if request.method == "POST" and drawn_for and drawn_for != str(current_user.id):
        raise Forbidden(
            "Someone else is signed in on this tablet now. Please sign in as yourself again."
        )


def _scoring_context(candidate_id: int):
    _same_person()
    candidate = get_candidate(candidate_id)
    vacancy = get_vacancy(candidate.vacancy_id)
    seat, gate = _seat(candidate, vacancy)
    if gate is not None:
        return None, gate
    panel = db.session.get(Panel, seat.panel_id)
    sheet = operations.own_scoresheet(current_user, candidate)
    if sheet is None or sheet.status != SUBMITTED:
        if vacancy.status != Status.INTERVIEWING:
            raise Conflict("Scores can only be given while the interviews are happening.")
        if not candidate.in_the_running:
            raise NotFound("This candidate is no longer being interviewed.")
    return (candidate, vacancy, panel, sheet), None


@scoring.route("/candidates/<int:candidate_id>/score", methods=["GET", "POST"])
@login_required
def score(candidate_id: int):
    context, gate = _scoring_context(candidate_id)
    if gate is not None:
        return gate
    candidate, vacancy, panel, sheet = context
    step = request.args.get("step", type=int)
    if request.method == "GET" or (sheet is not None and sheet.status == SUBMITTED):
        if request.method == "POST":
            flash("You have already sent your scores for this person.", "info")
            return redirect(url_for("scoring.score", candidate_id=candidate.id))
        return _render_scoresheet(candidate, vacancy, panel, sheet, step=step)

    # Without JavaScript: each screen is a form that saves a draft and goes on.
    qualities = accepted_qualities(vacancy)
    steps = steps_for(current_user, candidate.alias, qualities)
    current = max(0, min(request.form.get("step", 0, type=int), len(steps) - 1))
    go = request.form.get("go", "next")
    scores, problems = _parse_answers(request.form, qualities)
    would_work_with = request.form.get("would_work_with") or None
    comment = request.form.get("comment")
    if problems:
        return _render_scoresheet(
            candidate, vacancy, panel, sheet, step=current, problems=problems, status=422
        )
    try:
        operations.save_scoresheet(
            current_user,
            candidate,
            vacancy,
            scores=scores,
            comment=comment,
            would_work_with=would_work_with,
            submit=go == "submit",
        )
    except DomainError as error:
        db.session.rollback()
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        return _render_scoresheet(
            candidate, vacancy, panel, sheet, step=current, problems=messages, status=error.status
        )
    db.session.commit()
    if go == "submit":
        flash(f"Thank you. Your scores for {candidate.alias} have been sent.", "success")
        return redirect(url_for("scoring.score", candidate_id=candidate.id))
    target = current - 1 if go == "back" else current + 1
    return redirect(url_for("scoring.score", candidate_id=candidate.id, step=target))


@scoring.post("/candidates/<int:candidate_id>/score/change")
@login_required
def amend(candidate_id: int):
    """Change a submitted scoresheet: every answer again, with the reason (audited)."""
    context, gate = _scoring_context(candidate_id)
    if gate is not None:
        return gate
    candidate, vacancy, panel, sheet = context
    if sheet is None or sheet.status != SUBMITTED:
        return redirect(url_for("scoring.score", candidate_id=candidate.id))
    qualities = accepted_qualities(vacancy)
    scores, problems = _parse_answers(request.form, qualities)
    reason = (request.form.get("amend_reason") or "").strip()
    if not reason:
        problems.append("Please say why you need to change your answers.")
    if problems:
        return _render_scoresheet(candidate, vacancy, panel, sheet, problems=problems, status=422)
    try:
        operations.save_scoresheet(
            current_user,
            candidate,
            vacancy,
            scores=scores,
            comment=request.form.get("comment"),
            would_work_with=request.form.get("would_work_with") or None,
            amend_reason=reason,
        )
    except DomainError as error:
        db.session.rollback()
        messages = [m for ms in error.fields.values() for m in ms] or [error.message]
        return _render_scoresheet(
            candidate, vacancy, panel, sheet, problems=messages, status=error.status
        )
    db.session.commit()
    flash("Your changes have been saved, with your reason.", "success")
    return redirect(url_for("scoring.score", candidate_id=candidate.id))


# --- the panel lead's view of the day ----------------------------------------------------------


def _vacancy_for_watcher(vacancy_id: int) -> Vacancy:
    vacancy = get_vacancy(vacancy_id)
    if not permissions.can_watch_scoring(current_user, vacancy.id):
        raise Forbidden("Only HR and this vacancy's panel leads see who has sent their scores.")
    return vacancy


def _status_data(state: operations.Progress) -> dict:
    return {
        "vacancy_id": state.vacancy.id,
        "checked_at": utcnow().isoformat(),
        "cells": {
            f"{m.user_id}-{c.id}": state.state(m.user_id, c.id)
            for m in state.members
            for c in state.candidates
        },
        "words": STATE_WORDS,
        "outstanding": {str(m.user_id): len(state.outstanding(m.user_id)) for m in state.members},
        "candidates": {
            str(c.id): dict(zip(("sent", "expected"), state.sent_count(c.id), strict=True))
            for c in state.candidates
        },
    }


@scoring.get("/vacancies/<int:vacancy_id>/scoring/status")
@login_required
def status(vacancy_id: int):
    vacancy = _vacancy_for_watcher(vacancy_id)
    state = operations.progress(vacancy)
    return render_template(
        "scoring/status.html",
        vacancy=vacancy,
        state=state,
        words=STATE_WORDS,
        checked_at=local(utcnow()).strftime("%H:%M:%S"),
        refresh_seconds=current_app.config.get("SCORING_STATUS_REFRESH_SECONDS", 15),
        may_remind=vacancy.status == Status.INTERVIEWING,
    )


@scoring.get("/vacancies/<int:vacancy_id>/scoring/status.json")
@login_required
def status_json(vacancy_id: int):
    vacancy = _vacancy_for_watcher(vacancy_id)
    response = jsonify(_status_data(operations.progress(vacancy)))
    response.headers["Cache-Control"] = "no-store"
    return response


@scoring.post("/vacancies/<int:vacancy_id>/scoring/remind/<int:user_id>")
@login_required
def remind(vacancy_id: int, user_id: int):
    vacancy = _vacancy_for_watcher(vacancy_id)
    if vacancy.status != Status.INTERVIEWING:
        raise Conflict("Reminders are sent only while the interviews are happening.")
    member = db.session.scalar(
        select(PanelMember).where(
            PanelMember.vacancy_id == vacancy.id, PanelMember.user_id == user_id
        )
    )
    if member is None:
        raise NotFound("That person is not on a panel for this vacancy.")
    person = member.user
    outstanding = operations.progress(vacancy, person).outstanding(person.id)
    back = redirect(url_for("scoring.status", vacancy_id=vacancy.id))
    if not outstanding:
        flash(f"{person.display_name} has sent all their scores. No reminder is needed.", "info")
        return back
    emailed = messages.remind(member, vacancy, outstanding, actor=current_user, by_hand=True)
    db.session.commit()
    if emailed:
        flash(f"Reminder sent to {emailed}.", "success")
    else:
        flash(
            f"{person.display_name} has no email address (nor has a supporter). They will see "
            "the reminder when they sign in. Please remind them in person too.",
            "info",
        )
    return back
