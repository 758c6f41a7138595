"""'What we did together this year': the easy-read page per service for the people supported,
checked against a hand count for 2025."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from recruit.extensions import db
from tests.conftest import csrf_from
from tests.support.history import PanelSpec, build_vacancy


@pytest.fixture
def story(app, make_user):
    from recruit.candidates.models import Candidate
    from recruit.insights import operations as insights
    from recruit.involvement import operations as involvement
    from recruit.involvement.models import Payment
    from recruit.people.models import User

    roles = {"hr": "hr", "lead": "panel_lead", "s1": "staff"}
    roles |= {f"p{n}": "person_supported" for n in range(1, 5)}
    made = {k: make_user(r, display_name=k.upper()) for k, r in roles.items()}
    with app.app_context():
        u = {k: db.session.get(User, p.id) for k, p in made.items()}
        insights.set_service(u["hr"], u["p1"], "Oak House")
        insights.set_service(u["hr"], u["p4"], "Elm Court")

        def vacancy(title, service, created, qualities, appointed):
            return build_vacancy(
                u,
                title=title,
                service=service,
                panels=[
                    PanelSpec("R", "people_supported", 50, 3, ["p1", "p2"]),
                    PanelSpec("S", "staff", 50, 5, ["lead", "s1"]),
                ],
                qualities=qualities,
                marks={k: {appointed: (3,) * len(qualities)} for k in ("p1", "p2", "lead", "s1")},
                decisions={appointed: ("appoint", None)},
                created=created,
            )

        a = vacancy(
            "Support worker",
            "Oak House",
            date(2025, 3, 1),
            [("Kind", "p1"), ("Likes music", "p2"), "Punctual"],
            "Sam Carter",
        )
        b = vacancy("Night worker", "Oak House", date(2025, 6, 1), [("kind", "p2")], "Ann Lee")
        c = vacancy("Cook", "Elm Court", date(2025, 4, 1), [("Good food", "p1")], "Bea Bell")
        d = vacancy("Driver", "Oak House", date(2024, 5, 1), [("Safe", "p1")], "Cal Cole")
        for built, name in ((a, "Sam Carter"), (c, "Bea Bell"), (d, "Cal Cole")):
            candidate = db.session.get(Candidate, built.candidates[name])
            insights.record_first_name_consent(
                u["hr"], candidate, first_name=name.split()[0], consent=True
            )

        def paid(key, activity, day, minutes, built, pence, paid_on):
            p = involvement.record_participation(
                u["hr"],
                user_id=u[key].id,
                activity=activity,
                took_part_on=day,
                minutes=minutes,
                vacancy_id=built.vacancy_id if built else None,
            )
            payment = involvement.record_payment(
                u["hr"], p, kind="fee", amount_pence=pence, benefits_reminder_given=True
            )
            involvement.approve_payment(u["hr"], payment)
            involvement.mark_paid(u["hr"], payment)
            db.session.flush()
            db.session.get(Payment, payment.id).paid_at = datetime(
                paid_on.year, paid_on.month, paid_on.day, 12, tzinfo=UTC
            )

        paid("p1", "panel", date(2025, 3, 10), 120, a, 2000, date(2025, 3, 20))
        paid("p2", "co_design", date(2025, 6, 1), 60, b, 1000, date(2025, 6, 10))
        paid("p4", "panel", date(2025, 4, 5), 90, c, 1500, date(2025, 4, 20))  # Elm Court
        paid("p1", "panel", date(2024, 5, 9), 60, d, 700, date(2024, 5, 20))  # the year before
        db.session.commit()
    return made


def test_the_year_at_a_service_by_hand(app, story):
    from recruit.insights.figures import our_year

    with app.app_context():
        year = our_year("Oak House", 2025)
        # Chosen by people supported ("Punctual" was staff's idea); "kind" said twice, once.
        assert [words for _, words in year.qualities] == ["Kind", "Likes music"]
        assert year.named == [("Sam", "Support worker")]  # Ann was not asked to be named
        assert year.unnamed == 1
        assert (year.helpers, year.minutes, year.paid_pence) == (2, 180, 3000)
        before = our_year("Oak House", 2024)
        assert before.named == [("Cal", "Driver")] and before.paid_pence == 700


def test_a_person_supported_reads_their_own_service_in_easy_words(client, sign_in, story):
    sign_in(story["p1"])
    home = client.get("/")
    assert "What we did together this year" in home.text
    page = client.get("/our-year?service=Oak+House&year=2025")
    assert page.status_code == 200
    text = page.text
    assert "What we did together in 2025" in text
    assert "What you said new staff should be like" in text
    assert "Likes music" in text and "Punctual" not in text
    assert "You helped choose 2 new people to work here." in text
    assert '<span class="app-our-year__name">Sam</span>' in text
    assert "Ann" not in text and "Carter" not in text
    assert "1 person did not say we could write their name here." in text
    assert "We paid £30.00 to the people who helped." in text
    assert "Together you gave 3 hours of your time." in text
    assert 'data-read-aloud="You helped choose 2 new people. Sam"' in text
    assert client.get("/our-year?service=Elm+Court&year=2025").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(story["s1"])  # staff may read any service's page
    assert "Bea" in client.get("/our-year?service=Elm+Court&year=2025").text


def test_without_a_service_they_are_told_to_ask_staff(client, sign_in, story):
    sign_in(story["p2"])
    page = client.get("/our-year")
    assert "Please ask a member of staff to add it." in page.text
