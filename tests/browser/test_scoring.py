"""Scoring on the tablet in a real browser: by touch in portrait and landscape, by keyboard
only, with the Wi-Fi dropping, with the sign-in lost, and the lead's view of the day.

A person supported signs in on a shared tablet and goes from their home page to a submitted
scoresheet: one question a screen, three faces with a word under each and "not sure" set
apart, "read it to me", a question about working with the person, a comment, a summary,
Send. Every screen is checked with axe, for text of at least 19px and targets of at least
44px. What was saved is checked in the database: every answer once, the scoresheet sent.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from recruit.core.audit import AuditRecord
from recruit.core.idempotency import IdempotencyRecord
from recruit.extensions import db
from recruit.people.models import User
from recruit.scoring.models import Scoresheet
from tests.browser.conftest import (
    LANDSCAPE,
    MIN_TARGET_PX,
    PORTRAIT,
    assert_big_targets,
    assert_in_view_without_scrolling,
    assert_read_aloud_works,
    check_tablet_page,
    signs_in_on_the_tablet,
    signs_in_with_password,
)
from tests.browser.test_tablet import lead_opens_and_hands_over

pytestmark = pytest.mark.browser

QUALITIES = [  # (text, symbol, the easy-read prompt a person supported reads)
    ("Kind", "😊", "Was this person kind?"),
    ("Listens", "👂", "Did this person listen to you?"),
    ("Likes music", "🎵", "Does this person like music?"),
]
PASSWORD = "a-good-password"

# The chosen picture's focus is drawn on its label (the radio button itself is invisible).
FOCUS_IS_VISIBLE = """
() => {
  const element = document.activeElement;
  const styles = [getComputedStyle(element)];
  if (element.matches(".app-choice__input")) {
    styles.push(getComputedStyle(element.nextElementSibling));
  }
  return styles.some((style) => style.boxShadow !== "none" || (
    style.outlineStyle !== "none" && style.outlineStyle !== "auto"
    && parseFloat(style.outlineWidth) >= 2
    && !["transparent", "rgba(0, 0, 0, 0)"].includes(style.outlineColor)));
}
"""


@dataclass
class Day:
    vacancy_id: int
    a: int  # Candidate A
    b: int  # Candidate B
    qualities: list[int]
    lead: object
    jo: object
    amir: object
    sam: object


@pytest.fixture
def day(live, make_person) -> Day:
    """A vacancy at interviewing, built through the real operations: a residents' panel (Jo,
    Amir; 3 faces) and a staff panel (Pat the lead, Sam; 5 points); three qualities with
    easy-read prompts; two candidates; everyone has declared, Amir knows Candidate B."""
    from recruit.candidates import operations as candidates
    from recruit.panels import operations as panels
    from recruit.qualities import operations as qualities
    from recruit.vacancies import operations as vacancies

    hr = make_person("hr", "Hana Hughes", password=PASSWORD)
    lead = make_person("panel_lead", "Pat Lead", password=PASSWORD, pin="9753")
    jo = make_person("person_supported", "Jo Jones", pin="2468")
    amir = make_person("person_supported", "Amir Khan", pin="1357")
    sam = make_person("staff", "Sam Shah", password=PASSWORD, pin="8642")
    with live.app.app_context():
        users = {p.username: db.session.get(User, p.id) for p in (hr, lead, jo, amir, sam)}
        boss, pat = users[hr.username], users[lead.username]
        users[sam.username].email = "sam@example.org"
        vacancy = vacancies.create_vacancy(
            boss,
            title="Support worker",
            service="Oak House",
            description="Days and evenings.",
            easy_read_summary="A job helping people at Oak House.",
            closes_on=date.today() + timedelta(days=30),
            posts=1,
        )
        ours = panels.create_panel(
            boss, vacancy, name="Residents' panel", kind="people_supported", weight=50, scale=3
        )
        staff = panels.create_panel(
            boss, vacancy, name="Staff panel", kind="staff", weight=50, scale=5
        )
        for person in (jo, amir):
            panels.add_member(boss, ours, vacancy, user_id=person.id)
        panels.add_member(boss, staff, vacancy, user_id=lead.id, role="lead")
        panels.add_member(boss, staff, vacancy, user_id=sam.id)
        vacancies.transition(boss, vacancy, "co_design")
        ids = []
        for text, symbol, prompt in QUALITIES:
            quality = qualities.propose(users[jo.username], vacancy, text=text, symbol=symbol)
            qualities.review(pat, quality, vacancy, status="accepted")
            qualities.word(pat, quality, vacancy, prompt=prompt)
            ids.append(quality.id)
        vacancies.transition(boss, vacancy, "shortlisting")
        a = candidates.add_candidate(boss, vacancy, name="Alex Morgan")
        b = candidates.add_candidate(boss, vacancy, name="Priya Patel")
        for person in (jo, lead, sam):
            panels.declare(users[person.username], vacancy, confidentiality=True, conflicts=[])
        panels.declare(users[amir.username], vacancy, confidentiality=True, conflicts=[b.id])
        vacancies.transition(boss, vacancy, "interviewing")
        db.session.commit()
        built = Day(vacancy.id, a.id, b.id, ids, lead, jo, amir, sam)
        db.session.remove()
    return built


def open_tablet_for(live, day: Day, *people) -> str:
    """The lead opens a shared tablet (through the operation; the pages are tested elsewhere)."""
    from recruit.people.operations import open_tablet

    with live.app.app_context():
        key, _ = open_tablet(
            db.session.get(User, day.lead.id), "Oak House interviews", [p.id for p in people]
        )
        db.session.commit()
        db.session.remove()
    return key


def eventually(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "it did not happen in time"
        time.sleep(0.1)


def saved(live, day: Day, who, candidate: int) -> dict | None:
    with live.app.app_context():
        sheet = db.session.scalar(
            select(Scoresheet).where(
                Scoresheet.user_id == who.id, Scoresheet.candidate_id == candidate
            )
        )
        result = None
        if sheet is not None:
            result = {
                "status": sheet.status,
                "scores": [
                    {s.quality_id: s.value for s in sheet.scores}.get(q, "missing")
                    for q in day.qualities
                ],
                "would_work_with": sheet.would_work_with,
                "comment": sheet.comment,
            }
        db.session.remove()
    return result


# --- what a person does on a screen -------------------------------------------------------------


def forgive(tab, *expected: str) -> None:
    """Failed requests this test causes on purpose are logged by the browser as errors."""
    tab.console_errors[:] = [
        e for e in tab.console_errors if not any(reason in e for reason in expected)
    ]


def screen(page):
    return page.locator(".app-step:not([hidden])")


def picture(page, word: str):
    """The big picture with `word` under it, on the screen shown now."""
    return (
        screen(page)
        .locator(".app-choice__label")
        .filter(has=page.locator(".app-choice__word", has_text=re.compile(f"^{re.escape(word)}$")))
    )


def status_line(page):
    return page.locator("[data-save-text]")


def check_scoring_screen(tab, where: str) -> None:
    """Every scoring screen: axe, 19px text, 44px targets, no sideways scrolling, and the
    pictures (labels of invisible radio buttons) much bigger than 44px."""
    check_tablet_page(tab, where)
    labels = screen(tab.page).locator(".app-choice__label")
    for n in range(labels.count()):
        box = labels.nth(n).bounding_box()
        assert box["width"] >= 2 * MIN_TARGET_PX and box["height"] >= 2 * MIN_TARGET_PX, (
            f"picture #{n} on {where} is only {box['width']:.0f}×{box['height']:.0f}px"
        )


def saving(page):
    """Wait for the answer that the next action gives to reach the server."""
    return page.expect_response(
        lambda answer: answer.request.method == "PUT" and answer.url.endswith("/scoresheet")
    )


def answer_a_question(tab, number: int, word: str, *, online: bool = True) -> None:
    page = tab.page
    prompt = QUALITIES[number - 1][2]
    expect(screen(page).get_by_role("heading", name=prompt)).to_be_visible()
    expect(screen(page)).to_contain_text(f"Question {number} of 4")
    check_scoring_screen(tab, f"question {number}")
    if online:
        with saving(page):
            picture(page, word).tap()
        expect(status_line(page)).to_have_text("All your answers are saved")
    else:
        picture(page, word).tap()
    expect(screen(page).get_by_role("radio", name=word, exact=True)).to_be_checked()
    page.get_by_role("button", name="Next").tap()


def goes_to_candidate_a(tab) -> None:
    page = tab.page
    page.get_by_role("link", name="Score the people you meet").tap()
    expect(page.get_by_role("heading", name="The people you meet today")).to_be_visible()
    check_tablet_page(tab, "the list of people to score")
    page.get_by_role("link", name="Start for Candidate A").tap()
    expect(page.get_by_text("Now interviewing: Candidate A")).to_be_visible()


# --- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "viewport", [PORTRAIT, LANDSCAPE], ids=["portrait-768x1024", "landscape-1024x768"]
)
def test_a_person_supported_scores_a_candidate_by_touch(open_tab, live, day, viewport):
    portrait = viewport == PORTRAIT
    suffix = "" if portrait else "-landscape"
    tab = open_tab(viewport, touch=True)
    page = tab.page
    key = lead_opens_and_hands_over(tab, day.lead, [day.jo, day.amir])
    tab.check("the names page, handed over")
    signs_in_on_the_tablet(tab, key, day.jo)
    goes_to_candidate_a(tab)

    # Question 1: the quality in easy-read words with its symbol; three faces and "not sure".
    expect(status_line(page)).to_have_text("All your answers are saved")
    check_scoring_screen(tab, "question 1")
    assert_big_targets(screen(page).locator(".app-choice__label"), "picture", 4)
    expect(screen(page).locator(".app-choice__word")).to_have_text(
        ["No", "A bit", "Yes", "Not sure"]
    )
    expect(screen(page).locator(".app-question__symbol")).to_have_text("😊")
    assert_in_view_without_scrolling(page, page.get_by_role("button", name="Next"), "Next")
    assert_read_aloud_works(
        tab,
        "Was this person kind? Choose No, A bit, Yes. Or choose Not sure.",
        screen(page).get_by_role("button", name="Read it to me"),
    )
    assert_read_aloud_works(tab, "A bit", page.get_by_role("button", name="Read “A bit” to me"))
    tab.screenshot(f"scoring-question{suffix}")
    with saving(page):
        picture(page, "Yes").tap()
    expect(status_line(page)).to_have_text("All your answers are saved")
    if portrait:
        tab.screenshot("scoring-question-chosen")
    assert saved(live, day, day.jo, day.a)["scores"] == [3, "missing", "missing"]
    page.get_by_role("button", name="Next").tap()

    # Question 2, then back to question 1 to change the answer, then on.
    expect(
        screen(page).get_by_role("heading", name="Did this person listen to you?")
    ).to_be_visible()
    picture(page, "A bit").tap()
    page.get_by_role("button", name="Back").tap()
    expect(screen(page).get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    picture(page, "No").tap()
    page.get_by_role("button", name="Next").tap()
    expect(screen(page).get_by_role("radio", name="A bit", exact=True)).to_be_checked()
    check_scoring_screen(tab, "question 2")
    page.get_by_role("button", name="Next").tap()
    answer_a_question(tab, 3, "Not sure")

    # Would you like this person to support you?
    expect(
        screen(page).get_by_role("heading", name="Would you like this person to support you?")
    ).to_be_visible()
    check_scoring_screen(tab, "would you like this person to support you")
    picture(page, "Yes").tap()
    page.get_by_role("button", name="Next").tap()

    # Anything else? (typed, or left for the supporter to type)
    box = page.get_by_label("Is there anything else you want to say about Candidate A?")
    expect(box).to_be_visible()
    check_scoring_screen(tab, "the comment")
    box.tap()
    box.fill("Smiled at me")
    with saving(page):
        page.get_by_role("button", name="Next").tap()

    # The summary: every answer, with its picture and word.
    expect(page.get_by_role("heading", name="Check your answers for Candidate A")).to_be_visible()
    summary = page.locator("[data-summary-value]")
    expect(summary).to_have_text(["No", "A bit", "Not sure", "Yes", "Smiled at me"])
    expect(status_line(page)).to_have_text("All your answers are saved")
    check_scoring_screen(tab, "the summary")
    assert_read_aloud_works(
        tab,
        "Check your answers. Was this person kind? No. Did this person listen to you? A bit. "
        "Does this person like music? Not sure. Would you like this person to support you? Yes. "
        "Anything else you said: Smiled at me.",
        screen(page).get_by_role("button", name="Read it to me"),
    )
    tab.screenshot(f"scoring-summary{suffix}")
    assert saved(live, day, day.jo, day.a) == {
        "status": "draft",
        "scores": [1, 2, None],
        "would_work_with": "yes",
        "comment": "Smiled at me",
    }
    page.get_by_role("button", name="Send my scores").tap()

    expect(page.get_by_role("heading", name="Your scores for Candidate A are sent")).to_be_visible()
    check_tablet_page(tab, "the scores-sent page")
    if portrait:
        tab.screenshot("scoring-sent")
    assert saved(live, day, day.jo, day.a)["status"] == "submitted"
    if portrait:
        # Final now: a change needs a reason, given in a small form on the same page.
        page.get_by_text("I need to change my answers").tap()
        change = page.locator(".app-change__form")
        expect(change).to_be_visible()
        check_tablet_page(tab, "the change-my-answers form")
        tab.screenshot("scoring-change")
        change.locator("fieldset").first.locator(".app-choice__label", has_text="Yes").tap()
        change.get_by_label("Why do you want to change your answers?").fill("I pressed No")
        change.get_by_role("button", name="Send my changes").tap()
        expect(page.get_by_text("Your changes have been saved, with your reason.")).to_be_visible()
        check_tablet_page(tab, "the scores-sent page, changed")
        assert saved(live, day, day.jo, day.a)["scores"] == [3, 2, None]
    page.get_by_role("link", name="Back to the people you meet").tap()
    expect(page.locator(".app-score-item").first).to_contain_text("Sent")
    expect(page.locator(".app-score-item").last).to_contain_text("Not started")
    check_tablet_page(tab, "the list after sending")
    if portrait:
        tab.screenshot("scoring-list")


def tab_to(page, target, what: str, limit: int = 40) -> None:
    """Press Tab until `target` has the focus, as a keyboard or switch user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            assert page.evaluate(FOCUS_IS_VISIBLE), f"{what} has no visible focus indicator"
            return
    raise AssertionError(f"{what} could not be reached with the Tab key")


def test_a_person_supported_scores_with_the_keyboard_or_a_switch_only(open_tab, live, day):
    """Tab moves through every picture, one by one (as a switch sends Tab), and Enter or
    Space chooses; nothing needs a mouse, a touch or the arrow keys."""
    key = open_tablet_for(live, day, day.jo, day.amir)
    tab = open_tab(LANDSCAPE)
    page = tab.page
    keyboard = page.keyboard
    page.goto(f"/tablet/{key}")
    check_tablet_page(tab, "the tablet's names page")
    tab_to(page, page.get_by_role("link", name="Jo Jones"), "Jo's name")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Type your PIN")).to_be_visible()
    tab.check("the PIN page")
    tab_to(page, page.get_by_label("Type your PIN"), "the PIN box")
    keyboard.type(day.jo.pin)
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Jo Jones")).to_be_visible()
    tab.check("Jo's home page")
    tab_to(page, page.get_by_role("link", name="Score the people you meet"), "Score")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The people you meet today")).to_be_visible()
    tab.check("the list")
    tab_to(page, page.get_by_role("link", name="Start for Candidate A"), "Start")
    keyboard.press("Enter")

    for number, (word, press) in enumerate(
        [("Yes", "Enter"), ("A bit", "Space"), ("Not sure", "Enter")], start=1
    ):
        expect(screen(page)).to_contain_text(f"Question {number} of 4")
        check_scoring_screen(tab, f"question {number}")
        choice = screen(page).get_by_role("radio", name=word, exact=True)
        tab_to(page, choice, f"the picture “{word}”")
        keyboard.press(press)
        expect(choice).to_be_checked()
        tab_to(page, page.get_by_role("button", name="Next"), "Next")
        keyboard.press("Enter")

    expect(screen(page)).to_contain_text("Question 4 of 4")
    # Back with Shift+Tab too: from "Yes" to "No", through the "read it to me" buttons.
    yes = screen(page).get_by_role("radio", name="Yes", exact=True)
    tab_to(page, yes, "Yes")
    for _ in range(4):
        keyboard.press("Shift+Tab")
    expect(screen(page).get_by_role("radio", name="No", exact=True)).to_be_focused()
    keyboard.press("Enter")
    expect(screen(page).get_by_role("radio", name="No", exact=True)).to_be_checked()
    check_scoring_screen(tab, "would you like this person to support you")
    tab_to(page, page.get_by_role("button", name="Next"), "Next")
    keyboard.press("Enter")

    comment = page.get_by_label("Is there anything else you want to say about Candidate A?")
    tab_to(page, comment, "the comment box")
    keyboard.type("Talked to me, not to staff")
    tab_to(page, page.get_by_role("button", name="Next"), "Next")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your answers for Candidate A")).to_be_visible()
    check_scoring_screen(tab, "the summary")
    expect(status_line(page)).to_have_text("All your answers are saved")
    tab_to(page, page.get_by_role("button", name="Send my scores"), "Send my scores")
    keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your scores for Candidate A are sent")).to_be_visible()
    tab.check("the scores-sent page")
    assert saved(live, day, day.jo, day.a) == {
        "status": "submitted",
        "scores": [3, 2, None],
        "would_work_with": "no",
        "comment": "Talked to me, not to staff",
    }


def test_answers_given_offline_are_sent_once_when_the_wifi_returns(open_tab, live, day):
    key = open_tablet_for(live, day, day.jo)
    tab = open_tab(PORTRAIT, touch=True)
    page = tab.page
    signs_in_on_the_tablet(tab, key, day.jo)
    goes_to_candidate_a(tab)
    answers = []  # (Idempotency-Key, status, replayed) of every answer the page received
    page.on(
        "response",
        lambda r: (
            r.request.method == "PUT"
            and answers.append(
                (
                    r.request.headers.get("idempotency-key"),
                    r.status,
                    r.headers.get("idempotent-replayed"),
                )
            )
        ),
    )

    answer_a_question(tab, 1, "Yes")
    page.context.set_offline(True)  # the Wi-Fi drops
    answer_a_question(tab, 2, "A bit", online=False)
    expect(status_line(page)).to_have_text("1 answer waiting to send")
    expect(page.get_by_text("This tablet is not connected to the internet.")).to_be_visible()
    answer_a_question(tab, 3, "No", online=False)
    picture(page, "Yes").tap()
    page.get_by_role("button", name="Next").tap()
    page.get_by_label("Is there anything else you want to say about Candidate A?").fill("Funny")
    page.get_by_role("button", name="Next").tap()
    expect(status_line(page)).to_have_text("4 answers waiting to send")
    expect(page.locator("[data-summary-value]")).to_have_text(
        ["Yes", "A bit", "No", "Yes", "Funny"]
    )
    check_scoring_screen(tab, "the summary, offline")
    tab.screenshot("scoring-waiting")
    assert saved(live, day, day.jo, day.a)["scores"] == [3, "missing", "missing"]

    # Sent while still offline: it waits too, and the page says so.
    page.get_by_role("button", name="Send my scores").tap()
    expect(page.get_by_role("heading", name="Sending your scores for Candidate A")).to_be_visible()
    expect(status_line(page)).to_have_text("5 answers waiting to send")
    check_tablet_page(tab, "sending, offline")

    # The Wi-Fi returns, but the answer to the first request is lost on the way back: the
    # page keeps it and sends it again with the same key; the server replays its answer.
    lost = []

    def lose_the_first_answer(route):
        if not lost:
            lost.append(route.fetch())  # it reaches the server...
            route.abort("connectionreset")  # ...but its answer never reaches the tablet
        else:
            route.continue_()

    page.route("**/api/v1/candidates/*/scoresheet", lose_the_first_answer)
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name="Your scores for Candidate A are sent")).to_be_visible(
        timeout=20_000
    )
    forgive(tab, "net::ERR_CONNECTION_RESET")
    check_tablet_page(tab, "the scores-sent page")
    assert lost and lost[0].status == 200

    assert saved(live, day, day.jo, day.a) == {
        "status": "submitted",
        "scores": [3, 2, 1],
        "would_work_with": "yes",
        "comment": "Funny",
    }
    # Every answer was applied once: six requests (one per answer, and Send), each with its
    # own key; the one whose answer was lost was replayed, not applied again.
    keys = [key for key, _, _ in answers]
    assert len(set(keys)) == 6 and all(status == 200 for _, status, _ in answers)
    assert [replayed for _, _, replayed in answers].count("true") == 1
    with live.app.app_context():
        records = db.session.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == day.jo.id)
        ).all()
        assert sorted(r.key for r in records) == sorted(set(keys))
        assert {(r.state, r.response_status) for r in records} == {("done", 200)}
        actions = db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.action.like("scoresheet.%"))
        ).all()
        assert actions == ["scoresheet.submitted"]
        db.session.remove()


def test_answers_wait_for_the_same_person_to_sign_in_again(open_tab, live, day):
    """Signed out in the middle (the session is lost): the answers stay on the tablet, are
    never sent as the next person who signs in, and go once the same person is back."""
    key = open_tablet_for(live, day, day.jo, day.amir)
    tab = open_tab(PORTRAIT, touch=True)
    page = tab.page
    signs_in_on_the_tablet(tab, key, day.jo)
    goes_to_candidate_a(tab)
    answer_a_question(tab, 1, "Yes")

    page.context.clear_cookies()  # the sign-in is lost
    with page.expect_response(lambda answer: answer.status == 401):
        picture(page, "No").tap()
    expect(status_line(page)).to_have_text("1 answer waiting to send")
    forgive(tab, "status of 401")
    sign_in_again = page.locator("[data-sign-in-again]")
    expect(sign_in_again).to_contain_text("You need to sign in again to send your answers.")
    check_scoring_screen(tab, "question 2, signed out")
    tab.screenshot("scoring-sign-in-again")
    page.get_by_role("button", name="Next").tap()
    with page.expect_response(lambda answer: answer.status == 401):
        picture(page, "Not sure").tap()
    expect(status_line(page)).to_have_text("2 answers waiting to send")
    forgive(tab, "status of 401")
    check_scoring_screen(tab, "question 3, signed out")

    # Amir signs in on the same tablet: Jo's answers are not his, and are not sent.
    sign_in_again.get_by_role("link", name="Sign in again").tap()
    expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    tab.check("the names page")
    signs_in_on_the_tablet(tab, key, day.amir)
    page.get_by_role("link", name="Score the people you meet").tap()
    expect(page.get_by_role("heading", name="The people you meet today")).to_be_visible()
    expect(page.locator(".app-save__status--saved")).to_have_text("All your answers are saved")
    expect(page.locator(".app-score-item").last).to_contain_text("You do not score this person")
    check_tablet_page(tab, "Amir's list")
    assert saved(live, day, day.amir, day.a) is None
    assert saved(live, day, day.jo, day.a)["scores"] == [3, "missing", "missing"]
    page.get_by_role("button", name="Sign out").tap()
    expect(page.get_by_role("heading", name="Who are you?")).to_be_visible()
    tab.check("the names page")

    # Jo again: what waited is sent, in order.
    signs_in_on_the_tablet(tab, key, day.jo)
    page.get_by_role("link", name="Score the people you meet").tap()
    expect(page.locator(".app-score-item").first).to_contain_text("Started, not sent yet")
    eventually(lambda: saved(live, day, day.jo, day.a)["scores"] == [3, 1, None])
    expect(page.locator(".app-save__status--saved")).to_have_text("All your answers are saved")
    check_tablet_page(tab, "Jo's list, everything sent")


def test_the_lead_watches_who_has_sent_and_reminds(open_tab, live, day):
    from recruit.candidates.models import Candidate
    from recruit.scoring.operations import save_scoresheet
    from recruit.vacancies.models import Vacancy

    tab = open_tab(LANDSCAPE)
    page = tab.page
    page.clock.install()
    signs_in_with_password(tab, day.lead)
    page.goto(f"/vacancies/{day.vacancy_id}/scoring/status")
    expect(page.get_by_role("heading", name="Who has sent their scores")).to_be_visible()
    tab.check("the lead's view of the day")
    jo_a = page.locator(f'[data-cell="{day.jo.id}-{day.a}"]')
    expect(jo_a).to_have_text("Not started")
    expect(page.locator(f'[data-cell="{day.amir.id}-{day.b}"]')).to_have_text(
        "Does not score (conflict)"
    )

    with live.app.app_context():  # Jo sends her scores for Candidate A on her tablet
        save_scoresheet(
            db.session.get(User, day.jo.id),
            db.session.get(Candidate, day.a),
            db.session.get(Vacancy, day.vacancy_id),
            scores=[{"quality_id": q, "value": 3} for q in day.qualities],
            submit=True,
        )
        db.session.commit()
        db.session.remove()
    page.clock.run_for(15_000)  # the page checks again every 15 seconds
    expect(jo_a).to_have_text("Sent")
    expect(page.locator(f'[data-candidate-count="{day.a}"]')).to_have_text("1 of 4 sent")
    expect(page.locator("[data-status-news]")).to_have_text(
        "Jo Jones has sent scores for Candidate A."
    )
    tab.check("the lead's view, refreshed")
    tab.screenshot("scoring-lead-view")

    page.get_by_role("button", name="Remind Sam Shah").click()
    expect(page.get_by_text("Reminder sent to Sam Shah.")).to_be_visible()
    tab.check("the lead's view after a reminder")
    with live.app.app_context():
        from recruit.core.outbox import OutboxMessage

        sent = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.task == "email.send")
        ).all()
        reminders = [
            e.payload for e in sent if e.payload["subject"].startswith("Reminder: please send")
        ]
        assert [e["to"] for e in reminders] == ["sam@example.org"]
        assert "Candidate A, Candidate B" in reminders[0]["body"]
        db.session.remove()

    # The lead scores too: staff get the same page, denser, on their panel's 5-point scale.
    page.goto(f"/candidates/{day.a}/score")
    expect(page.get_by_role("heading", name="Score Candidate A")).to_be_visible()
    fieldsets = page.locator(".app-step:not([hidden]) fieldset")
    expect(fieldsets).to_have_count(3)  # every quality on one screen
    expect(fieldsets.first.locator(".app-choice__word")).to_have_text(
        ["No", "Not really", "A bit", "Mostly", "Yes, a lot", "Not sure"]
    )
    with saving(page):
        fieldsets.first.get_by_text("Yes, a lot").click()
    expect(status_line(page)).to_have_text("All your answers are saved")
    tab.check("the staff scoring screen")
    tab.screenshot("scoring-staff")
    assert saved(live, day, day.lead, day.a)["scores"] == [5, "missing", "missing"]
