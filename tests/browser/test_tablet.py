"""The shared tablet in a real browser, in portrait and landscape, by touch and by keyboard.

A panel lead opens a tablet for two people supported and hands it over; a person taps
their name, types their PIN on the big keypad and is signed in; signing out shows the
names again. Every page is checked with axe (including the PIN page showing an error),
for big enough targets and text, and for a working "read it to me" button.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    LANDSCAPE,
    PORTRAIT,
    assert_big_targets,
    assert_focus_visible,
    assert_in_view_without_scrolling,
    assert_read_aloud_works,
    check_tablet_page,
    signs_in_with_password,
)

pytestmark = pytest.mark.browser

NAMES_WORDS = "Who are you? Tap your name."
WRONG_PIN_MESSAGE = "That PIN is not right. Please try again."


# --- the panel lead's part, by mouse -----------------------------------------------------------


def lead_signs_in(tab, lead) -> None:
    signs_in_with_password(tab, lead)


def lead_opens_and_hands_over(tab, lead, people, label="Oak House interviews") -> str:
    page = tab.page
    lead_signs_in(tab, lead)
    page.get_by_role("link", name="Open a shared tablet for today").click()
    expect(page.get_by_role("heading", name="Open a shared tablet for today")).to_be_visible()
    tab.check("the open-a-tablet page")
    page.get_by_label("Name for this tablet").fill(label)
    for person in people:
        page.get_by_role("checkbox", name=f"{person.display_name} (Person supported)").check()
    page.get_by_role("button", name="Open the tablet").click()
    expect(page.get_by_role("heading", name=f"The tablet “{label}” is open")).to_be_visible()
    tab.check("the tablet-is-open page")
    page.get_by_role("button", name="Hand over this device").click()
    expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    match = re.search(r"/tablet/([^/]+)$", page.url)
    assert match, page.url
    expect(page.get_by_role("banner")).not_to_contain_text("Signed in as")
    return match.group(1)


# --- tests -----------------------------------------------------------------------------------


@pytest.fixture
def panel(make_person):
    lead = make_person("panel_lead", "Pat Lead", password="a-good-password")
    jo = make_person("person_supported", "Jo Jones", pin="2468")
    amir = make_person("person_supported", "Amir Khan", pin="1357")
    return lead, jo, amir


@pytest.mark.parametrize(
    "viewport", [PORTRAIT, LANDSCAPE], ids=["portrait-768x1024", "landscape-1024x768"]
)
def test_a_person_signs_in_on_the_tablet_by_touch(open_tab, panel, viewport):
    lead, jo, amir = panel
    portrait = viewport == PORTRAIT
    suffix = "" if portrait else "-landscape"
    tab = open_tab(viewport, touch=True)
    page = tab.page
    key = lead_opens_and_hands_over(tab, lead, [jo, amir])

    # The names: big buttons, big text, read aloud.
    check_tablet_page(tab, "the tablet's names page")
    names = page.locator(".app-person")
    assert_big_targets(names, "name button", 2)
    expect(names).to_contain_text(["Amir Khan", "Jo Jones"])
    assert_in_view_without_scrolling(page, names.last, "the last name")
    # The big name at the top leads back to the names, never to the staff sign-in page.
    expect(page.get_by_role("banner").get_by_role("link")).to_have_attribute(
        "href", f"/tablet/{key}"
    )
    assert_read_aloud_works(tab, NAMES_WORDS)
    tab.screenshot(f"tablet-names{suffix}")

    page.get_by_role("link", name="Jo Jones").tap()
    expect(page.get_by_role("heading", name="Type your PIN")).to_be_visible()
    assert page.url.endswith(f"/tablet/{key}/{jo.id}")
    check_tablet_page(tab, "the PIN page")
    keys = page.locator(".app-keypad__key")
    assert_big_targets(keys, "keypad key", 11)
    assert_big_targets(page.get_by_role("button", name="Sign in"), "Sign in button", 1)
    assert_big_targets(page.get_by_role("link", name="This is not me"), "'not me' link", 1)
    assert_in_view_without_scrolling(page, page.get_by_role("button", name="Sign in"), "Sign in")
    assert_read_aloud_works(tab, "Hello Jo Jones. Type your 4 numbers. Then press Sign in.")
    tab.screenshot(f"tablet-pin{suffix}")

    # A wrong PIN, tapped on the keypad: a plain error, and an accessible page.
    pin_box = page.get_by_label("Type your PIN")
    for digit in "1117":
        page.get_by_role("button", name=digit, exact=True).tap()
    page.get_by_role("button", name="Delete the last number").tap()
    expect(pin_box).to_have_value("111")
    status = page.locator("[data-keypad-status]")  # what a screen reader hears, politely
    expect(status).to_have_text("You have typed 3 of 4 numbers.")
    expect(status).to_have_attribute("aria-live", "polite")
    page.get_by_role("button", name="1", exact=True).tap()
    expect(pin_box).to_have_value("1111")
    page.get_by_role("button", name="Sign in").tap()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(WRONG_PIN_MESSAGE)
    expect(page.locator(".govuk-error-message")).to_contain_text(WRONG_PIN_MESSAGE)
    expect(summary).to_be_focused()
    check_tablet_page(tab, "the PIN page with an error")
    assert_big_targets(keys, "keypad key", 11)
    tab.screenshot(f"tablet-pin-error{suffix}")

    # The right PIN, tapped: signed in, on their own home page.
    expect(pin_box).to_have_value("")
    for digit in jo.pin:
        page.get_by_role("button", name=digit, exact=True).tap()
    page.get_by_role("button", name="7", exact=True).tap()  # a fifth number is not typed
    expect(pin_box).to_have_value(jo.pin)
    expect(status).to_have_text("You have typed all 4 numbers. Now press Sign in.")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="Hello, Jo Jones")).to_be_visible()
    assert page.url.endswith("/")
    check_tablet_page(tab, "Jo's home page")

    # Signing out hands the tablet to the next person.
    page.get_by_role("button", name="Sign out").tap()
    expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    assert page.url.endswith(f"/tablet/{key}")
    expect(page.get_by_text("The next person can choose their name.")).to_be_visible()
    expect(page.locator(".app-person")).to_contain_text(["Amir Khan", "Jo Jones"])
    check_tablet_page(tab, "the names page after signing out")


def tab_to(page, target, what: str, limit: int = 40) -> None:
    """Press Tab until `target` has the focus, as a keyboard or switch user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            assert_focus_visible(page, what)
            return
    raise AssertionError(f"{what} could not be reached with the Tab key")


def test_the_whole_tablet_flow_works_with_the_keyboard_only(open_tab, panel):
    lead, jo, amir = panel
    tab = open_tab(PORTRAIT)
    page = tab.page
    keyboard = page.keyboard

    page.goto("/sign-in")
    tab.check("the sign-in page")
    tab_to(page, page.get_by_label("Username"), "the username box")
    keyboard.type(lead.username)
    tab_to(page, page.get_by_label("Password", exact=True), "the password box")
    keyboard.type(lead.password)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Pat Lead")).to_be_visible()
    tab.check("the lead's home page")

    tab_to(page, page.get_by_role("link", name="Open a shared tablet for today"), "the link")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Open a shared tablet for today")).to_be_visible()
    tab.check("the open-a-tablet page")
    tab_to(page, page.get_by_label("Name for this tablet"), "the tablet's name box")
    keyboard.type("Oak House interviews")
    for person in (jo, amir):
        box = page.get_by_role("checkbox", name=f"{person.display_name} (Person supported)")
        tab_to(page, box, f"{person.display_name}'s tick box")
        keyboard.press("Space")
        expect(box).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Open the tablet"), "Open the tablet")
    keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name="The tablet “Oak House interviews” is open")
    ).to_be_visible()
    tab.check("the tablet-is-open page")
    tab_to(page, page.get_by_role("button", name="Hand over this device"), "Hand over")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    key = page.url.rsplit("/", 1)[1]
    check_tablet_page(tab, "the tablet's names page")

    # The person: their name, then a wrong PIN on the keypad's keys (Tab, then Enter).
    tab_to(page, page.get_by_role("link", name="Jo Jones"), "Jo's name")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Type your PIN")).to_be_visible()
    check_tablet_page(tab, "the PIN page")
    pin_box = page.get_by_label("Type your PIN")
    nine = page.get_by_role("button", name="9", exact=True)
    tab_to(page, nine, "the keypad's 9")
    for _ in range(4):
        keyboard.press("Enter")
    expect(pin_box).to_have_value("9999")
    tab_to(page, page.get_by_role("button", name="Sign in"), "Sign in")
    keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text(WRONG_PIN_MESSAGE)
    check_tablet_page(tab, "the PIN page with an error")

    # The right PIN, typed with the number keys into the PIN box, then Enter.
    tab_to(page, pin_box, "the PIN box")
    for digit in jo.pin:
        keyboard.press(digit)
    expect(pin_box).to_have_value(jo.pin)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Jo Jones")).to_be_visible()
    tab.check("Jo's home page")

    tab_to(page, page.get_by_role("button", name="Sign out"), "Sign out")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    assert page.url.endswith(f"/tablet/{key}")
    expect(page.locator(".app-person")).to_contain_text(["Amir Khan", "Jo Jones"])
    check_tablet_page(tab, "the names page after signing out")
