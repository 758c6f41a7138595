"""Co-evaluation invitations, end to end: a real `celery worker` runs the beat task
`coevaluation.invite_due` against the real database, Redis and an SMTP server.

What people rely on: nobody is asked before the configured time (3 months after the
appointment); at that time the people supported on the panel and at the service are asked in
easy-read words, and the staff on the panel are asked for a probation view; however often the
task runs, nobody is asked twice about the same check-in; at 6 months they are asked again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from recruit.core import outbox
from recruit.core.notices import Notice
from recruit.core.outbox import OutboxMessage
from recruit.core.time import utcnow
from recruit.extensions import db
from tests.support.history import PanelSpec, build_vacancy
from tests.test_workers import app, stack, stacks  # noqa: F401 - the real worker's fixtures

pytestmark = pytest.mark.worker

TASK = "coevaluation.invite_due"


def settle(app, stack) -> None:  # noqa: F811 - the imported fixtures
    """Hand every queued email over and wait until the worker has sent them all."""
    celery = app.extensions["celery"]
    stack.run(celery, outbox.DISPATCH_TASK)

    def nothing_waiting() -> bool:
        with app.app_context():
            waiting = db.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status.in_([outbox.PENDING, outbox.QUEUED, outbox.SENDING])
                )
            )
            db.session.remove()
            return waiting == 0

    stack.wait(nothing_waiting, "every email to be sent")


def move_appointment(app, candidate_id: int, ago) -> None:  # noqa: F811 - the imported fixtures
    """Move the clock: the appointment was made `ago` before now."""
    from recruit.decisions.models import Decision

    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.candidate_id == candidate_id))
        decision.decided_at = utcnow() - ago
        db.session.commit()


def invitations(app) -> list[tuple[int, str, int]]:  # noqa: F811 - the imported fixtures
    from recruit.insights.models import CheckIn, CheckInInvitation

    with app.app_context():
        rows = db.session.execute(
            select(CheckInInvitation.user_id, CheckInInvitation.kind, CheckIn.months)
            .join(CheckIn, CheckIn.id == CheckInInvitation.check_in_id)
            .order_by(CheckIn.months, CheckInInvitation.user_id)
        ).all()
        return [tuple(r) for r in rows]


def test_the_check_in_invitation_goes_out_once_at_three_months_and_again_at_six(
    app,  # noqa: F811 - the imported fixtures
    make_user,
    stack,  # noqa: F811 - the imported fixtures
):
    from recruit.insights.operations import record_first_name_consent, set_service
    from recruit.people.models import User

    hr = make_user("hr", email="hr@example.org")
    lead = make_user("panel_lead", email="lead@example.org")
    jo = make_user("person_supported", pin="1357", email="jo@example.org", display_name="Jo")
    amir = make_user("person_supported", pin="2468", display_name="Amir")  # no email
    rose = make_user("person_supported", pin="1470", email="rose@example.org", display_name="Rose")
    elsewhere = make_user("person_supported", pin="2580", email="kim@example.org")
    with app.app_context():
        users = {p.id: db.session.get(User, p.id) for p in (hr, lead, jo, amir, rose, elsewhere)}
        people = {"hr": users[hr.id], "lead": users[lead.id], "jo": users[jo.id]}
        people["amir"] = users[amir.id]
        set_service(people["hr"], users[rose.id], "Oak House")  # not on the panel, lives there
        set_service(people["hr"], users[elsewhere.id], "Elm Court")
        built = build_vacancy(
            people,
            title="Support worker",
            service="Oak House",
            panels=[
                PanelSpec("Residents", "people_supported", 50, 3, ["jo", "amir"]),
                PanelSpec("Staff", "staff", 50, 5, ["lead"]),
            ],
            qualities=["Kind", "Listens to me"],
            marks={
                "jo": {"Sam Carter": (3, 3, "yes")},
                "amir": {"Sam Carter": (3, 2, "yes")},
                "lead": {"Sam Carter": (4, 5)},
            },
            decisions={"Sam Carter": ("appoint", None)},
            created=(utcnow() - timedelta(days=120)).date(),
        )
        sam = built.candidates["Sam Carter"]
        from recruit.candidates.models import Candidate

        record_first_name_consent(
            people["hr"], db.session.get(Candidate, sam), first_name="Sam", consent=True
        )
        db.session.commit()
    settle(app, stack)  # the outcome emails of the decision
    stack.smtp.messages.clear()
    celery = app.extensions["celery"]

    # An hour before three months: nobody is asked yet.
    move_appointment(app, sam, relativedelta(months=3, hours=-1))
    stack.run(celery, TASK)
    settle(app, stack)
    assert invitations(app) == []
    assert stack.emails() == []

    # Three months and a minute: the people supported and the lead are asked, once.
    move_appointment(app, sam, relativedelta(months=3, minutes=1))
    stack.run(celery, TASK)
    stack.run(celery, TASK)  # beat ran twice: nobody is asked twice
    settle(app, stack)
    assert invitations(app) == [
        (lead.id, "probation", 3),
        (jo.id, "check_in", 3),
        (amir.id, "check_in", 3),
        (rose.id, "check_in", 3),
    ]
    mails = {m["To"]: m for m in stack.emails()}
    assert sorted(mails) == ["jo@example.org", "lead@example.org", "rose@example.org"]
    assert len(stack.emails()) == 3
    easy = mails["jo@example.org"]
    assert easy["Subject"] == "How is Sam doing?"
    body = easy.get_content()
    assert "Sam started work with you 3 months ago." in body
    assert "You tap a picture to answer." in body
    assert "/check-ins/" in body
    assert mails["lead@example.org"]["Subject"] == "Sam: how is it going after 3 months?"
    assert "/appointments/" in mails["lead@example.org"].get_content()
    with app.app_context():  # Amir has no email: the message waits in the app
        [notice] = db.session.scalars(select(Notice).where(Notice.user_id == amir.id)).all()[-1:]
        assert notice.subject == "How is Sam doing?" and notice.link.startswith("/check-ins/")

    # Six months: asked again, once each.
    stack.smtp.messages.clear()
    move_appointment(app, sam, relativedelta(months=6, minutes=1))
    stack.run(celery, TASK)
    stack.run(celery, TASK)
    settle(app, stack)
    assert [i for i in invitations(app) if i[2] == 6] == [
        (lead.id, "probation", 6),
        (jo.id, "check_in", 6),
        (amir.id, "check_in", 6),
        (rose.id, "check_in", 6),
    ]
    assert sorted(m["To"] for m in stack.emails()) == [
        "jo@example.org",
        "lead@example.org",
        "rose@example.org",
    ]
    assert "6 months ago" in {m["To"]: m for m in stack.emails()}["jo@example.org"].get_content()


def test_the_beat_schedule_runs_the_task_hourly(app):  # noqa: F811 - the imported fixtures
    schedule = app.extensions["celery"].conf.beat_schedule
    [entry] = [e for e in schedule.values() if e["task"] == TASK]
    assert entry["schedule"].minute == {20}
