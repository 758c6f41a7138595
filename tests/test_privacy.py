"""Data retention, subject access and erasure, and the outbox page with dead letters."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from recruit.candidates.models import Candidate
from recruit.candidates.retention import erase_expired
from recruit.core.audit import AuditRecord
from recruit.core.outbox import OutboxMessage
from recruit.core.time import utcnow
from recruit.decisions.models import Decision
from recruit.extensions import db
from recruit.scoring.models import Scoresheet
from recruit.vacancies.models import Vacancy
from tests.conftest import csrf_from
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in
from tests.test_workers import app as worker_app  # noqa: F401 - real worker fixtures
from tests.test_workers import stack, stacks  # noqa: F401


def decided_day(api, make_user) -> Day:
    world = World(api, make_user)
    day = Day(world)
    day.put("ps", day.a, day.body((3, 3), submit=True, comment="Sam made me laugh"))
    day.put("lead", day.a, day.body((5, 5), submit=True))
    day.put("lead", day.b, day.body((1, 1), submit=True))
    world.move(day.vacancy_id, "deciding")
    world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "hr",
        {"candidate_id": day.a, "outcome": "appoint", "rationale": "Ann was the kindest"},
    )
    world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "hr",
        {"candidate_id": day.b, "outcome": "not_appointed", "rationale": "Less experience"},
    )
    world.move(day.vacancy_id, "decided")
    world.move(day.vacancy_id, "closed")
    return day


def test_retention_erases_what_it_must_and_nothing_else(app, api, make_user):
    day = decided_day(api, make_user)
    other = day.world.vacancy(title="Still open")
    with app.app_context():
        assert erase_expired() == 0  # closed today: the six months have not passed
        vacancy = db.session.get(Vacancy, day.vacancy_id)
        vacancy.status_changed_at = utcnow() - timedelta(days=200)
        db.session.commit()
        before = {s.id: [x.value for x in s.scores] for s in db.session.scalars(select(Scoresheet))}
        assert erase_expired() == 2
        db.session.commit()
        ann = db.session.get(Candidate, day.a)
        assert ann.name == "Erased candidate" and ann.email is None and ann.erased_at
        assert ann.application_text == ""
        sheets = db.session.scalars(select(Scoresheet)).all()
        assert {s.id: [x.value for x in s.scores] for s in sheets} == before  # scores kept
        assert all(s.comment == "" for s in sheets if s.candidate_id == day.a)
        decision = db.session.scalar(select(Decision).where(Decision.candidate_id == day.a))
        assert decision.outcome == "appoint" and decision.rationale == "[erased] was the kindest"
        assert (
            len(
                db.session.scalars(
                    select(AuditRecord).where(AuditRecord.action == "candidate.erased")
                ).all()
            )
            == 2
        )
        assert erase_expired() == 0  # nothing twice
        assert db.session.get(Vacancy, other).title == "Still open"
    results = day.world.get(f"/vacancies/{day.vacancy_id}/results", "hr").get_json()
    assert results["candidates"][0]["overall"] == 100.0  # the decision trail still adds up


def test_a_candidate_subject_access_export_and_erasure_on_request(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.ready_for_shortlisting()
    ann = world.post(
        f"/vacancies/{vacancy_id}/candidates",
        "hr",
        {"name": "Ann Smith", "email": "ann@example.org"},
    ).get_json()
    password_sign_in(client, world, "hr")
    export = client.get(f"/admin/candidates/{ann['id']}/export.json")
    assert export.status_code == 200 and export.mimetype == "application/json"
    data = json.loads(export.get_data(as_text=True))
    assert (
        data["candidate"]["name"] == "Ann Smith" and data["candidate"]["email"] == "ann@example.org"
    )
    page = client.get(f"/admin/candidates/{ann['id']}/erase")
    client.post(
        f"/admin/candidates/{ann['id']}/erase",
        data={"csrf_token": csrf_from(page.text), "reason": "Asked by email"},
    )
    with app.app_context():
        assert db.session.get(Candidate, ann["id"]).email is None
    password_sign_in(client, world, "lead")
    assert client.get(f"/admin/candidates/{ann['id']}/export.json").status_code == 403


def test_a_person_is_exported_and_erased_by_an_admin_only(app, api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    world.quality(vacancy_id, "staff", "Patient")
    password_sign_in(client, world, "admin")
    data = json.loads(
        client.get(f"/admin/users/{world.id('staff')}/export.json").get_data(as_text=True)
    )
    assert data["person"]["username"] == world.people["staff"].username
    assert data["qualities_proposed"][0]["text"] == "Patient"
    page = client.get(f"/admin/users/{world.id('staff')}/erase")
    client.post(
        f"/admin/users/{world.id('staff')}/erase",
        data={"csrf_token": csrf_from(page.text), "reason": "Left and asked"},
    )
    signed = api.post(
        "/tokens",
        json={
            "username": world.people["staff"].username,
            "password": world.people["staff"].password,
        },
    )
    assert signed.status_code == 401
    assert api.get(f"/vacancies/{vacancy_id}", token=world.tokens["staff"]).status_code == 401
    password_sign_in(client, world, "hr")
    assert client.get(f"/admin/users/{world.id('lead')}/export.json").status_code == 403


def test_dead_letters_are_shown_and_can_be_retried(app, client, api, make_user):
    world = World(api, make_user)
    with app.app_context():
        db.session.add(
            OutboxMessage(
                task="email.send",
                payload={"to": "x@example.org", "subject": "Hello", "body": "x"},
                status="dead",
                attempts=5,
                last_error="SMTPRecipientsRefused",
            )
        )
        db.session.commit()
    password_sign_in(client, world, "hr")
    page = client.get("/admin/outbox")
    assert "SMTPRecipientsRefused" in page.text and "Failed: 1" in page.text
    with app.app_context():
        message_id = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.status == "dead")
        )
    client.post(f"/admin/outbox/{message_id}/retry", data={"csrf_token": csrf_from(page.text)})
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "pending" and message.attempts == 0
    password_sign_in(client, world, "lead")
    assert client.get("/admin/outbox").status_code == 403


def test_the_outbox_page_filters_by_state_and_kind_and_pages(app, client, api, make_user):
    world = World(api, make_user)
    with app.app_context():
        for n in range(55):
            db.session.add(
                OutboxMessage(
                    task="email.send",
                    payload={"to": f"p{n}@example.org", "subject": f"Sent {n}", "body": "x"},
                    status="done",
                    attempts=1,
                )
            )
        db.session.add(OutboxMessage(task="decisions.build_pack", payload={}, status="pending"))
        db.session.add(
            OutboxMessage(
                task="email.send",
                payload={"to": "gone@example.org", "subject": "Never arrived", "body": "x"},
                status="dead",
                attempts=5,
            )
        )
        db.session.commit()
    password_sign_in(client, world, "hr")

    everything = client.get("/admin/outbox").text
    assert "Sent 54<" in everything and "Sent 4<" not in everything  # newest 50 first
    assert "Older messages" in everything
    older = client.get("/admin/outbox?page=2").text
    assert "Sent 4<" in older and "Sent 54<" not in older and "Newer messages" in older

    failed = client.get("/admin/outbox?state=failed").text
    table = failed[failed.index("Messages, newest first") :]
    assert "Never arrived" in table and "gone@example.org" in table and "Sent 1<" not in table
    packs = client.get("/admin/outbox?task=decisions.build_pack").text
    table = packs[packs.index("Messages, newest first") :]
    assert "decisions.build_pack" in table and "Sent" not in table
    waiting = client.get("/admin/outbox?state=waiting&task=email.send").text
    assert "No messages match." in waiting
    # Nonsense filters are ignored rather than failing.
    assert client.get("/admin/outbox?state=nope&task=nope&page=-3").status_code == 200


def test_the_nightly_task_erases_through_a_real_worker(worker_app, api, make_user, stack):  # noqa: F811
    day = decided_day(api, make_user)
    with worker_app.app_context():
        db.session.get(Vacancy, day.vacancy_id).status_changed_at = utcnow() - timedelta(days=400)
        db.session.commit()
    stack.run(worker_app.extensions["celery"], "retention.erase_expired")
    with worker_app.app_context():
        names = sorted(db.session.scalars(select(Candidate.name)).all())
    assert names == ["Erased candidate", "Erased candidate"]
