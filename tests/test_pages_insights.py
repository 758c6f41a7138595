"""The insights page and its CSV files, over the year of history of test_insights_figures;
and the figures of the co-production report it took in (once at /vacancies/report)."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest

from recruit.candidates.models import Candidate
from recruit.decisions.models import Decision
from recruit.extensions import db
from recruit.panels.models import Panel, PanelMember
from recruit.qualities.models import Quality
from recruit.scoring.models import Score, Scoresheet
from recruit.vacancies.models import Vacancy
from tests.conftest import csrf_from
from tests.support.history import build_year


@pytest.fixture
def year(app, make_user):
    return build_year(app, make_user)


@pytest.fixture
def hr(app, year, make_user):
    return make_user("hr", username="hana")


def test_hr_sees_every_chart_with_its_table(client, sign_in, hr):
    sign_in(hr)
    page = client.get("/insights")
    assert page.status_code == 200
    text = page.text
    assert text.count('role="img"') == 6
    for caption in (
        "People supported panels and their share of the weight, per quarter",
        "People supported panels and their share of the weight, per service",
        "Was the person appointed the people supported panels&#39; first choice?",
        "Did the interview scores predict how it went?",
        "Participation by activity",
        "Time from vacancy to decision: mean days in each stage",
    ):
        assert caption in text
    assert "Of the 6 vacancies opened in this period" in text
    assert '<strong>5</strong> (<span id="share-with">83%</span>) had a people supported' in text
    assert "<strong>46.7%</strong> of the weight" in text
    assert (
        "Of the 5 appointments decided in this period, the people supported panels ranked 5:"
        in text
    )
    assert '<strong id="first-share">80%</strong> went to their first choice (4)' in text
    assert "Cy can drive the minibus" in text
    assert "rest on fewer than 5 appointments" in text
    assert "£49.50" in text  # paid in the period
    assert "<strong>29.4 days</strong> on average" in text
    assert (
        'aria-label="People supported panels per service. Elm Court: Vacancies with a people '
        "supported panel 50.0%, People supported share of the weight 35.0%; Oak House: "
        "Vacancies with a people supported panel 100.0%, People supported share of the weight "
        "52.5%" in text
    )


def test_filters_by_service_and_period(client, sign_in, hr):
    sign_in(hr)
    oak = client.get("/insights?service=Oak+House")
    assert "Of the 4 vacancies opened in this period" in oak.text
    assert "at Oak House" in oak.text
    bad = client.get("/insights?start=yesterday")
    assert bad.status_code == 200 and "Give the date like 2026-04-01." in bad.text
    assert "Of the 6 vacancies opened in this period" in bad.text  # the last year instead
    backwards = client.get("/insights?start=2026-06-01&end=2026-01-01")
    assert "The start of the period must be before its end." in backwards.text


def test_every_chart_has_its_data_as_csv(client, sign_in, hr):
    sign_in(hr)
    names = [
        "shares-by-quarter",
        "shares-by-service",
        "first-choice",
        "first-choice-by-service",
        "overrides",
        "predictions",
        "appointments",
        "participation-summary",
        "participation-by-activity",
        "stages",
    ]
    page = client.get("/insights").text
    for name in names:
        assert f"/insights/{name}.csv?" in page
    answer = client.get("/insights/shares-by-service.csv?service=Elm+Court")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "shares-by-service-elm-court-" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Service"
    assert rows[1] == ["Elm Court", "2", "1", "50.0%", "35.0%"]
    predictions = client.get("/insights/predictions.csv").data.decode("utf-8-sig")
    assert (
        "People supported panels,What people supported said later,0.90,5,A strong positive link"
        in predictions
    )
    by_service = list(
        csv.reader(
            io.StringIO(
                client.get("/insights/first-choice-by-service.csv").data.decode("utf-8-sig")
            )
        )
    )
    assert by_service[1:] == [
        ["Elm Court", "1", "1", "0", "0", "100.0%"],  # V4: Dee
        ["Oak House", "4", "3", "1", "0", "75.0%"],  # V1, V5, V6; V2 went to Cy
        ["All services", "5", "4", "1", "0", "80.0%"],
    ]
    stages = list(
        csv.reader(io.StringIO(client.get("/insights/stages.csv").data.decode("utf-8-sig")))
    )
    assert stages[-1] == ["From vacancy to decision", "5", "29.4"]
    assert client.get("/insights/nothing.csv").status_code == 404
    assert client.get("/insights/stages.csv?end=soon").status_code == 422


def test_only_hr_and_admins_see_insights(client, sign_in, make_user, year):
    for role in ("panel_lead", "staff"):
        person = make_user(role)
        sign_in(person)
        assert client.get("/insights").status_code == 403
        assert client.get("/insights/stages.csv").status_code == 403
        client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    admin = make_user("admin")
    sign_in(admin)
    assert client.get("/insights").status_code == 200


# --- the co-production report's figures (once at /vacancies/report) --------------------------


def add_vacancy(title, *, status="decided", service="Oak House"):
    vacancy = Vacancy(
        title=title, service=service, closes_on=date.today() + timedelta(days=30), status=status
    )
    db.session.add(vacancy)
    db.session.flush()
    return vacancy


def appoint(vacancy, *, kind, member, scored, against=False):
    """A vacancy with one panel of `kind`, one member, and Anna Appleton appointed; the
    member scored her when `scored`; `against`: the decision went against the people
    supported panels' first choice, as the results said then (a flag and a reason)."""
    panel = Panel(vacancy_id=vacancy.id, name="Panel", kind=kind, weight=60.0, scale=5)
    candidate = Candidate(vacancy_id=vacancy.id, name="Anna Appleton", alias="Candidate A")
    quality = Quality(vacancy_id=vacancy.id, text="Kind", source_group=kind, status="accepted")
    db.session.add_all([panel, candidate, quality])
    db.session.flush()
    db.session.add(PanelMember(panel_id=panel.id, vacancy_id=vacancy.id, user_id=member.id))
    if scored:
        sheet = Scoresheet(
            vacancy_id=vacancy.id,
            candidate_id=candidate.id,
            panel_id=panel.id,
            user_id=member.id,
            status="submitted",
        )
        db.session.add(sheet)
        db.session.flush()
        db.session.add(Score(scoresheet_id=sheet.id, quality_id=quality.id, value=4))
    db.session.add(
        Decision(
            vacancy_id=vacancy.id,
            candidate_id=candidate.id,
            outcome="appoint",
            rationale="Best on the day.",
            override_reason="Safety first." if against else "",
            flags=["people_supported_preferred_other"] if against else [],
        )
    )


def test_the_coproduction_report_figures_are_on_the_insights_page(app, client, make_user, sign_in):
    """Every figure the report showed, each once: vacancies with a people supported panel,
    appointments that were their first choice (the report's "matched their preference"),
    those that went against it with a reason, by service; counts only."""
    hr = make_user("hr")
    person = make_user("person_supported", password=None, pin="2468")
    staff = make_user("staff")
    with app.app_context():
        ps = {"kind": "people_supported", "member": person}
        appoint(add_vacancy("Support worker"), **ps, scored=True)
        appoint(add_vacancy("Team leader"), **ps, scored=True, against=True)
        appoint(add_vacancy("Gardener", service="Willow Court"), **ps, scored=False)
        appoint(
            add_vacancy("Driver", service="Willow Court"), kind="staff", member=staff, scored=True
        )
        add_vacancy("Draft one", status="draft")  # drafts are left out
        add_vacancy("Withdrawn one", status="withdrawn")  # and withdrawn ones
        db.session.commit()
    sign_in(hr)
    page = client.get("/insights")
    assert page.status_code == 200
    text = page.text
    assert "Of the 4 vacancies opened in this period" in text
    assert '<strong>3</strong> (<span id="share-with">75%</span>)' in text
    # 4 appointments: the people supported panels ranked 2 (no scores from them for the
    # gardener, no such panel for the driver); 1 of those 2 was their first choice.
    assert (
        "Of the 4 appointments decided in this period, the people supported panels ranked 2:"
        in text
    )
    assert '<strong id="first-share">50%</strong> went to their first choice (1)' in text
    assert "and 1 to someone else, each with a reason given. 2 had no scores" in text
    assert "Safety first." in text
    assert "Anna Appleton" not in text  # the alias only, as everywhere on this page
    shares = csv_rows(client, "shares-by-service")
    assert [row[:4] for row in shares[1:]] == [
        ["Oak House", "2", "2", "100.0%"],
        ["Willow Court", "2", "1", "50.0%"],
        ["All", "4", "3", "75.0%"],
    ]
    choices = csv_rows(client, "first-choice-by-service")
    assert choices[1:] == [
        ["Oak House", "2", "1", "1", "0", "50.0%"],
        ["Willow Court", "2", "0", "0", "2", "–"],
        ["All services", "4", "1", "1", "2", "50.0%"],
    ]
    assert 'href="/insights"' in client.get("/vacancies").text  # the HR dashboard's link


def csv_rows(client, name: str) -> list[list[str]]:
    answer = client.get(f"/insights/{name}.csv")
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))


def test_the_old_report_address_sends_everyone_to_the_insights_page(client, make_user, sign_in):
    answer = client.get("/vacancies/report")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "/insights#panels"
    assert client.get("/vacancies/report", follow_redirects=True).request.path == "/sign-in"
    sign_in(make_user("staff"))
    assert client.get("/vacancies/report", follow_redirects=True).status_code == 403
    assert "/insights" not in client.get("/vacancies").text


def test_a_long_appointments_table_shows_its_first_rows_and_the_csv_has_all(
    client, sign_in, hr, monkeypatch
):
    from recruit.insights import views

    sign_in(hr)
    whole = client.get("/insights").text
    assert "This table shows the first" not in whole  # 5 appointments: all of them shown
    monkeypatch.setattr(views, "APPOINTMENTS_SHOWN", 3)
    page = client.get("/insights").text
    assert "This table shows the first 3 of 5, oldest first. The CSV file has all of them." in page
    table = page.split('id="appointments-shown"')[1].split("</table>")[0]
    assert table.count('<th scope="row"') == 3
    rows = list(
        csv.reader(io.StringIO(client.get("/insights/appointments.csv").data.decode("utf-8-sig")))
    )
    assert len(rows) == 1 + 5  # the header and every appointment
    shown = [
        [html.unescape(cell) for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
        for row in table.split("<tbody")[1].split("</tr>")[:-1]
    ]
    assert shown == rows[1:4]  # the CSV's first rows, in its order
