"""Reciprocity: rates, participation, payments approved before they are paid, the easy-read
"What I have done" page, the monthly finance CSV, and the beat task through a real worker."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from sqlalchemy import select, update

from recruit.core.audit import AuditRecord
from recruit.core.time import utcnow
from recruit.extensions import db
from recruit.involvement.models import FinanceExport, Participation, Payment
from recruit.involvement.operations import (
    BENEFITS_REMINDER,
    duration_words,
    next_month,
    pence_from_pounds,
    pounds,
    previous_month,
)
from tests.conftest import build_app, csrf_from
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World, error_code
from tests.test_pages_qualities import password_sign_in, tablet_sign_in
from tests.test_workers import stack, stacks  # noqa: F401 - the real worker's fixtures

FINANCE_TASK = "involvement.monthly_finance_csv"
LAST_WEEK = (date.today() - timedelta(days=7)).isoformat()


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def world(api, make_user) -> World:
    return World(api, make_user)


def put_rates(world: World, who: str = "admin", **rates):
    return world.call("PUT", "/rates", who, {"rates": rates})


def took_part(world: World, who="ps", activity="panel", minutes=90, **extra) -> int:
    body = {
        "user_id": world.id(who),
        "activity": activity,
        "took_part_on": extra.pop("took_part_on", date.today().isoformat()),
        "minutes": minutes,
        **extra,
    }
    answer = world.post("/participations", "hr", body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def pay(world: World, participation_id: int, kind="fee", amount=None, reminder=True, who="hr"):
    body = {"kind": kind, "benefits_reminder_given": reminder}
    if amount is not None:
        body["amount_pence"] = amount
    return world.post(f"/participations/{participation_id}/payments", who, body)


def owed(world: World, participation_id: int, kind="fee", amount=None) -> int:
    answer = pay(world, participation_id, kind, amount)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def paid(world: World, participation_id: int, amount: int, at: datetime | None = None) -> int:
    payment_id = owed(world, participation_id, "fee", amount)
    assert world.post(f"/payments/{payment_id}/approve", "hr").status_code == 200
    assert world.post(f"/payments/{payment_id}/pay", "hr").status_code == 200
    return payment_id


def set_paid_at(app, payment_id: int, at: datetime) -> None:
    with app.app_context():
        db.session.get(Payment, payment_id).paid_at = at
        db.session.commit()


def audit_of(app, subject_type: str, subject_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditRecord.action)
                .where(
                    AuditRecord.subject_type == subject_type, AuditRecord.subject_id == subject_id
                )
                .order_by(AuditRecord.id)
            ).all()
        )


def audit_of_all(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditRecord.action)).all())


def words(page) -> str:
    return re.sub(r"\s+", " ", page.text)


# --- money, time and months in words (no database) ----------------------------------------------


def test_money_time_and_months_in_plain_figures():
    assert [pounds(p) for p in (0, 5, 1250, 123456)] == ["£0.00", "£0.05", "£12.50", "£1,234.56"]
    assert [pence_from_pounds(v) for v in ("12.5", "£1,000", "0.005", "3", "", None)] == [
        1250,
        100000,
        1,
        300,
        None,
        None,
    ]
    for bad in ("ten", "-1", "NaN"):
        with pytest.raises(ValueError):
            pence_from_pounds(bad)
    assert [duration_words(m) for m in (45, 60, 90, 180, 61)] == [
        "45 minutes",
        "1 hour",
        "1 hour 30 minutes",
        "3 hours",
        "1 hour 1 minute",
    ]
    assert previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert previous_month(date(2026, 3, 1)) == date(2026, 2, 1)
    assert next_month(date(2025, 12, 1)) == date(2026, 1, 1)


# --- rates and suggested amounts ---------------------------------------------------------------


def test_the_admin_sets_rates_that_suggest_amounts(app, client, world):
    password_sign_in(client, world, "hr")
    assert client.get("/admin/rates").status_code == 403
    assert (
        put_rates(world, "hr", panel={"fee_per_hour_pence": 1, "voucher_pence": 1}).status_code
        == 403
    )

    password_sign_in(client, world, "admin")
    form = client.get("/admin/rates")
    assert (
        form.status_code == 200 and "Interview panel" in form.text and "Voucher value" in form.text
    )
    values = {"csrf_token": csrf_from(form.text)}
    for activity in ("co_design", "panel", "training", "other"):
        values[f"fee_per_hour_pence_{activity}"] = "0"
        values[f"voucher_pence_{activity}"] = "0"
    values["fee_per_hour_pence_panel"] = "10.01"
    values["voucher_pence_panel"] = "20"
    values["fee_per_hour_pence_co_design"] = "-3"
    refused = client.post("/admin/rates", data=values)
    assert refused.status_code == 200 and "There is a problem" in refused.text
    values["fee_per_hour_pence_co_design"] = "12"
    assert client.post("/admin/rates", data=values).status_code == 302
    rates = world.get("/rates", "hr").get_json()["rates"]
    assert rates["panel"] == {"fee_per_hour_pence": 1001, "voucher_pence": 2000}
    assert rates["co_design"] == {"fee_per_hour_pence": 1200, "voucher_pence": 0}
    assert audit_of_all(app).count("rate.set") == 4  # every activity set the first time

    # £10.01 an hour for 90 minutes is £15.015: half a penny rounds up.
    panel = took_part(world, minutes=90)
    fee = pay(world, panel, "fee")
    assert fee.status_code == 201 and fee.get_json()["amount_pence"] == 1502
    co_design = took_part(world, activity="co_design", minutes=45)
    assert pay(world, co_design, "voucher").get_json()["error"]["fields"]["amount_pence"] == [
        "No rate is set for this activity. Enter the amount."
    ]
    voucher = pay(world, took_part(world, minutes=30), "voucher")
    assert voucher.get_json()["amount_pence"] == 2000  # a voucher's value, whatever the time
    typed = pay(world, co_design, "fee", amount=1999)
    assert typed.get_json()["amount_pence"] == 1999  # what HR types wins over the suggestion

    password_sign_in(client, world, "hr")
    page = client.get(f"/involvement/participation/{took_part(world, minutes=120)}")
    assert "fee £20.02" in words(page) and "voucher £20.00" in words(page)


# --- recording, through the pages ----------------------------------------------------------------


def test_hr_records_participation_and_a_fee_with_the_benefits_reminder(app, client, world):
    assert (
        put_rates(world, training={"fee_per_hour_pence": 1500, "voucher_pence": 0}).status_code
        == 200
    )
    password_sign_in(client, world, "hr")
    form = client.get(f"/involvement/participation/new?user_id={world.id('ps')}")
    assert form.status_code == 200
    today = date.today()
    data = {
        "csrf_token": csrf_from(form.text),
        "user_id": str(world.id("ps")),
        "activity": "training",
        "took_part_on": [str(today.day), str(today.month), str(today.year)],
        "minutes": "0",
        "vacancy_id": "0",
        "note": "Panel skills",
    }
    refused = client.post("/involvement/participation/new", data=data)
    assert refused.status_code == 200 and "from 1 to 1440" in refused.text
    future = today + timedelta(days=3)
    data.update(
        {
            "minutes": "120",
            "took_part_on": [str(future.day), str(future.month), str(future.year)],
        }
    )
    assert (
        "cannot be in the future" in client.post("/involvement/participation/new", data=data).text
    )
    data.update(
        {
            "took_part_on": [str(today.day), str(today.month), str(today.year)],
        }
    )
    answer = client.post("/involvement/participation/new", data=data)
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"])
    assert BENEFITS_REMINDER in words(page)
    assert "fee £30.00" in words(page)

    payment_form = {"csrf_token": csrf_from(page.text), "kind": "fee", "amount_pence": ""}
    refused = client.post(answer.headers["Location"], data=payment_form)
    assert "Tell the person about benefits" in refused.text
    payment_form["benefits_reminder_given"] = "y"
    payment_form["amount_pence"] = "twelve"
    assert "like 12.50" in client.post(answer.headers["Location"], data=payment_form).text
    payment_form["amount_pence"] = ""
    assert client.post(answer.headers["Location"], data=payment_form).status_code == 302
    with app.app_context():
        took = db.session.scalar(select(Participation))
        assert (took.user_id, took.activity, took.minutes, took.note) == (
            world.id("ps"),
            "training",
            120,
            "Panel skills",
        )
        [payment] = took.payments
        assert (payment.kind, payment.amount_pence, payment.status) == ("fee", 3000, "owed")
        assert payment.benefits_reminder_given is True
    assert audit_of(app, "Participation", took.id) == ["participation.recorded"]

    # Expenses need no reminder, and sit beside a fee; a second fee does not.
    assert pay(world, took.id, "expenses", reminder=False).get_json()["error"]["fields"] == {
        "amount_pence": ["Enter the amount spent."]
    }
    assert pay(world, took.id, "expenses", amount=450, reminder=False).status_code == 201
    again = pay(world, took.id, "voucher", amount=500)
    assert again.status_code == 409 and error_code(again) == "already_recorded"

    # Only people supported have participation recorded.
    staff = world.post(
        "/participations",
        "hr",
        {
            "user_id": world.id("staff"),
            "activity": "panel",
            "took_part_on": LAST_WEEK,
            "minutes": 60,
        },
    )
    assert staff.status_code == 422 and "user_id" in staff.get_json()["error"]["fields"]


# --- approval before payment, and declining ------------------------------------------------------


def test_a_payment_is_approved_before_it_is_paid(app, client, world):
    payment_id = owed(world, took_part(world), "fee", 2500)

    early = world.post(f"/payments/{payment_id}/pay", "hr")
    assert early.status_code == 409 and error_code(early) == "not_approved"
    approved = world.post(f"/payments/{payment_id}/approve", "hr")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert error_code(world.post(f"/payments/{payment_id}/approve", "hr")) == "not_owed"
    done = world.post(f"/payments/{payment_id}/pay", "admin")  # admins may too
    assert done.status_code == 200
    assert done.get_json()["status"] == "paid" and done.get_json()["paid_at"]
    assert world.post(f"/payments/{payment_id}/pay", "hr").status_code == 409
    assert world.post(f"/payments/{payment_id}/decline", "hr").status_code == 409
    assert audit_of(app, "Payment", payment_id) == [
        "payment.recorded",
        "payment.approved",
        "payment.paid",
    ]
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment.approved_by_id == world.id("hr") and payment.paid_by_id == world.id("admin")

    # The page refuses the same way, says why, and changes nothing.
    second = owed(world, took_part(world), "fee", 1000)
    password_sign_in(client, world, "hr")
    listing = client.get("/payments?status=owed")
    assert "£10.00" in listing.text and "Mark paid" not in listing.text
    refused = client.post(
        f"/payments/{second}/pay",
        data={"csrf_token": csrf_from(listing.text), "next": "/payments?status=owed"},
        follow_redirects=True,
    )
    assert "Approve it before marking it paid" in refused.text
    with app.app_context():
        assert db.session.get(Payment, second).status == "owed"
    client.post(f"/payments/{second}/approve", data={"csrf_token": csrf_from(listing.text)})
    approved_page = client.get("/payments?status=approved")
    assert "Mark paid" in approved_page.text and "£10.00" in approved_page.text
    client.post(f"/payments/{second}/pay", data={"csrf_token": csrf_from(listing.text)})
    paid_page = client.get("/payments?status=paid")
    assert paid_page.text.count("app-payment-status--paid") == 2
    assert "£35.00" in paid_page.text  # the filter's total
    assert "£10.00" not in client.get("/payments?status=owed").text


def test_two_people_approving_at_once_approve_it_once(app, world):
    from recruit.core.errors import Conflict
    from recruit.involvement.operations import approve_payment
    from recruit.people.models import User

    payment_id = owed(world, took_part(world), "fee", 2500)
    with app.app_context():
        seen = db.session.get(Payment, payment_id)  # what HR's page showed: owed
        assert seen.status == "owed"
        with db.engine.begin() as admins:  # meanwhile, on another connection, an admin approves
            admins.execute(
                update(Payment)
                .where(Payment.id == payment_id)
                .values(status="approved", approved_by_id=world.id("admin"))
            )
        with pytest.raises(Conflict) as refused:
            approve_payment(db.session.get(User, world.id("hr")), seen)
        assert refused.value.code == "changed"
        db.session.rollback()
    assert audit_of(app, "Payment", payment_id) == ["payment.recorded"]  # HR's: not recorded
    with app.app_context():
        assert db.session.get(Payment, payment_id).approved_by_id == world.id("admin")


def test_declined_means_the_person_chose_not_to_be_paid(app, world):
    refusal = pay(world, took_part(world), "declined", amount=500, reminder=False)
    assert refusal.status_code == 422
    declined = pay(world, took_part(world), "declined", reminder=False)
    assert declined.status_code == 201
    assert (declined.get_json()["status"], declined.get_json()["amount_pence"]) == ("declined", 0)
    assert world.post(f"/payments/{declined.get_json()['id']}/approve", "hr").status_code == 409

    changed_mind = owed(world, took_part(world), "voucher", 2000)
    answer = world.post(f"/payments/{changed_mind}/decline", "hr")
    assert answer.status_code == 200 and answer.get_json()["status"] == "declined"
    assert world.post(f"/payments/{changed_mind}/pay", "hr").status_code == 409
    assert audit_of(app, "Payment", changed_mind) == ["payment.recorded", "payment.declined"]
    mine = world.get(f"/users/{world.id('ps')}/involvement", "ps").get_json()
    assert (mine["owed_pence"], mine["paid_pence"]) == (0, 0)


# --- who may do what ---------------------------------------------------------------------------


def test_each_role_does_only_its_part(app, client, world):
    participation_id = took_part(world, who="ps2")
    payment_id = owed(world, participation_id, "fee", 1200)
    body = {
        "user_id": world.id("ps"),
        "activity": "other",
        "took_part_on": LAST_WEEK,
        "minutes": 30,
    }
    for who in ("lead", "staff", "ps"):
        assert world.post("/participations", who, body).status_code == 403, who
        assert pay(world, participation_id, who=who).status_code == 403, who
        assert world.post(f"/payments/{payment_id}/approve", who).status_code == 403, who
        assert world.get("/rates", who).status_code == 403, who
    assert world.post("/participations", "admin", body).status_code == 201

    assert world.get(f"/users/{world.id('ps2')}/involvement", "ps").status_code == 403
    assert world.get(f"/users/{world.id('ps2')}/involvement", "staff").status_code == 403
    own = world.get(f"/users/{world.id('ps2')}/involvement", "ps2")
    assert own.status_code == 200 and own.get_json()["owed_pence"] == 1200
    assert world.get(f"/users/{world.id('ps2')}/involvement", "hr").status_code == 200

    with app.app_context():
        export_id = _export(app, world)
    tablet_sign_in(client, world, "ps")
    for path in (
        f"/involvement/people/{world.id('ps2')}",
        "/payments",
        "/admin/rates",
        f"/involvement/participation/{participation_id}",
        "/involvement/participation/new",
        f"/finance/{export_id}.csv",
    ):
        assert client.get(path).status_code == 403, path
    assert client.get(f"/involvement/people/{world.id('ps')}").status_code == 200
    home = client.get("/")
    assert "/what-i-have-done" in home.text and "/payments" not in home.text
    password_sign_in(client, world, "staff")
    assert client.get("/payments").status_code == 403
    assert client.get(f"/finance/{export_id}.csv").status_code == 403
    password_sign_in(client, world, "hr")
    assert client.get("/payments").status_code == 200
    assert client.get(f"/finance/{export_id}.csv").status_code == 200
    assert "/payments" in client.get("/").text
    assert client.get(f"/involvement/people/{world.id('ps2')}").status_code == 200


def _export(app, world) -> int:
    from recruit.involvement.operations import make_finance_export
    from recruit.people.models import User

    export = make_finance_export(db.session.get(User, world.id("hr")), utcnow().date())
    db.session.commit()
    return export.id


# --- one click for a vacancy's panels ----------------------------------------------------------


def test_one_click_records_the_panels_people_supported_once(app, client, api, make_user):
    world = World(api, make_user)
    draft = world.vacancy(title="Cook")
    too_early = world.post(
        f"/vacancies/{draft}/participation", "hr", {"took_part_on": LAST_WEEK, "minutes": 60}
    )
    assert too_early.status_code == 409 and error_code(too_early) == "too_early"
    day = Day(world)

    password_sign_in(client, world, "lead")
    overview = client.get(f"/vacancies/{day.vacancy_id}")
    assert f"/vacancies/{day.vacancy_id}/participation" not in overview.text
    assert client.get(f"/vacancies/{day.vacancy_id}/participation").status_code == 403
    password_sign_in(client, world, "hr")
    overview = client.get(f"/vacancies/{day.vacancy_id}")
    assert f"/vacancies/{day.vacancy_id}/participation" in overview.text
    page = client.get(f"/vacancies/{day.vacancy_id}/participation")
    people = re.findall(r"/involvement/people/(\d+)", page.text)
    assert sorted(map(int, people)) == sorted([world.id("ps"), world.id("ps2")])  # no staff
    today = date.today()
    form = {
        "csrf_token": csrf_from(page.text),
        "took_part_on": [str(today.day), str(today.month), str(today.year)],
        "minutes": "180",
    }
    first = client.post(
        f"/vacancies/{day.vacancy_id}/participation", data=form, follow_redirects=True
    )
    assert "Panel participation recorded for 2 people." in words(first)
    second = client.post(
        f"/vacancies/{day.vacancy_id}/participation", data=form, follow_redirects=True
    )
    assert "recorded for 0 people. 2 already had it recorded" in words(second)
    with app.app_context():
        rows = db.session.scalars(select(Participation).order_by(Participation.user_id)).all()
        assert [(p.user_id, p.activity, p.minutes, p.vacancy_id) for p in rows] == [
            (world.id("ps"), "panel", 180, day.vacancy_id),
            (world.id("ps2"), "panel", 180, day.vacancy_id),
        ]


# --- the easy-read page ---------------------------------------------------------------------------


def test_a_person_supported_sees_what_they_have_done_in_easy_read(app, client, world):
    vacancy_id = world.vacancy(title="Support worker")
    panel = took_part(world, minutes=180, vacancy_id=vacancy_id)
    owed(world, panel, "fee", 3600)
    co_design = took_part(world, activity="co_design", minutes=60)
    paid_id = owed(world, co_design, "voucher", 2000)
    world.post(f"/payments/{paid_id}/approve", "hr")
    world.post(f"/payments/{paid_id}/pay", "hr")
    other = took_part(world, who="ps2", activity="training", minutes=45)
    theirs = owed(world, other, "fee", 999)

    tablet_sign_in(client, world, "ps")
    home = client.get("/")
    assert "What I have done" in home.text
    page = client.get("/what-i-have-done")
    text = words(page)
    assert page.status_code == 200 and "app-tablet" in page.text and "Read it to me" in text
    assert "I was on an interview panel for the job: Support worker. It took 3 hours." in text
    assert "I helped choose what new staff should be like. It took 1 hour." in text
    assert "We will pay you £36.00." in text
    assert f"We gave you a £20.00 voucher on {utcnow().strftime('%-d %B %Y')}." in text
    assert "We owe you <strong>£36.00</strong>" in text
    assert "We have paid you <strong>£20.00</strong>" in text
    assert BENEFITS_REMINDER in text
    spoken = re.search(r'data-read-aloud="([^"]*)"', page.text).group(1)
    assert "We owe you £36.00" in spoken and "Ask your support worker" in spoken
    assert "£9.99" not in text and "I did training" not in text  # ps2's, not theirs

    tablet_sign_in(client, world, "ps2")
    assert world.post(f"/payments/{theirs}/decline", "hr").status_code == 200
    text = words(client.get("/what-i-have-done"))
    assert "You said no thank you to being paid." in text
    assert BENEFITS_REMINDER not in text  # nothing waiting to be accepted


def test_someone_who_has_not_taken_part_yet_is_told_so(client, world):
    tablet_sign_in(client, world, "ps2")
    page = client.get("/what-i-have-done")
    assert "You have not taken part in anything yet." in page.text and "Read it to me" in page.text


# --- the finance CSV ---------------------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")  # the provider's time zone in the tests (the default)


def test_a_finance_month_is_the_providers_month_not_utcs(app, world):
    """Paid at 00:30 on 1 June in London (23:30 on 31 May in UTC): June's file, not May's."""
    from recruit.involvement.operations import finance_rows

    just_after_midnight = paid(world, took_part(world, minutes=60), 1000)
    set_paid_at(app, just_after_midnight, datetime(2026, 5, 31, 23, 30, tzinfo=UTC))
    just_before = paid(world, took_part(world, who="ps2", minutes=60), 500)
    set_paid_at(app, just_before, datetime(2026, 5, 31, 22, 59, tzinfo=UTC))
    with app.app_context():
        may, may_total = finance_rows(date(2026, 5, 1))
        june, june_total = finance_rows(date(2026, 6, 1))
    assert [(row[0], row[1]) for row in may[1:]] == [(str(just_before), "2026-05-31")]
    assert [(row[0], row[1]) for row in june[1:]] == [(str(just_after_midnight), "2026-06-01")]
    assert (may_total, june_total) == (500, 1000)


def _month_of_payments(app, world, make_user):
    """Paid last month (two, one for a name a spreadsheet would run), this month, the month
    before last, and one approved but not paid."""
    this_month = utcnow().astimezone(LONDON).date().replace(day=1)
    last_month = previous_month(this_month)
    before = previous_month(last_month)
    world.people["sly"] = make_user(
        "person_supported", password=None, pin="8642", display_name='=HYPERLINK("x")'
    )
    start = datetime(last_month.year, last_month.month, 1, tzinfo=LONDON)
    end = datetime(this_month.year, this_month.month, 1, tzinfo=LONDON)
    vacancy_id = world.vacancy(title="Night worker", service="+Elm House")
    first = paid(world, took_part(world, minutes=60, vacancy_id=vacancy_id), 1250)
    set_paid_at(app, first, start)
    last = paid(world, took_part(world, who="sly", minutes=30), 601)
    set_paid_at(app, last, end - timedelta(seconds=1))
    current = paid(world, took_part(world, who="ps2"), 700)
    set_paid_at(app, current, end)
    old = paid(world, took_part(world, who="ps2"), 800)
    set_paid_at(app, old, datetime(before.year, before.month, 15, tzinfo=UTC))
    approved = owed(world, took_part(world), "fee", 900)
    world.post(f"/payments/{approved}/approve", "hr")
    return last_month, [first, last]


def test_the_monthly_finance_csv(app, client, world, make_user):
    last_month, expected = _month_of_payments(app, world, make_user)
    password_sign_in(client, world, "hr")
    page = client.get("/payments?status=paid")
    assert "No finance files yet." in page.text
    assert re.search(rf'<option[^>]*value="{last_month:%Y-%m}"[^>]*selected', page.text)
    made = client.post(
        "/finance",
        data={"csrf_token": csrf_from(page.text), "month": f"{last_month:%Y-%m}"},
        follow_redirects=True,
    )
    assert f"The finance file for {last_month:%B %Y} is ready (2 payments)." in words(made)
    assert "£18.51" in made.text  # the month's total on the page
    with app.app_context():
        export = db.session.scalar(select(FinanceExport))
        assert (export.month, export.rows, export.total_pence) == (last_month, 2, 1851)
        assert export.made_by_id == world.id("hr")
    answer = client.get(f"/finance/{export.id}.csv")
    assert answer.mimetype == "text/csv"
    assert f"payments-{last_month:%Y-%m}.csv" in answer.headers["Content-Disposition"]
    raw = answer.get_data()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:3] == ["Payment id", "Paid on", "Person"] and "Amount (GBP)" in header
    assert [int(row[0]) for row in rows] == expected  # this month's and others left out
    column = dict(zip(header, zip(*rows, strict=True), strict=True))
    assert column["Paid on"] == (
        last_month.isoformat(),
        (next_month(last_month) - timedelta(days=1)).isoformat(),
    )
    assert column["Amount (GBP)"] == ("12.50", "6.01")
    assert column["Person"][1] == '\'=HYPERLINK("x")'  # never run as a formula
    assert column["Vacancy"][0] == "Night worker, +Elm House"  # not at the start: as typed
    assert column["Type"] == ("fee", "fee") and column["Minutes"] == ("60", "30")
    for cells in (column["Took part on"], column["Approved on"]):
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell) for cell in cells)
    assert all(cell[:1] not in ("=", "+", "-", "@") for row in rows for cell in row)

    # Making it again replaces it: one file per month, each making audited.
    client.post(
        "/finance", data={"csrf_token": csrf_from(page.text), "month": f"{last_month:%Y-%m}"}
    )
    with app.app_context():
        assert len(db.session.scalars(select(FinanceExport)).all()) == 1
    assert audit_of(app, "FinanceExport", export.id) == ["finance_export.made"] * 2
    future = next_month(utcnow().date().replace(day=1))
    refused = client.post(
        "/finance",
        data={"csrf_token": csrf_from(page.text), "month": f"{future:%Y-%m}"},
        follow_redirects=True,
    )
    assert "Choose a month" in refused.text  # not one of the months offered


@pytest.mark.worker
def test_the_beat_task_makes_last_months_file_on_a_real_worker(
    app,
    world,
    make_user,
    backend,
    database_urls,
    stack,  # noqa: F811
):
    schedule = app.extensions["celery"].conf.beat_schedule["monthly-finance-csv"]
    assert schedule["task"] == FINANCE_TASK
    assert isinstance(schedule["schedule"], crontab)
    assert schedule["schedule"].day_of_month == {1}

    last_month, expected = _month_of_payments(app, world, make_user)
    publisher = build_app(database_urls[backend], stack.redis.url)
    try:
        stack.run(publisher.extensions["celery"], FINANCE_TASK)
        stack.run(publisher.extensions["celery"], FINANCE_TASK)  # a second run remakes it
    finally:
        with publisher.app_context():
            db.engine.dispose()
    with app.app_context():
        [export] = db.session.scalars(select(FinanceExport)).all()
        assert (export.month, export.rows, export.made_by_id) == (last_month, 2, None)
        rows = list(csv.reader(io.StringIO(export.csv_data.decode("utf-8-sig"))))
        assert [int(row[0]) for row in rows[1:]] == expected
        assert export.csv_data.startswith("\ufeff".encode())
    assert audit_of(app, "FinanceExport", export.id) == ["finance_export.made"] * 2
