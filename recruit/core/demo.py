"""Demo data for `seed-demo`: people of every role and a vacancy at each stage so far.

Built through the same operations as the pages, so the demo obeys every rule.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from recruit.people.models import User
from recruit.people.operations import create_user, find_user

DEMO_PEOPLE = [
    {"username": "admin", "display_name": "Ada Admin", "role": "admin", "password": "demo-admin"},
    {"username": "hana", "display_name": "Hana Hughes", "role": "hr", "password": "demo-hr-pw"},
    {
        "username": "lee",
        "display_name": "Lee Lewis",
        "role": "panel_lead",
        "password": "demo-lead-pw",
        "pin": "2468",
    },
    {
        "username": "sam",
        "display_name": "Sam Shah",
        "role": "staff",
        "password": "demo-staff-pw",
        "pin": "1357",
    },
    {"username": "jo", "display_name": "Jo Jones", "role": "person_supported", "pin": "1111"},
    {"username": "amir", "display_name": "Amir Ali", "role": "person_supported", "pin": "2222"},
    {"username": "rose", "display_name": "Rose Reid", "role": "person_supported", "pin": "3333"},
]

STAGES = [
    "draft",
    "co_design",
    "shortlisting",
    "interviewing",
    "deciding",
    "decided",
    "closed",
    "withdrawn",
]
DEMO_TITLE = "Support worker (demo: {stage})"


def seed() -> bool:
    """Add the demo people and vacancies that are missing; True if anything was added."""
    added = False
    for person in DEMO_PEOPLE:
        if find_user(person["username"]) is None:
            create_user(None, **person)
            added = True
    from recruit.vacancies.models import Vacancy

    people = {p["username"]: find_user(p["username"]) for p in DEMO_PEOPLE}
    for stage in STAGES:
        title = DEMO_TITLE.format(stage=stage.replace("_", " "))
        if not stage_exists(title, Vacancy):
            demo_vacancy(title, stage, people)
            added = True
    return added


def stage_exists(title: str, vacancy_model) -> bool:
    from recruit.extensions import db

    return (
        db.session.scalar(select(vacancy_model.id).where(vacancy_model.title == title)) is not None
    )


def demo_vacancy(title: str, stage: str, people: dict[str, User]):
    """A vacancy walked through the real workflow up to `stage`."""
    from recruit.candidates import operations as candidates
    from recruit.candidates import schedule
    from recruit.panels import operations as panels
    from recruit.qualities import operations as qualities
    from recruit.vacancies import operations as vacancies

    hr, lead = people["hana"], people["lee"]
    vacancy = vacancies.create_vacancy(
        hr,
        title=title,
        service="Oak House",
        description="Supporting people at Oak House with daily living, outings and hobbies.",
        easy_read_summary="A job helping people at Oak House. Days and some evenings.",
        closes_on=date.today() + timedelta(days=30),
        posts=1,
    )
    ours = panels.create_panel(
        hr,
        vacancy,
        name="Residents' panel",
        kind="people_supported",
        weight=50,
        scale=3,
        max_interviews_per_day=3,
        break_minutes=20,
    )
    staff = panels.create_panel(hr, vacancy, name="Staff panel", kind="staff", weight=50, scale=5)
    for username in ("jo", "amir", "rose"):
        panels.add_member(hr, ours, vacancy, user_id=people[username].id)
    panels.add_member(hr, staff, vacancy, user_id=lead.id, role="lead")
    panels.add_member(hr, staff, vacancy, user_id=people["sam"].id)
    if stage == "draft":
        return vacancy
    if stage == "withdrawn":
        vacancies.transition(hr, vacancy, "withdrawn")
        return vacancy
    vacancies.transition(hr, vacancy, "co_design")
    ideas = [
        ("jo", "Kind", "😊"),
        ("amir", "Listens to me", "👂"),
        ("rose", "Likes music", "🎵"),
        ("sam", "Reliable and on time", "🕐"),
    ]
    proposed = [
        qualities.propose(people[who], vacancy, text=text, symbol=symbol)
        for who, text, symbol in ideas
    ]
    for voter in ("jo", "amir", "rose", "sam"):
        qualities.vote(people[voter], proposed[0], vacancy)
    qualities.vote(people["rose"], proposed[1], vacancy)
    if stage == "co_design":
        return vacancy
    for quality, (prompt, later) in zip(
        proposed,
        [
            ("Was this person kind?", "Is the new staff member kind to you?"),
            ("Did this person listen to you?", "Does the new staff member listen to you?"),
            ("Does this person like music?", "Does the new staff member share music with you?"),
            ("Will this person be on time?", "Is the new staff member on time?"),
        ],
        strict=True,
    ):
        qualities.review(lead, quality, vacancy, status="accepted")
        qualities.word(lead, quality, vacancy, prompt=prompt, check_in_question=later)
    vacancies.transition(hr, vacancy, "shortlisting")
    applicants = [
        ("Alex Morgan", "I have cared for my grandmother and volunteer at a day centre."),
        ("Priya Patel", "Five years as a support worker; I love cooking with people."),
        ("Tom Baker", "I play guitar and have worked in a care home for two years."),
    ]
    for name, text in applicants:
        candidate = candidates.add_candidate(hr, vacancy, name=name)
        candidates.set_application(hr, candidate, vacancy, text=text)
    if stage == "shortlisting":
        return vacancy
    for username in ("jo", "amir", "rose", "lee", "sam"):
        panels.declare(people[username], vacancy, confidentiality=True, conflicts=[])
    vacancies.transition(hr, vacancy, "interviewing")
    start = datetime.combine(date.today() + timedelta(days=1), time(10, 0), schedule.local_zone())
    for n, candidate in enumerate(candidates.candidates_of(vacancy)):
        for panel in (ours, staff):
            schedule.add_slot(
                hr,
                vacancy,
                candidate_id=candidate.id,
                panel_id=panel.id,
                starts_at=start + timedelta(minutes=75 * n),
                minutes=45,
                place="Oak House lounge",
            )
    if stage == "interviewing":
        return vacancy
    _score_everyone(vacancy, people, accepted=proposed)
    vacancies.transition(lead, vacancy, "deciding")
    if stage == "deciding":
        return vacancy
    _decide(vacancy, lead)
    vacancies.transition(lead, vacancy, "decided")
    if stage == "closed":
        vacancies.transition(hr, vacancy, "closed")
    return vacancy


# Each member's marks for candidates A, B, C (one value per quality, on their panel's scale).
MARKS = {
    "jo": [(3, 3, 2, 3), (2, 2, 3, 2), (1, 2, 2, 1)],
    "amir": [(3, 2, 3, 3), (2, 3, 2, 2), (2, 1, 1, 2)],
    "rose": [(2, 3, 3, 3), (3, 2, 2, 3), (1, 1, 2, 1)],
    "lee": [(4, 4, 3, 5), (5, 4, 4, 5), (3, 3, 4, 3)],
    "sam": [(4, 5, 4, 4), (4, 4, 5, 4), (3, 2, 3, 3)],
}


def _score_everyone(vacancy, people: dict[str, User], accepted) -> None:
    from recruit.candidates.operations import candidates_of
    from recruit.scoring.operations import save_scoresheet

    for username, rows in MARKS.items():
        for n, (candidate, values) in enumerate(zip(candidates_of(vacancy), rows, strict=False)):
            save_scoresheet(
                people[username],
                candidate,
                vacancy,
                scores=[
                    {"quality_id": q.id, "value": v} for q, v in zip(accepted, values, strict=True)
                ],
                would_work_with="yes" if username in ("jo", "amir", "rose") else None,
                comment="Smiled and listened" if (username, n) == ("jo", 0) else "",
                submit=True,
            )


def _decide(vacancy, lead: User) -> None:
    from recruit.decisions.operations import record_decision
    from recruit.scoring.results import vacancy_results

    _, results = vacancy_results(vacancy)
    outcomes = ["appoint", "reserve"] + ["not_appointed"] * (len(results) - 2)
    reasons = [
        "Highest overall, and the residents' first choice.",
        "Very close; we would like to offer the next post.",
    ] + ["Less experience of supporting people day to day."] * (len(results) - 2)
    for result, outcome, reason in zip(results, outcomes, reasons, strict=True):
        record_decision(
            lead,
            vacancy,
            candidate_id=result.candidate_id,
            outcome=outcome,
            rationale=reason,
            override_reason="Kept as the residents agreed at the panel meeting."
            if outcome == "appoint" and result.flags
            else None,
        )
