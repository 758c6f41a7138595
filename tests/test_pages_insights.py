"""The insights page and its CSV files, over the year of history of test_insights_figures."""

from __future__ import annotations

import csv
import io

import pytest

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
    assert "<strong>5</strong> had a panel of people supported" in text
    assert "<strong>46.7%</strong> of the weight" in text
    assert "<strong>80%</strong> went to their first choice" in text
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
