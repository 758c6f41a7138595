"""Browser fixtures: Debian's Chromium, driven by Playwright, against a live server.

The live server serves an app built like the `app` fixture in tests/conftest.py, but on
SQLite only: these tests check what a person sees and does, not the database, so they
are not run twice. Playwright never downloads a browser here; it drives /usr/bin/chromium.

Every page a test visits is checked with `Tab.check()`: axe-core finds no serious or
critical problems, no script threw, and the Content Security Policy blocked nothing.
A test that forgets to check a page it navigated to fails at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from recruit.extensions import db, limiter
from tests.conftest import build_app, empty_tables
from tests.support.servers import ROOT, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
NO_CHROMIUM = (
    "CHROMIUM IS NOT INSTALLED (/usr/bin/chromium is absent), so every BROWSER test was "
    "SKIPPED: nothing checked accessibility, the tablet sign-in or the PIN keypad. "
    "Install Debian's chromium package (apt-get install chromium) to run them."
)
SCREENSHOTS = ROOT / "docs" / "screenshots"
PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
BLOCKING_IMPACTS = {"serious", "critical"}

_skipped: list[str] = []


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_sep("!", NO_CHROMIUM, red=True, bold=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.browser_test_failed = True  # its pages were not all checked: say so only once
    return report


# --- accessibility -------------------------------------------------------------------------


def describe_violation(violation: dict) -> str:
    targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
    return (
        f"[{violation['impact']}] {violation['id']}: {violation['help']}\n"
        f"    {violation['helpUrl']}\n    on: {' | '.join(targets)}"
    )


def assert_accessible(page, where: str = "") -> None:
    """No serious or critical axe-core violations on the page as it is now.

    Minor and moderate ones are printed (pytest shows them with -s or on failure),
    so that they are seen and fixed without failing the build.
    """
    from axe_playwright_python.sync_playwright import Axe

    where = where or page.url
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    for violation in violations:
        if violation not in blocking:
            print(f"axe (not blocking) on {where}:\n  {describe_violation(violation)}")  # noqa: T201
    assert not blocking, f"axe found serious or critical problems on {where}:\n" + "\n".join(
        describe_violation(v) for v in blocking
    )


# --- what a person supported needs: big text, big targets, read aloud ---------------------

MIN_TARGET_PX = 44
MIN_TEXT_PX = 19

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


def assert_read_aloud_works(tab, words: str, button=None) -> None:
    """The "Read it to me" button (the only one, or `button`) is big and says `words`."""
    page = tab.page
    assert page.evaluate("'speechSynthesis' in window"), "this Chromium has no speechSynthesis"
    button = button or page.get_by_role("button", name="Read it to me")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["height"] >= MIN_TARGET_PX, f"'Read it to me' is only {box['height']:.0f}px tall"
    page.evaluate("window.__spoken = []")
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


def signs_in_with_password(tab, someone) -> None:
    """Sign in on the sign-in page with a password; lands on their home page."""
    page = tab.page
    page.goto("/sign-in")
    tab.check("the sign-in page")
    page.get_by_label("Username").fill(someone.username)
    page.get_by_label("Password", exact=True).fill(someone.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello, {someone.display_name}")).to_be_visible()
    tab.check(f"{someone.display_name}'s home page")


def signs_in_on_the_tablet(tab, key: str, someone) -> None:
    """On an open shared tablet: tap your name, tap your PIN on the keypad, tap Sign in."""
    page = tab.page
    page.goto(f"/tablet/{key}")
    check_tablet_page(tab, "the tablet's names page")
    page.get_by_role("link", name=someone.display_name).tap()
    expect(page.get_by_role("heading", name="Type your PIN")).to_be_visible()
    check_tablet_page(tab, "the PIN page")
    for digit in someone.pin:
        page.get_by_role("button", name=digit, exact=True).tap()
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name=f"Hello, {someone.display_name}")).to_be_visible()
    check_tablet_page(tab, f"{someone.display_name}'s home page")


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator:
    if not CHROMIUM.exists():
        _skipped.append(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Test instrumentation, added by Playwright outside the page's CSP: it records what
# "read it to me" asked the browser to say, and still lets the browser say it.
RECORD_SPEECH = """
window.__spoken = [];
if ("speechSynthesis" in window) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (words) => { window.__spoken.push(words.text); speak(words); };
}
"""


@dataclass
class Tab:
    """A page in its own browser context, watched for script errors and CSP reports."""

    page: object
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    def watch(self) -> Tab:
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.on("framenavigated", self._navigated)
        self.page.add_init_script(RECORD_SPEECH)
        return self

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url != "about:blank":
            self.unchecked.append(frame.url)

    def assert_no_errors(self) -> None:
        csp = [e for e in self.console_errors if "Content Security Policy" in e]
        assert not csp, "the Content Security Policy blocked something:\n" + "\n".join(csp)
        assert not self.page_errors, "a script threw:\n" + "\n".join(self.page_errors)
        assert not self.console_errors, "errors in the console:\n" + "\n".join(self.console_errors)

    def check(self, where: str = "") -> None:
        """Check the page as it is now: accessible, and nothing went wrong in the browser."""
        self.page.wait_for_load_state("load")
        assert len(self.unchecked) <= 1, f"pages visited without a check: {self.unchecked[:-1]}"
        assert_accessible(self.page, where)
        self.assert_no_errors()
        self.unchecked.clear()

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_tab(request, browser, live) -> Iterator[Callable[..., Tab]]:
    """Open a fresh page (its own cookies) at a viewport size; closed and checked after."""
    contexts = []
    tabs: list[Tab] = []

    def open_(viewport: dict, *, touch: bool = False) -> Tab:
        context = browser.new_context(
            viewport=viewport, has_touch=touch, base_url=live.url, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = Tab(context.new_page()).watch()
        tabs.append(tab)
        return tab

    yield open_
    try:
        if not getattr(request.node, "browser_test_failed", False):
            for tab in tabs:
                tab.assert_no_errors()
                assert not tab.unchecked, f"pages visited without a check: {tab.unchecked}"
    finally:
        for context in contexts:
            context.close()


# --- the live server -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(database_urls, redis_server) -> Iterator[tuple[Flask, LiveServer]]:
    app = build_app(database_urls["sqlite"], redis_server.url)
    server = LiveServer(app).start()
    yield app, server
    server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Live:
    app: Flask
    url: str


@pytest.fixture
def live(live_server, redis_server) -> Live:
    """The live server, with empty tables and fresh sign-in limits for each test."""
    app, server = live_server
    with app.app_context():
        empty_tables()
        db.session.remove()
    limiter.reset()
    redis_server.flush()
    return Live(app, server.url)


@dataclass
class Someone:
    id: int
    username: str
    display_name: str
    password: str | None
    pin: str | None


@pytest.fixture
def make_person(live) -> Callable[..., Someone]:
    """Create a person for real, through the operation the admin pages use."""
    from recruit.people.operations import create_user

    def make(role: str, display_name: str, *, password=None, pin=None) -> Someone:
        username = display_name.lower().replace(" ", ".")
        with live.app.app_context():
            user = create_user(
                None,
                username=username,
                display_name=display_name,
                role=role,
                password=password,
                pin=pin,
            )
            db.session.commit()
            someone = Someone(user.id, username, display_name, password, pin)
            db.session.remove()
        return someone

    return make
