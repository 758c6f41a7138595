"""The first half of a vacancy in a real browser: HR sets it up at a desk, people supported
take part on a tablet by touch, a panel lead reviews their ideas.

Every page visited is checked with axe (no serious or critical problems, no script or CSP
errors); every page a person supported sees is also checked for text of at least 19px and
targets of at least 44×44px, at 768×1024.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from recruit.extensions import db
from tests.browser.conftest import (
    PORTRAIT,
    assert_read_aloud_works,
    check_tablet_page,
    signs_in_on_the_tablet,
    signs_in_with_password,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
SUMMARY = "A job helping people at Oak House. Days and some evenings."


@dataclass
class People:
    hr: object
    lead: object
    sam: object
    jo: object
    amir: object


@pytest.fixture
def people(make_person) -> People:
    return People(
        hr=make_person("hr", "Hana Hughes", password="a-good-password"),
        lead=make_person("panel_lead", "Pat Lead", password="a-good-password"),
        sam=make_person("staff", "Sam Shah", password="a-good-password"),
        jo=make_person("person_supported", "Jo Jones", pin="2468"),
        amir=make_person("person_supported", "Amir Khan", pin="1357"),
    )


@dataclass
class Vacancy:
    id: int
    tablet_key: str
    qualities: dict[str, int]
    candidates: dict[str, int]


def a_vacancy(live, people: People, *, stage: str, ideas=(), applicants=()) -> Vacancy:
    """A vacancy built through the app's own operations, up to `stage`, with a shared tablet
    opened by the lead for Jo and Amir. `ideas` are (who, words, picture) proposals;
    `applicants` are (name, application) pairs, added at shortlisting."""
    from recruit.candidates import operations as candidates
    from recruit.panels import operations as panels
    from recruit.people.models import User
    from recruit.people.operations import open_tablet
    from recruit.qualities import operations as qualities
    from recruit.vacancies import operations as vacancies

    with live.app.app_context():
        user = {name: db.session.get(User, p.id) for name, p in vars(people).items()}
        hr = user["hr"]
        vacancy = vacancies.create_vacancy(
            hr,
            title="Support worker",
            service="Oak House",
            description="Supporting people with daily living, outings and hobbies.",
            easy_read_summary=SUMMARY,
            closes_on=date.today() + timedelta(days=30),
            posts=1,
        )
        ours = panels.create_panel(
            hr, vacancy, name="Residents' panel", kind="people_supported", weight=60, scale=3
        )
        staff = panels.create_panel(
            hr, vacancy, name="Staff panel", kind="staff", weight=40, scale=5
        )
        for name in ("jo", "amir"):
            panels.add_member(hr, ours, vacancy, user_id=user[name].id)
        panels.add_member(hr, staff, vacancy, user_id=user["lead"].id, role="lead")
        vacancies.transition(hr, vacancy, "co_design")
        proposed = {
            words: qualities.propose(user[who], vacancy, text=words, symbol=picture)
            for who, words, picture in ideas
        }
        added = {}
        if stage == "shortlisting":
            for quality in proposed.values():
                qualities.review(user["lead"], quality, vacancy, status="accepted")
            vacancies.transition(hr, vacancy, "shortlisting")
            for name, text in applicants:
                candidate = candidates.add_candidate(hr, vacancy, name=name)
                candidates.set_application(hr, candidate, vacancy, text=text)
                added[name] = candidate.id
        key, _ = open_tablet(user["lead"], "Oak House", [user["jo"].id, user["amir"].id])
        db.session.commit()
        built = Vacancy(vacancy.id, key, {w: q.id for w, q in proposed.items()}, added)
        db.session.remove()
    return built


def banner(page):
    return page.locator(".govuk-notification-banner")


def screenshot(tab, name: str) -> None:
    """A screenshot from the top of the page, nothing focused (a focus ring is not the look)."""
    tab.page.evaluate("document.activeElement && document.activeElement.blur()")
    tab.page.evaluate("window.scrollTo(0, 0)")
    tab.screenshot(name)


def named(visible: str, hidden: str) -> re.Pattern:
    """A control's name: its visible words, then words for screen readers only (which the
    browser may set off with a space, as they are positioned out of the flow)."""
    return re.compile(rf"^{re.escape(visible)}\s*{re.escape(hidden)}$")


# --- HR, at a desk -----------------------------------------------------------------------------


def add_a_panel(tab, name: str, kind: str, weight: str, scale: str, share_said: str) -> None:
    page = tab.page
    page.get_by_role("link", name="Add a panel").click()
    expect(page.get_by_role("heading", name="Add a panel")).to_be_visible()
    tab.check("the add-a-panel form")
    page.get_by_label("Panel name").fill(name)
    page.get_by_role("radio", name=kind, exact=True).check()
    page.get_by_label("Weight").fill(weight)
    # While the weight is typed, the page says what share of 100% it gives.
    expect(page.locator("[data-share-preview]")).to_have_text(share_said)
    page.get_by_role("radio", name=scale).check()
    page.get_by_role("button", name="Save the panel").click()
    expect(banner(page)).to_contain_text("The panel has been added.")
    tab.check(f"the panels page with {name}")


def add_a_member(tab, panel: str, person: str, *, lead=False, supporter=None) -> None:
    page = tab.page
    page.get_by_role("link", name=named("Add a person", f" to {panel}")).click()
    expect(page.get_by_role("heading", name=f"Add a person to {panel}")).to_be_visible()
    tab.check("the add-a-person form")
    page.get_by_label("Person", exact=True).select_option(label=person)
    page.get_by_role("radio", name=re.compile("^Lead" if lead else "^Member")).check()
    if supporter:
        page.get_by_label("Supporter (optional, for a person supported)").select_option(
            label=supporter
        )
    page.get_by_role("button", name="Add to the panel").click()
    expect(banner(page)).to_contain_text("The person has been added to the panel.")
    tab.check(f"the panels page after adding {person}")


def test_hr_creates_a_vacancy_with_two_panels_and_sees_their_shares(open_tab, people):
    tab = open_tab(DESKTOP)
    page = tab.page
    signs_in_with_password(tab, people.hr)

    page.get_by_role("link", name="All vacancies").click()
    expect(page.get_by_role("heading", name="Vacancies", exact=True)).to_be_visible()
    tab.check("the empty dashboard")
    page.get_by_role("link", name="Create a vacancy").click()
    expect(page.get_by_role("heading", name="Create a vacancy")).to_be_visible()
    tab.check("the new vacancy form")
    closes = date.today() + timedelta(days=40)
    page.get_by_label("Job title").fill("Support worker")
    page.get_by_label("Service").fill("Oak House")
    page.get_by_label("Description").fill("Days and some evenings.\nDriving licence helps.")
    page.get_by_label("Easy-read summary").fill(SUMMARY)
    closing = page.get_by_role("group", name="Closing date")
    closing.get_by_label("Day").fill(str(closes.day))
    closing.get_by_label("Month").fill(str(closes.month))
    closing.get_by_label("Year").fill(str(closes.year))
    page.get_by_label("Number of posts").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(banner(page)).to_contain_text("has been created as a draft")
    expect(page.get_by_role("heading", name="Support worker")).to_contain_text("Draft")
    expect(page.locator(".govuk-summary-list")).to_contain_text(closes.strftime("%-d %B %Y"))
    tab.check("the new vacancy's overview")

    nav = page.get_by_role("navigation", name="This vacancy")
    nav.get_by_role("link", name="Panels").click()
    expect(nav.get_by_role("link", name="Panels")).to_have_attribute("aria-current", "page")
    tab.check("the panels page, no panels yet")
    add_a_panel(
        tab,
        "Residents' panel",
        "People supported",
        "60",
        "3 faces (easy to use)",
        "This is the only panel so far, so it has 100% of the decision.",
    )
    add_a_panel(
        tab,
        "Staff panel",
        "Staff",
        "40",
        "5 points",
        "With this weight, this panel has 40.0% of the decision and the other panels have 60.0%.",
    )
    add_a_member(tab, "Residents' panel", "Jo Jones (Person supported)", supporter="Sam Shah")
    add_a_member(tab, "Staff panel", "Pat Lead (Panel lead)", lead=True)

    # The weights as shares of 100%, in a table and beside each panel.
    shares = page.get_by_role("table", name="Each panel's share of the decision")
    expect(shares.get_by_role("row", name=re.compile("^Residents' panel"))).to_contain_text("60.0%")
    expect(shares.get_by_role("row", name=re.compile("^Staff panel"))).to_contain_text("40.0%")
    expect(shares.get_by_role("row", name=re.compile("^All panels"))).to_contain_text("100%")
    expect(page.get_by_text("People supported panels have 60.0% of the decision")).to_be_visible()
    residents = page.get_by_role("region", name="Residents' panel")
    expect(residents).to_contain_text("Share of the decision 60.0%")
    members = residents.get_by_role("table", name="Members of Residents' panel")
    expect(members.get_by_role("row", name=re.compile("Jo Jones"))).to_contain_text("Sam Shah")
    expect(members.get_by_role("row")).to_have_count(2)  # the header and Jo
    staff = page.get_by_role("region", name="Staff panel")
    expect(staff.get_by_role("row", name=re.compile("Pat Lead"))).to_contain_text("Lead")
    screenshot(tab, "vacancy-panels")

    # The rest of the vacancy's pages, each checked.
    page.goto("/vacancies")
    expect(page.get_by_role("heading", name=re.compile("^Draft"))).to_be_visible()
    tab.check("the dashboard")
    page.get_by_role("link", name="Support worker").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("60.0%")
    tab.check("the overview")
    for link, heading in [
        ("Candidates", "Candidates"),
        ("Interviews", "Interviews"),
        ("History", "History of changes"),
    ]:
        nav.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(nav.get_by_role("link", name=link)).to_have_attribute("aria-current", "page")
        tab.check(f"the {link.lower()} page")
    history = page.get_by_role("table", name="Changes, newest first")
    expect(history).to_contain_text("vacancy.created")
    expect(history).to_contain_text("panel.member_added")


# --- a person supported, on a tablet -----------------------------------------------------------


def test_a_person_supported_suggests_and_votes_on_a_tablet_by_touch(open_tab, live, people):
    vacancy = a_vacancy(live, people, stage="co_design", ideas=[("amir", "Listens to me", "👂")])
    tab = open_tab(PORTRAIT, touch=True)
    page = tab.page
    signs_in_on_the_tablet(tab, vacancy.tablet_key, people.jo)

    # From their home page to their vacancy, and to what they can do there.
    page.get_by_role("link", name="Support worker, Oak House").tap()
    expect(page.get_by_role("heading", name="Support worker")).to_be_visible()
    check_tablet_page(tab, "the vacancy's overview for Jo")
    assert_read_aloud_works(tab, f"Support worker, Oak House. {SUMMARY}")
    page.get_by_role("link", name=re.compile("^Say what they should be like")).tap()
    expect(
        page.get_by_role("heading", name=re.compile("What should the new staff member be like"))
    ).to_be_visible()
    check_tablet_page(tab, "the qualities page for Jo")

    # Their own idea, in their own words, with a picture: typed on the tablet's keyboard.
    page.get_by_label("What should the new staff member be like?").tap()
    page.keyboard.type("Likes football")
    sport = page.get_by_role("radio", name="Sport")
    sport.tap()
    expect(sport).to_be_checked()
    page.get_by_role("button", name="Add my idea").tap()
    expect(banner(page)).to_contain_text("Thank you. Your idea has been added.")
    check_tablet_page(tab, "the qualities page after Jo's idea")
    mine = page.locator(".app-quality", has_text="Likes football")
    expect(mine.locator(".app-quality__symbol")).to_have_text("⚽")
    expect(mine).to_contain_text("Your idea.")
    expect(mine).to_contain_text("0 people like this.")

    # "I like this" for Amir's idea.
    theirs = page.locator(".app-quality", has_text="Listens to me")
    expect(theirs).to_contain_text("Idea from Amir Khan.")
    page.get_by_role("button", name=named("I like this", ": Listens to me")).tap()
    expect(banner(page)).to_contain_text("You like “Listens to me”.")
    check_tablet_page(tab, "the qualities page after Jo's vote")
    expect(theirs).to_contain_text("You like this")
    expect(theirs).to_contain_text("1 person likes this.")
    expect(theirs.get_by_role("button", name=re.compile("I like this"))).to_have_count(0)

    # "Read it to me" says the idea's own words.
    assert_read_aloud_works(
        tab,
        "Listens to me. Idea from Amir Khan. 1 person likes this.",
        button=page.get_by_role("button", name=named("Read it to me", ": Listens to me")),
    )
    assert_read_aloud_works(
        tab,
        "Likes football. This is your idea. 0 people like this.",
        button=page.get_by_role("button", name=named("Read it to me", ": Likes football")),
    )
    screenshot(tab, "co-design-tablet")


def test_a_person_supported_declares_and_says_who_to_meet_on_a_tablet(open_tab, live, people):
    vacancy = a_vacancy(
        live,
        people,
        stage="shortlisting",
        ideas=[("jo", "Kind", "😊")],
        applicants=[
            (
                "Alex Morgan",
                "I have cared for my grandmother.\nI volunteer at a day centre.\n\n"
                "Call me on 07700 900123.",
            ),
            ("Priya Patel", "Five years as a support worker."),
        ],
    )
    alex = vacancy.candidates["Alex Morgan"]
    tab = open_tab(PORTRAIT, touch=True)
    page = tab.page
    signs_in_on_the_tablet(tab, vacancy.tablet_key, people.jo)

    page.get_by_role("link", name=re.compile("^Before you meet the people")).tap()
    expect(page.get_by_role("heading", name="Before you meet the people")).to_be_visible()
    check_tablet_page(tab, "the easy-read declaration")
    assert_read_aloud_works(
        tab,
        "You will see information about people who want this job. This information is "
        "private. Do not tell other people about it. If you know one of the people, tell us. "
        "You will not score that person. That is fine.",
    )
    page.get_by_role("checkbox", name="I will keep this private").tap()
    page.get_by_role("checkbox", name="Candidate B").tap()  # Jo knows Priya
    screenshot(tab, "declaration-tablet")
    page.get_by_role("button", name="Save").tap()

    # Straight on to the people: aliases and redacted applications, never names or numbers.
    expect(page.get_by_role("heading", name="The people who want this job")).to_be_visible()
    expect(banner(page)).to_contain_text("Thank you. You can now see the candidates.")
    check_tablet_page(tab, "the candidates page for Jo")
    main = page.get_by_role("main")
    for secret in ("Alex", "Morgan", "Priya", "Patel", "07700"):
        expect(main).not_to_contain_text(secret)
    first = page.locator(f"#candidate-{alex}")
    expect(first.get_by_role("heading")).to_have_text("Candidate A")
    application = first.locator(".app-application")
    assert application.evaluate("element => getComputedStyle(element).whiteSpace") == "pre-line"
    assert "grandmother.\nI volunteer" in application.inner_text()
    second = page.locator(".app-candidate", has_text="Candidate B")
    expect(second).to_contain_text("You said you know this person")
    expect(second.get_by_role("radio")).to_have_count(0)

    yes = first.get_by_role("radio", name="Yes")
    yes.tap()
    expect(yes).to_be_checked()
    page.get_by_role("button", name=named("Save my answer", " for Candidate A")).tap()
    expect(banner(page)).to_contain_text("Your answer for Candidate A is saved.")
    check_tablet_page(tab, "the candidates page after Jo's answer")
    expect(first.get_by_role("radio", name="Yes")).to_be_checked()
    expect(first).to_contain_text("You said: Yes.")
    screenshot(tab, "candidates-tablet")


# --- the lead declines, the person sees why ----------------------------------------------------


def test_a_lead_declines_a_person_supporteds_idea_and_they_see_why(open_tab, live, people):
    idea = "Takes me swimming every day"
    reason = "We cannot promise every day. Swimming is in the job description."
    vacancy = a_vacancy(live, people, stage="co_design", ideas=[("jo", idea, "🌳")])
    lead_tab = open_tab(DESKTOP)
    page = lead_tab.page
    signs_in_with_password(lead_tab, people.lead)
    page.get_by_role("link", name=re.compile("^Suggest and vote on qualities")).click()
    expect(page.get_by_role("heading", name=re.compile("^Qualities"))).to_be_visible()
    lead_tab.check("the lead's qualities page")

    card = page.locator(".app-quality", has_text=idea)
    card.locator("summary").click()
    card.get_by_role("button", name=named("Decline", f" {idea}")).click()  # no reason: refused
    expect(banner(page)).to_contain_text(f"“{idea}” was not changed.")
    expect(banner(page)).to_contain_text("the person who suggested this quality will see")
    lead_tab.check("the qualities page after a refused decline")

    card.locator("summary").click()
    card.get_by_label("Why not?").fill(reason)
    card.get_by_role("button", name=named("Decline", f" {idea}")).click()
    expect(banner(page)).to_contain_text(f"“{idea}” is now declined.")
    lead_tab.check("the qualities page after declining")
    declined = page.get_by_role("heading", name="Declined (1)")
    expect(declined).to_be_visible()
    expect(page.locator(".app-quality--declined")).to_contain_text(reason)

    tablet = open_tab(PORTRAIT, touch=True)
    signs_in_on_the_tablet(tablet, vacancy.tablet_key, people.jo)
    jo_page = tablet.page
    jo_page.get_by_role("link", name=re.compile("^Say what they should be like")).tap()
    expect(jo_page.get_by_role("heading", name="Ideas we will not use")).to_be_visible()
    check_tablet_page(tablet, "Jo's qualities page with her declined idea")
    mine = jo_page.locator(".app-quality--declined")
    expect(mine).to_contain_text("Why we will not use it")
    expect(mine).to_contain_text(reason)
    expect(mine.get_by_role("button", name=re.compile("I like this"))).to_have_count(0)
    assert_read_aloud_works(
        tablet,
        f"{idea}. This is your idea. 0 people like this. We will not use this idea. {reason}",
        button=mine.get_by_role("button", name=named("Read it to me", f": {idea}")),
    )
    screenshot(tablet, "co-design-declined-tablet")
