"""Insights and co-evaluation in a real browser: HR's insights page (charts beside tables,
filters) with no serious or critical axe problems; a person supported's check-in on the
tablet (pictures, read aloud, big text and targets); the easy-read 'what we did together'."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from recruit.extensions import db
from tests.browser.conftest import (
    PORTRAIT,
    assert_big_targets,
    assert_read_aloud_works,
    check_tablet_page,
    signs_in_with_password,
)
from tests.support.history import build_year

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a-good-password"


@pytest.fixture
def year(live, make_person):
    people = {}

    def make(role, display_name):
        someone = make_person(role, display_name, password=PASSWORD)
        people[display_name.lower()] = someone
        return someone

    build_year(live.app, make)
    return people


def picture(page, word: str):
    return page.locator(".app-choice__label").filter(
        has=page.locator(".app-choice__word", has_text=re.compile(f"^{re.escape(word)}$"))
    )


def test_hr_reads_the_insights_page(open_tab, year):
    tab = open_tab(DESKTOP)
    page = tab.page
    signs_in_with_password(tab, year["hr"])
    page.get_by_role("link", name="Insights: how co-produced is our recruitment?").click()
    expect(page.get_by_role("heading", name="How co-produced is our recruitment?")).to_be_visible()
    tab.check("the insights page")
    expect(page.get_by_role("img")).to_have_count(6)
    expect(page.get_by_role("img", name="People supported panels per service", exact=False))
    service_table = page.get_by_role(
        "table", name="People supported panels and their share of the weight, per service"
    )
    expect(service_table.get_by_role("row", name="Oak House")).to_contain_text("52.5%")
    expect(page.get_by_text("rest on fewer than 5 appointments")).to_be_visible()
    tab.screenshot("insights-page")

    page.get_by_label("Service", exact=True).select_option("Elm Court")
    page.get_by_role("button", name="Show these figures").click()
    expect(page.get_by_text("at Elm Court", exact=False).first).to_be_visible()
    tab.check("the insights page for one service")
    expect(page.get_by_text("Of the 2 vacancies opened in this period")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=re.compile("Download this table as CSV.*share of the weight, per service")
        ).click()
    assert download.value.suggested_filename.startswith("shares-by-service-elm-court-")

    page.goto("/insights?start=soon")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    tab.check("the insights page with a wrong date")


def test_a_person_supported_answers_the_check_in_on_the_tablet(live, open_tab, year):
    from recruit.insights.models import CheckIn, CheckInInvitation, CheckInResponse

    p1 = year["p1"]
    with live.app.app_context():  # p1 answered every check-in but one in the history
        db.session.execute(
            CheckInResponse.__table__.delete().where(CheckInResponse.user_id == p1.id)
        )
        db.session.commit()
        check_in_id = db.session.scalar(
            select(CheckIn.id)
            .join(CheckInInvitation, CheckInInvitation.check_in_id == CheckIn.id)
            .where(CheckInInvitation.user_id == p1.id)
            .order_by(CheckIn.id)
        )
        db.session.remove()
    tab = open_tab(PORTRAIT, touch=True)
    page = tab.page
    signs_in_with_password(tab, p1)
    page.goto(f"/check-ins/{check_in_id}")
    question = page.get_by_role("heading", level=1)
    expect(question).to_have_text(re.compile(r"Is Candidate \w like this: Kind\?"))
    check_tablet_page(tab, "the check-in question")
    assert_big_targets(page.locator(".app-choice__label"), "picture", 4)
    spoken = page.get_by_role("button", name="Read it to me").get_attribute("data-read-aloud")
    assert spoken.endswith("Choose No, A bit, Yes. Or choose Not sure.")
    assert_read_aloud_works(tab, spoken)
    picture(page, "Yes").tap()
    tab.screenshot("check-in-tablet")
    page.get_by_role("button", name="Next").tap()
    expect(page.get_by_role("heading", name="Is there anything else", exact=False)).to_be_visible()
    check_tablet_page(tab, "the check-in comment")
    page.get_by_label("Is there anything else", exact=False).fill("Always on time")
    page.get_by_role("button", name="Next").tap()
    expect(page.get_by_role("heading", name="Check your answers", exact=False)).to_be_visible()
    check_tablet_page(tab, "the check-in summary")
    page.get_by_role("button", name="Send").tap()
    expect(
        page.get_by_role("heading", name="Thank you for telling us", exact=False)
    ).to_be_visible()
    check_tablet_page(tab, "the check-in thank-you")
    with live.app.app_context():
        [response] = db.session.scalars(
            select(CheckInResponse).where(CheckInResponse.user_id == p1.id)
        ).all()
        assert response.comment == "Always on time" and response.values[0].value == 3
        db.session.remove()


def test_what_we_did_together_in_easy_words(open_tab, year):
    tab = open_tab(PORTRAIT, touch=True)
    page = tab.page
    signs_in_with_password(tab, year["p5"])  # lives at Elm Court
    page.get_by_role("link", name="What we did together this year").tap()
    expect(page.get_by_role("heading", name=re.compile("What we did together in"))).to_be_visible()
    check_tablet_page(tab, "what we did together")
    expect(page.get_by_text("You helped choose 1 new person to work here.")).to_be_visible()
    expect(page.get_by_text("1 person did not say we could write their name here.")).to_be_visible()
    tab.screenshot("our-year-tablet")
