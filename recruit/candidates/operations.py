"""Operations on candidates: add (one or from a CSV), aliases, applications, shortlisting."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from recruit.candidates.models import Candidate, CandidateStatus, ShortlistView
from recruit.core import audit
from recruit.core.errors import Conflict, NotFound, ValidationFailed
from recruit.extensions import db
from recruit.people.models import User
from recruit.vacancies.models import Status, Vacancy

NAME_MAX, PHONE_MAX, NOTES_MAX, APPLICATION_MAX = 200, 40, 5000, 50_000
PHONE_RE = re.compile(r"^[0-9+() .-]{6,40}$")
SHORTLIST_ANSWERS = ("yes", "maybe", "no")


def describe(candidate: Candidate) -> dict:
    """What the audit trail keeps of a candidate: no contact details (they are erased later)."""
    return {"alias": candidate.alias, "status": candidate.status}


def alias_for(n: int) -> str:
    """0 → 'Candidate A', 25 → 'Candidate Z', 26 → 'Candidate AA'."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"Candidate {letters}"


def _next_alias(vacancy: Vacancy) -> str:
    taken = set(
        db.session.scalars(select(Candidate.alias).where(Candidate.vacancy_id == vacancy.id)).all()
    )
    n = 0
    while alias_for(n) in taken:
        n += 1
    return alias_for(n)


def _clean(values: dict, errors: dict[str, list[str]], *, creating: bool) -> dict:
    clean: dict = {}
    if "name" in values or creating:
        name = (values.get("name") or "").strip()
        if not name:
            errors["name"] = ["Enter the candidate's name."]
        elif len(name) > NAME_MAX:
            errors["name"] = [f"Use at most {NAME_MAX} characters."]
        clean["name"] = name
    if "email" in values:
        email = (values.get("email") or "").strip()
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                errors["email"] = ["Enter an email address like name@example.org."]
        clean["email"] = email or None
    if "phone" in values:
        phone = (values.get("phone") or "").strip()
        if phone and not PHONE_RE.match(phone):
            errors["phone"] = ["Enter a phone number using numbers, spaces and + only."]
        clean["phone"] = phone or None
    if "notes" in values:
        notes = (values.get("notes") or "").strip()
        if len(notes) > NOTES_MAX:
            errors["notes"] = [f"Use at most {NOTES_MAX} characters."]
        clean["notes"] = notes
    if "alias" in values and values.get("alias") is not None:
        alias = values["alias"].strip()
        if not 1 <= len(alias) <= 60:
            errors["alias"] = [
                "An alias is 1 to 60 characters, like a first name or 'Candidate A'."
            ]
        clean["alias"] = alias
    return clean


def _check_adding(vacancy: Vacancy) -> None:
    if vacancy.status != Status.SHORTLISTING:
        raise Conflict(
            "Candidates are added while the vacancy is at the shortlisting stage.",
            code="not_shortlisting",
        )


def add_candidate(actor: User, vacancy: Vacancy, **values) -> Candidate:
    errors: dict[str, list[str]] = {}
    clean = _clean(values, errors, creating=True)
    if errors:
        raise ValidationFailed(fields=errors)
    _check_adding(vacancy)
    alias = clean.pop("alias", None) or _next_alias(vacancy)
    if db.session.scalar(
        select(Candidate.id).where(Candidate.vacancy_id == vacancy.id, Candidate.alias == alias)
    ):
        raise Conflict(
            f"Another candidate is already called {alias} on this vacancy.",
            fields={"alias": ["Choose another alias."]},
        )
    candidate = Candidate(
        vacancy_id=vacancy.id, alias=alias, status=CandidateStatus.APPLIED, **clean
    )
    db.session.add(candidate)
    db.session.flush()
    audit.record("candidate.added", candidate, actor=actor, after=describe(candidate))
    return candidate


def update_candidate(actor: User, candidate: Candidate, vacancy: Vacancy, **values) -> Candidate:
    errors: dict[str, list[str]] = {}
    clean = _clean(values, errors, creating=False)
    if errors:
        raise ValidationFailed(fields=errors)
    if not vacancy.before(Status.DECIDED):
        raise Conflict("This vacancy has been decided; candidates can no longer be changed.")
    before = describe(candidate)
    for name, value in clean.items():
        setattr(candidate, name, value)
    db.session.flush()
    audit.record(
        "candidate.updated", candidate, actor=actor, before=before, after=describe(candidate)
    )
    return candidate


def get_candidate(candidate_id: int) -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("We could not find that candidate.")
    return candidate


def candidates_of(vacancy: Vacancy, *, running_only: bool = False) -> list[Candidate]:
    query = select(Candidate).where(Candidate.vacancy_id == vacancy.id)
    if running_only:
        query = query.where(
            Candidate.status.not_in([CandidateStatus.NOT_SHORTLISTED, CandidateStatus.WITHDRAWN])
        )
    return list(db.session.scalars(query.order_by(Candidate.id)).all())


@dataclass
class ImportReport:
    added: list[Candidate] = field(default_factory=list)
    refused: list[tuple[int, dict[str, list[str]]]] = field(default_factory=list)


CSV_COLUMNS = {"name", "email", "phone", "notes"}
CSV_MAX_BYTES = 1_000_000
CSV_MAX_ROWS = 1000
NOT_CSV = "This file is not a CSV file we can read. Save it as CSV UTF-8 and try again."


def import_csv(actor: User, vacancy: Vacancy, data: bytes) -> ImportReport:
    """Add candidates from a CSV (columns: name, email, phone, notes). Rows with problems
    are refused one by one, with the reason; the good rows are added."""
    _check_adding(vacancy)
    if len(data) > CSV_MAX_BYTES:
        raise ValidationFailed(fields={"file": ["The file is too large (at most 1 MB)."]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            fields={"file": ["Save the file as CSV UTF-8 and try again."]}
        ) from None
    if "\x00" in text:
        raise ValidationFailed(fields={"file": [NOT_CSV]})
    reader = csv.DictReader(io.StringIO(text))
    try:
        headers = {h.strip().lower() for h in (reader.fieldnames or []) if h}
        rows = list(reader)
    except csv.Error:  # a field longer than the csv module allows, or a broken quote
        raise ValidationFailed(fields={"file": [NOT_CSV]}) from None
    if "name" not in headers:
        raise ValidationFailed(
            fields={"file": ["The first row must name the columns, with at least a 'name' column."]}
        )
    if len(rows) > CSV_MAX_ROWS:
        raise ValidationFailed(
            fields={"file": [f"Import at most {CSV_MAX_ROWS} candidates from one file."]}
        )
    report = ImportReport()
    for line, row in enumerate(rows, start=2):
        values = {
            (k or "").strip().lower(): (v or "").strip()
            for k, v in row.items()
            if (k or "").strip().lower() in CSV_COLUMNS and not isinstance(v, list)
        }
        if not any(values.values()):
            continue
        try:
            with db.session.begin_nested():
                report.added.append(add_candidate(actor, vacancy, **values))
        except (ValidationFailed, Conflict) as error:
            report.refused.append((line, error.fields or {"row": [error.message]}))
    return report


def set_application(
    actor: User, candidate: Candidate, vacancy: Vacancy, *, text: str, redact_terms: str = ""
) -> Candidate:
    if len(text or "") > APPLICATION_MAX:
        raise ValidationFailed(fields={"text": [f"Use at most {APPLICATION_MAX} characters."]})
    if not vacancy.before(Status.INTERVIEWING):
        raise Conflict("Applications are attached before interviewing starts.")
    candidate.application_text = (text or "").strip()
    candidate.redact_terms = "\n".join(
        t.strip() for t in (redact_terms or "").splitlines() if t.strip()
    )[:5000]
    db.session.flush()
    audit.record("candidate.application_attached", candidate, actor=actor)
    return candidate


EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_IN_TEXT = re.compile(r"(\+?\d[\d ()-]{7,}\d)")
POSTCODE_IN_TEXT = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", re.IGNORECASE)


def redacted_application(candidate: Candidate) -> str:
    """The application as panels see it: no name, contact details or terms HR marked."""
    text = EMAIL_IN_TEXT.sub("█████", candidate.application_text)
    text = PHONE_IN_TEXT.sub("█████", text)
    terms = [t for t in candidate.redact_terms.splitlines() if t.strip()]
    terms += [part for part in candidate.name.split() if len(part) > 1]
    for extra in (candidate.email, candidate.phone):
        if extra:
            terms.append(extra)
    for term in sorted(set(terms), key=len, reverse=True):
        text = re.sub(re.escape(term), "█████", text, flags=re.IGNORECASE)
    return POSTCODE_IN_TEXT.sub("█████", text)


def shortlist_view(
    actor: User, candidate: Candidate, vacancy: Vacancy, answer: str
) -> ShortlistView:
    """A panel member's 'yes / maybe / no' to an interview; a later answer replaces it."""
    if answer not in SHORTLIST_ANSWERS:
        raise ValidationFailed(fields={"answer": ["Choose yes, maybe or no."]})
    if vacancy.status != Status.SHORTLISTING:
        raise Conflict("Shortlisting is over for this vacancy.")
    view = db.session.scalar(
        select(ShortlistView).where(
            ShortlistView.candidate_id == candidate.id, ShortlistView.user_id == actor.id
        )
    )
    if view is None:
        view = ShortlistView(candidate_id=candidate.id, user_id=actor.id, answer=answer)
        db.session.add(view)
    else:
        view.answer = answer
    db.session.flush()
    audit.record("candidate.shortlist_view", candidate, actor=actor, after={"answer": answer})
    return view


def my_shortlist_views(user: User, vacancy: Vacancy) -> list[ShortlistView]:
    return list(
        db.session.scalars(
            select(ShortlistView)
            .join(Candidate, Candidate.id == ShortlistView.candidate_id)
            .where(Candidate.vacancy_id == vacancy.id, ShortlistView.user_id == user.id)
        ).all()
    )


def shortlist_tally(vacancy: Vacancy) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        select(ShortlistView.candidate_id, ShortlistView.answer, func.count(ShortlistView.id))
        .join(Candidate, Candidate.id == ShortlistView.candidate_id)
        .where(Candidate.vacancy_id == vacancy.id)
        .group_by(ShortlistView.candidate_id, ShortlistView.answer)
    ).all()
    tally: dict[int, dict[str, int]] = {}
    for candidate_id, answer, count in rows:
        tally.setdefault(candidate_id, dict.fromkeys(SHORTLIST_ANSWERS, 0))[answer] = count
    return tally


def decide_shortlist(
    actor: User, candidate: Candidate, vacancy: Vacancy, *, shortlisted: bool
) -> None:
    if vacancy.status != Status.SHORTLISTING:
        raise Conflict("Shortlisting is over for this vacancy.")
    before = describe(candidate)
    candidate.status = (
        CandidateStatus.SHORTLISTED if shortlisted else CandidateStatus.NOT_SHORTLISTED
    )
    db.session.flush()
    audit.record(
        "candidate.shortlisting", candidate, actor=actor, before=before, after=describe(candidate)
    )


WITHDRAWAL_REASON_MAX = 2000


def withdraw(
    actor: User, candidate: Candidate, vacancy: Vacancy, *, reason: str | None = None
) -> Candidate:
    """A candidate leaves the process: never appointed, no more scoring. Their interviews are
    cancelled here; the areas above answer the `candidate_withdrawn` signal (their decision is
    set aside and the post freed, the panels are told). A repeat changes nothing."""
    from recruit.candidates.schedule import slots_of_candidate
    from recruit.core.signals import candidate_withdrawn
    from recruit.core.time import utcnow

    reason = (reason or "").strip()
    if len(reason) > WITHDRAWAL_REASON_MAX:
        raise ValidationFailed(
            fields={"reason": [f"Use at most {WITHDRAWAL_REASON_MAX} characters."]}
        )
    if not vacancy.before(Status.DECIDED):
        raise Conflict(
            "This vacancy has been decided, so a candidate can no longer withdraw here.",
            code="vacancy_decided",
        )
    if candidate.status == CandidateStatus.WITHDRAWN:
        return candidate
    before = describe(candidate)
    candidate.status = CandidateStatus.WITHDRAWN
    candidate.withdrawn_at = utcnow()
    candidate.withdrawal_reason = reason
    slots = slots_of_candidate(candidate)
    cancelled = [(slot.panel_id, slot.starts_at) for slot in slots]
    for slot in slots:
        db.session.delete(slot)
    db.session.flush()
    audit.record(
        "candidate.withdrawn",
        candidate,
        actor=actor,
        before=before,
        after={**describe(candidate), "interviews_cancelled": len(cancelled)},
    )
    candidate_withdrawn.send(candidate, actor=actor, vacancy=vacancy, slots=cancelled)
    return candidate
