"""The sign-in page in a real browser: accessible, and signing in works or says plainly why not."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PORTRAIT

pytestmark = pytest.mark.browser


def test_the_sign_in_page_is_accessible_and_branded(open_tab):
    tab = open_tab(PORTRAIT)
    tab.page.goto("/sign-in")
    tab.check("the sign-in page")
    page = tab.page
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Choosing staff together")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    assert page.evaluate("document.body.classList.contains('js-enabled')"), "app.js did not run"
    tab.screenshot("sign-in")


def test_signing_in_with_a_password_reaches_the_home_page(open_tab, make_person):
    sam = make_person("staff", "Sam Shah", password="a-good-password")
    tab = open_tab(PORTRAIT)
    page = tab.page
    page.goto("/sign-in")
    tab.check("the sign-in page")
    page.get_by_label("Username").fill(sam.username)
    page.get_by_label("Password", exact=True).fill(sam.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Sam Shah")).to_be_visible()
    assert page.url.endswith("/")
    tab.check("the home page")
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Sam Shah")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    tab.check("the sign-in page after signing out")


def test_a_wrong_password_shows_a_plain_error_in_an_error_summary(open_tab, make_person):
    sam = make_person("staff", "Sam Shah", password="a-good-password")
    tab = open_tab(PORTRAIT)
    page = tab.page
    page.goto("/sign-in")
    tab.check("the sign-in page")
    page.get_by_label("Username").fill(sam.username)
    page.get_by_label("Password", exact=True).fill("not-my-password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("alert")).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The username or password is not right. Please try again.")
    # GOV.UK Frontend's script moves focus to the summary, so a screen reader reads it first.
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: "), page.title()
    tab.check("the sign-in page with an error")
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    assert "Signed in as" not in page.get_by_role("banner").inner_text()
