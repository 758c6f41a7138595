"""The check-in on the tablet, the appointment page with probation views, first-name
consent and a person supported's service: through the real pages, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from recruit.core.audit import AuditRecord
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.panels.models import PanelMember
from tests.conftest import csrf_from
from tests.support.history import PanelSpec, build_vacancy


@pytest.fixture
def world(app, make_user):
    """Sam was appointed three months and a day ago; the check-in has opened."""
    from recruit.decisions.models import Decision
    from recruit.insights.models import CheckIn
    from recruit.insights.operations import invite_due
    from recruit.people.models import User

    made = {
        "hr": make_user("hr"),
        "lead": make_user("panel_lead"),
        "colleague": make_user("staff"),
        "jo": make_user("person_supported", display_name="Jo"),
        "amir": make_user("person_supported", display_name="Amir"),
        "outsider": make_user("person_supported", display_name="Kim"),
        "other_staff": make_user("staff"),
    }
    with app.app_context():
        people = {k: db.session.get(User, v.id) for k, v in made.items()}
        built = build_vacancy(
            people,
            title="Support worker",
            service="Oak House",
            panels=[
                PanelSpec("Residents", "people_supported", 60, 3, ["jo", "amir"]),
                PanelSpec("Staff", "staff", 40, 5, ["lead", "colleague"]),
            ],
            qualities=["Kind", "Listens to me"],
            marks={
                "jo": {"Sam Carter": (3, 2, "yes"), "Ann Lee": (2, 2, "yes")},
                "amir": {"Sam Carter": (3, 3, "yes"), "Ann Lee": (1, 2, "no")},
                "lead": {"Sam Carter": (4, 4), "Ann Lee": (5, 5)},
                "colleague": {"Sam Carter": (5, 3), "Ann Lee": (4, 4)},
            },
            decisions={"Sam Carter": ("appoint", None), "Ann Lee": ("not_appointed", None)},
            created=(utcnow() - timedelta(days=130)).date(),
        )
        sam = built.candidates["Sam Carter"]
        decision = db.session.scalar(select(Decision).where(Decision.candidate_id == sam))
        decision.decided_at = utcnow() - relativedelta(months=3, days=1)
        invite_due()
        db.session.commit()
        check_in = db.session.scalar(select(CheckIn).where(CheckIn.candidate_id == sam))
        return {"people": made, "built": built, "sam": sam, "check_in": check_in.id}


def answer_screen(client, url, data):
    page = client.get(url)
    return client.post(url, data={"csrf_token": csrf_from(page.text), **data})


def test_a_person_supported_answers_the_check_in_one_picture_at_a_time(app, client, sign_in, world):
    from recruit.insights.models import CheckInResponse

    sign_in(world["people"]["jo"])
    url = f"/check-ins/{world['check_in']}"
    kind, listens = world["built"].qualities
    first = client.get(url)
    assert first.status_code == 200
    assert "Is Candidate B like this: Kind?" in first.text
    assert "Question 1 of 2" in first.text
    assert 'data-read-aloud="Is Candidate B like this: Kind? Choose No, A bit, Yes.' in first.text
    assert first.headers["Cache-Control"] == "no-store"
    token = csrf_from(first.text)

    # Next without a picture: asked again, in plain words; nothing kept.
    empty = client.post(url, data={"csrf_token": token, "step": "0", "go": "next"})
    assert empty.status_code == 422
    assert "Tap a picture. If you do not know, tap “Not sure”." in empty.text

    second = client.post(
        url, data={"csrf_token": token, "step": "0", "go": "next", f"q-{kind}": "3"}
    )
    assert (
        "Question 2 of 2" in second.text
        and "Is Candidate B like this: Listens to me?" in second.text
    )
    assert f'name="q-{kind}" value="3"' in second.text  # carried forward, hidden
    comment = client.post(
        url,
        data={
            "csrf_token": token,
            "step": "1",
            "go": "next",
            f"q-{kind}": "3",
            f"q-{listens}": "not_sure",
        },
    )
    assert "Is there anything else you want to say about Candidate B?" in comment.text
    summary = client.post(
        url,
        data={
            "csrf_token": token,
            "step": "2",
            "go": "next",
            f"q-{kind}": "3",
            f"q-{listens}": "not_sure",
            "comment": "Sam makes me laugh",
        },
    )
    assert "Check your answers about Candidate B" in summary.text
    with app.app_context():
        assert db.session.scalars(select(CheckInResponse)).all() == []  # nothing kept yet
    sent = client.post(
        url,
        data={
            "csrf_token": token,
            "step": "3",
            "go": "send",
            f"q-{kind}": "3",
            f"q-{listens}": "not_sure",
            "comment": "Sam makes me laugh",
        },
    )
    assert sent.status_code == 302
    done = client.get(url)
    assert "Thank you for telling us about Candidate B" in done.text
    with app.app_context():
        [response] = db.session.scalars(select(CheckInResponse)).all()
        assert {v.quality_id: v.value for v in response.values} == {kind: 3, listens: None}
        assert response.comment == "Sam makes me laugh"
        assert db.session.scalar(
            select(AuditRecord.id).where(AuditRecord.action == "check_in.answered")
        )


def test_only_the_people_asked_can_answer(client, sign_in, world):
    for who in ("outsider", "colleague"):
        sign_in(world["people"][who])
        assert client.get(f"/check-ins/{world['check_in']}").status_code == 403
        client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})


def test_staff_give_a_view_and_only_the_line_manager_records_the_outcome(
    app, client, sign_in, world
):
    from recruit.insights.models import ProbationView

    url = f"/appointments/{world['sam']}"
    sign_in(world["people"]["colleague"])
    vacancy = client.get(f"/vacancies/{world['built'].vacancy_id}").text
    assert f'href="{url}">Candidate B: check-ins and probation' in vacancy
    page = client.get(url)
    assert page.status_code == 200 and "Probation outcome" not in page.text
    refused = answer_screen(client, url, {"going": "well", "outcome": "passed"})
    assert refused.status_code == 403
    bad = answer_screen(client, url, {"going": "brilliant"})
    assert bad.status_code == 422 and "Choose how it is going." in bad.text
    saved = answer_screen(client, url, {"going": "mixed", "comment": "Still learning the rota"})
    assert saved.status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})

    sign_in(world["people"]["lead"])
    assert "Probation outcome" in client.get(url).text
    assert answer_screen(client, url, {"going": "well", "outcome": "passed"}).status_code == 302
    page = client.get(url)
    assert "Still learning the rota" in page.text and "Passed probation" in page.text
    with app.app_context():
        views = db.session.scalars(select(ProbationView).order_by(ProbationView.id)).all()
        assert [(v.going, v.outcome) for v in views] == [("mixed", None), ("well", "passed")]
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(world["people"]["other_staff"])  # not on the panel
    assert client.get(url).status_code == 403


def test_hr_records_consent_to_share_the_first_name(app, client, sign_in, world):
    from recruit.candidates.models import Candidate

    url = f"/appointments/{world['sam']}"
    sign_in(world["people"]["hr"])
    assert "No consent is recorded" in client.get(url).text
    bad = answer_screen(
        client, url, {"action": "consent", "consent": "yes", "first_name": "Sam Carter"}
    )
    assert bad.status_code == 422 and "Enter the first name only." in bad.text
    ok = answer_screen(client, url, {"action": "consent", "consent": "yes", "first_name": "Sam"})
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(Candidate, world["sam"]).shared_first_name == "Sam"
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(world["people"]["jo"])
    assert "Is Sam like this: Kind?" in client.get(f"/check-ins/{world['check_in']}").text


def test_hr_sets_the_service_of_a_person_supported(app, client, sign_in, world):
    from recruit.people.models import User

    jo = world["people"]["jo"]
    sign_in(world["people"]["hr"])
    url = f"/admin/users/{jo.id}/service"
    form = client.get(url)
    assert form.status_code == 200 and "Oak House" in form.text  # suggested from vacancies
    too_long = answer_screen(client, url, {"service": "x" * 201})
    assert too_long.status_code == 422
    assert answer_screen(client, url, {"service": "Oak House"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, jo.id).service == "Oak House"
    staff_url = f"/admin/users/{world['people']['colleague'].id}/service"
    assert client.get(staff_url).status_code == 404
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(world["people"]["lead"])
    assert client.get(url).status_code == 403


def test_check_in_answers_are_in_subject_access_and_go_with_erasure(app, world):
    from recruit.candidates.models import Candidate
    from recruit.candidates.retention import erase_candidate
    from recruit.insights.models import CheckIn, CheckInResponse
    from recruit.insights.operations import record_first_name_consent, save_check_in
    from recruit.people.models import User
    from recruit.people.privacy import erase_person, subject_access

    with app.app_context():
        jo = db.session.get(User, world["people"]["jo"].id)
        hr = db.session.get(User, world["people"]["hr"].id)
        check_in = db.session.get(CheckIn, world["check_in"])
        kind, listens = world["built"].qualities
        save_check_in(jo, check_in, values={kind: 3, listens: 2}, comment="Sam is kind to me")
        db.session.commit()
        [answer] = subject_access(jo)["check_ins"]
        assert answer["months"] == 3 and answer["comment"] == "Sam is kind to me"
        assert sorted(a["value"] for a in answer["answers"]) == [2, 3]
        erase_person(hr, jo, reason="asked to be forgotten")
        db.session.commit()
        response = db.session.scalar(select(CheckInResponse))
        assert response.comment == "" and len(response.values) == 2  # answers stay, anonymous

        sam = db.session.get(Candidate, world["sam"])
        record_first_name_consent(hr, sam, first_name="Sam", consent=True)
        erase_candidate(None, sam, reason="retention")
        db.session.commit()
        assert db.session.get(Candidate, world["sam"]).shared_first_name is None


def test_the_time_of_the_check_ins_is_a_setting(app, world):
    from recruit.decisions.models import Decision
    from recruit.insights.models import CheckIn
    from recruit.insights.operations import check_in_months, invite_due

    app.config["COEVALUATION_AFTER_MONTHS"] = "1, 4"
    with app.app_context():
        assert check_in_months() == [1, 4]
        decision = db.session.scalar(select(Decision).where(Decision.candidate_id == world["sam"]))
        decision.decided_at = utcnow() - relativedelta(months=4, days=1)
        assert invite_due() == 4  # Jo and Amir (check-in), the lead and the colleague (probation)
        db.session.commit()
        assert sorted(c.months for c in db.session.scalars(select(CheckIn))) == [3, 4]


def test_the_supporter_of_someone_without_email_is_emailed_their_check_in(app, world):
    """Jo has no email address: her supporter on the panel is emailed too. Amir has one: he
    is emailed himself and his supporter is not. Nobody is told twice."""
    from recruit.core.outbox import OutboxMessage
    from recruit.decisions.models import Decision
    from recruit.insights.models import CheckIn
    from recruit.insights.operations import invite_due
    from recruit.people.models import User

    people = world["people"]
    with app.app_context():
        users = {k: db.session.get(User, people[k].id) for k in ("jo", "amir", "colleague")}
        users["colleague"].email = "pat.helper@example.org"
        users["amir"].email = "amir@example.org"
        other = db.session.get(User, people["other_staff"].id)
        other.email = "other.helper@example.org"
        for who, supporter in (("jo", users["colleague"]), ("amir", other)):
            seat = db.session.scalar(
                select(PanelMember).where(
                    PanelMember.vacancy_id == world["built"].vacancy_id,
                    PanelMember.user_id == users[who].id,
                )
            )
            seat.supporter_id = supporter.id
        decision = db.session.scalar(select(Decision).where(Decision.candidate_id == world["sam"]))
        decision.decided_at = utcnow() - relativedelta(months=6, days=1)
        before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        db.session.commit()

        invite_due()
        db.session.commit()
        six = db.session.scalar(
            select(CheckIn).where(CheckIn.candidate_id == world["sam"], CheckIn.months == 6)
        )
        sent = [
            m.payload
            for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before))
        ]
        to = {}
        for payload in sent:
            to.setdefault(payload["to"], []).append(payload)
        assert "other.helper@example.org" not in to  # Amir reads his own
        assert [p["subject"] for p in to["amir@example.org"]] == ["How is Candidate B doing?"]
        # Pat sits on the staff panel too: a probation view of their own, and Jo's copy.
        [helper] = [p for p in to["pat.helper@example.org"] if "Please help" in p["subject"]]
        assert len(to["pat.helper@example.org"]) == 2
        assert helper["subject"] == "Please help Jo say how Candidate B is doing"
        assert "You were their supporter on the panel." in helper["body"]
        assert f"/check-ins/{six.id}" in helper["body"]

        assert invite_due() == 0  # everyone has been invited to this check-in
        db.session.commit()
        again = db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.id > before)
        )
        assert again == len(sent)


def test_a_quality_can_carry_its_own_check_in_question(app, client, sign_in, world):
    """ "Does Sam listen to you?" reads better than "Is Sam like this: Listens to me?": HR
    words it with the qualities, and the check-in puts the person's name in."""
    from recruit.insights.views import check_in_question
    from recruit.qualities.models import Quality

    kind, listens = world["built"].qualities
    with app.app_context():
        quality = db.session.get(Quality, listens)
        quality.check_in_question = "Does the new staff member listen to you?"
        db.session.get(Quality, kind).check_in_question = "Are they kind?"
        db.session.commit()
        assert check_in_question("Sam", quality) == "Does Sam listen to you?"
        quality.check_in_question = "The New Member Of Staff listens to me."
        assert check_in_question("Sam", quality) == "Sam listens to me."
        quality.check_in_question = "  "
        assert check_in_question("Sam", quality) == "Is Sam like this: Listens to me?"
        db.session.rollback()
    sign_in(world["people"]["jo"])
    url = f"/check-ins/{world['check_in']}"
    first = client.get(url)
    assert "About Candidate B: Are they kind?" in first.text  # no name to put in: said first
    assert 'data-read-aloud="About Candidate B: Are they kind? Choose No, A bit, Yes.' in first.text
    second = client.post(
        url,
        data={"csrf_token": csrf_from(first.text), "step": "0", "go": "next", f"q-{kind}": "3"},
    )
    assert "Does Candidate B listen to you?" in second.text
