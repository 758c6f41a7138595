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

from tests.browser.conftest import LANDSCAPE, PORTRAIT

pytestmark = pytest.mark.browser

MIN_TARGET_PX = 44
MIN_TEXT_PX = 19
NAMES_WORDS = "Who are you? Tap your name."
WRONG_PIN_MESSAGE = "That PIN is not right. Please try again."

# Every piece of text a person can see, with its computed size; text hidden for screen
# readers only (clipped to 1px) is left out.
TEXT_SIZES = """
() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const element = walker.currentNode.parentElement;
    if (!text || !element.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const box = element.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    found.push({text: text.slice(0, 40), size: parseFloat(getComputedStyle(element).fontSize),
                element: element.tagName.toLowerCase() + "." + [...element.classList].join(".")});
  }
  return found;
}
"""

# Everything a person can tap or tab to (the skip link is only seen by keyboard users).
SMALL_TARGETS = """
(minimum) => [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]")]
  .filter((element) => element.tabIndex >= 0 && !element.matches(".govuk-skip-link")
    && element.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}))
  .map((element) => ({element: element.outerHTML.slice(0, 100),
                      box: element.getBoundingClientRect().toJSON()}))
  .filter(({box}) => box.width < minimum || box.height < minimum)
  .map(({element, box}) => `${element} is ${Math.round(box.width)}×${Math.round(box.height)}`)
"""

# GOV.UK checkboxes and radios hide the real input and draw its focus on the label's ::before.
FOCUS_IS_VISIBLE = """
() => {
  const element = document.activeElement;
  const styles = [getComputedStyle(element)];
  if (element.matches(".govuk-checkboxes__input, .govuk-radios__input")) {
    styles.push(getComputedStyle(element.nextElementSibling, "::before"));
  }
  return styles.some((style) => style.boxShadow !== "none" || (
    style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
    && !["transparent", "rgba(0, 0, 0, 0)"].includes(style.outlineColor)));
}
"""


# --- checks ----------------------------------------------------------------------------------


def assert_text_at_least_19px(page, where: str) -> None:
    small = [t for t in page.evaluate(TEXT_SIZES) if t["size"] < MIN_TEXT_PX]
    assert not small, f"text smaller than {MIN_TEXT_PX}px on {where}: {small}"


def assert_big_targets(locator, what: str, expected_count: int) -> None:
    expect(locator).to_have_count(expected_count)
    for n in range(expected_count):
        box = locator.nth(n).bounding_box()
        assert box, f"{what} #{n} is not shown"
        assert box["width"] >= MIN_TARGET_PX and box["height"] >= MIN_TARGET_PX, (
            f"{what} #{n} ({locator.nth(n).inner_text()!r}) is only "
            f"{box['width']:.0f}×{box['height']:.0f} CSS px"
        )


def assert_every_target_is_big(page, where: str) -> None:
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET_PX)
    assert not small, f"targets smaller than {MIN_TARGET_PX}×{MIN_TARGET_PX}px on {where}: {small}"


def assert_in_view_without_scrolling(page, locator, what: str) -> None:
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    assert box["y"] + box["height"] <= height, (
        f"{what} is below the bottom of a {page.viewport_size['width']}×{height} screen "
        f"(it ends at {box['y'] + box['height']:.0f}px): the person has to scroll to find it"
    )


def assert_fits_the_screen(page, where: str) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    width = page.viewport_size["width"]
    assert scroll_width <= width, f"{where} scrolls sideways ({scroll_width}px > {width}px)"


def assert_read_aloud_works(tab, words: str) -> None:
    page = tab.page
    assert page.evaluate("'speechSynthesis' in window"), "this Chromium has no speechSynthesis"
    button = page.get_by_role("button", name="Read it to me")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["height"] >= MIN_TARGET_PX, f"'Read it to me' is only {box['height']:.0f}px tall"
    button.click()
    page.wait_for_function("window.__spoken.length > 0")
    assert page.evaluate("window.__spoken") == [words]
    tab.assert_no_errors()


def check_tablet_page(tab, where: str) -> None:
    """What every page a person supported sees on the tablet must pass."""
    tab.check(where)
    assert_text_at_least_19px(tab.page, where)
    assert_every_target_is_big(tab.page, where)
    assert_fits_the_screen(tab.page, where)


def assert_focus_visible(page, what: str) -> None:
    assert page.evaluate(FOCUS_IS_VISIBLE), f"{what} has no visible focus indicator"


# --- the panel lead's part, by mouse -----------------------------------------------------------


def lead_signs_in(tab, lead) -> None:
    page = tab.page
    page.goto("/sign-in")
    tab.check("the sign-in page")
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password", exact=True).fill(lead.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello, {lead.display_name}")).to_be_visible()
    tab.check("the lead's home page")


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
