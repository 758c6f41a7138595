"""The decision page in a real browser: three panels, their contributions drawn as stacked bars
(colour and pattern) with tables saying the same, axe-clean, and the override rule; a panel
without a score leaves its share empty, a set-aside sheet is said, and "you said, we did" tells
the people supported panel that its share counted for nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from recruit.extensions import db
from tests.browser.conftest import (
    PORTRAIT,
    check_tablet_page,
    signs_in_on_the_tablet,
    signs_in_with_password,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


def build_interview_day(app, people) -> int:
    """Three panels score three candidates, through the same operations as the pages."""
    from recruit.candidates import operations as candidates
    from recruit.panels import operations as panels
    from recruit.qualities import operations as qualities
    from recruit.scoring.operations import save_scoresheet
    from recruit.vacancies import operations as vacancies

    with app.app_context():
        from recruit.people.models import User

        u = {name: db.session.get(User, someone.id) for name, someone in people.items()}
        hr = u["hr"]
        vacancy = vacancies.create_vacancy(
            hr,
            title="Support worker",
            service="Oak House",
            description="",
            closes_on=date.today() + timedelta(days=10),
        )
        residents = panels.create_panel(
            hr, vacancy, name="Residents", kind="people_supported", weight=40, scale=3
        )
        day_centre = panels.create_panel(
            hr, vacancy, name="Day centre", kind="people_supported", weight=20, scale=3
        )
        staff = panels.create_panel(hr, vacancy, name="Staff", kind="staff", weight=40, scale=5)
        panels.add_member(hr, residents, vacancy, user_id=u["jo"].id)
        panels.add_member(hr, day_centre, vacancy, user_id=u["amir"].id)
        panels.add_member(hr, staff, vacancy, user_id=u["lead"].id, role="lead")
        vacancies.transition(hr, vacancy, "co_design")
        kind = qualities.propose(u["jo"], vacancy, text="Kind", symbol="😊")
        listens = qualities.propose(u["amir"], vacancy, text="Listens to me", symbol="👂")
        for quality in (kind, listens):
            qualities.review(u["lead"], quality, vacancy, status="accepted")
        vacancies.transition(hr, vacancy, "shortlisting")
        a = candidates.add_candidate(hr, vacancy, name="Ann Smith")
        b = candidates.add_candidate(hr, vacancy, name="Bob Brown")
        c = candidates.add_candidate(hr, vacancy, name="Cy Cole")
        for name in ("jo", "amir", "lead"):
            panels.declare(u[name], vacancy, confidentiality=True, conflicts=[])
        vacancies.transition(hr, vacancy, "interviewing")
        marks = {  # (kind, listens) per member per candidate
            "jo": {a: (3, 3), b: (2, 3), c: (1, 2)},
            "amir": {a: (3, 2), b: (3, 3), c: (1, 1)},
            "lead": {a: (3, 4), b: (5, 5), c: (4, 4)},
        }
        for name, by_candidate in marks.items():
            for candidate, (k, ll) in by_candidate.items():
                save_scoresheet(
                    u[name],
                    candidate,
                    vacancy,
                    submit=True,
                    scores=[
                        {"quality_id": kind.id, "value": k},
                        {"quality_id": listens.id, "value": ll},
                    ],
                    would_work_with="no" if (name, candidate) == ("amir", c) else "yes",
                )
        vacancies.transition(hr, vacancy, "deciding")
        db.session.commit()
        return vacancy.id


def test_the_lead_reads_the_weighting_and_decides(open_tab, live, make_person):
    people = {
        "hr": make_person("hr", "Hana Hughes", password="hana-password"),
        "lead": make_person("panel_lead", "Lee Lewis", password="lee-password"),
        "jo": make_person("person_supported", "Jo Jones", pin="1111"),
        "amir": make_person("person_supported", "Amir Ali", pin="2222"),
    }
    vacancy_id = build_interview_day(live.app, people)
    tab = open_tab(DESKTOP)
    page = tab.page
    signs_in_with_password(tab, people["lead"])
    page.goto(f"/vacancies/{vacancy_id}/decision")
    tab.check("the decision page")
    # A: residents 100, day centre 75, staff 62.5 → (40·100 + 20·75 + 40·62.5)/100 = 80
    # B: residents 75, day centre 100, staff 100 → 90 ; C: residents 25, day centre 0, staff 75 → 40
    headings = page.locator(".app-result h2").all_inner_texts()
    assert [h.split(":")[0] for h in headings] == ["Rank 1", "Rank 2", "Rank 3"]
    assert "Candidate B" in headings[0] and "90.00 out of 100" in headings[0]
    assert "Candidate A" in headings[1] and "80.00 out of 100" in headings[1]
    bars = page.get_by_role("img", name="Candidate B: overall 90.0 out of 100", exact=False)
    expect(bars).to_have_count(1)
    first = page.locator("svg.app-bar").first
    expect(first.locator("rect[data-filled]")).to_have_count(3)  # every panel has a score
    expect(first.locator("rect[data-empty]")).to_have_count(0)
    expect(first.locator("line.app-bar__divider")).to_have_count(2)  # between the 3 shares
    table = page.get_by_role("table", name="How each panel scored Candidate B")
    expect(table).to_contain_text("Day centre")
    expect(table).to_contain_text("20.00")  # day centre: 20·100/100
    tab.screenshot("decision-page")

    # Candidate A is the people supported panels' favourite; appointing B needs a reason.
    section = page.locator(".app-result").first
    section.get_by_label("Appoint", exact=True).check()
    section.get_by_label("Why? Panel members will read this.").fill("Strongest overall")
    section.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("The decision was not saved")).to_be_visible()
    tab.check("the decision page with an error")
    section = page.locator(".app-result").first
    section.get_by_label("Appoint", exact=True).check()
    section.get_by_label("Why? Panel members will read this.").fill("Strongest overall")
    section.get_by_label("why, when people supported said otherwise?", exact=False).fill(
        "Only Candidate B can drive the minibus the residents use"
    )
    section.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Decision saved: Appoint.")).to_be_visible()
    tab.check("the decision page after deciding")


def build_day_with_an_empty_share(app, people) -> dict[str, int]:
    """Residents (Jo, Amir; people supported, 50) and Staff (Lee, the lead; 50) score A, B and C.
    A: Jo sent 100, then said she knows A (set aside); Amir answered "not sure" to everything,
    so Residents have no score for A; Staff 87.5. B: Residents 75, Staff 75. C: Staff 50, and
    Residents have sent nothing for C."""
    from recruit.candidates import operations as candidates
    from recruit.panels import operations as panels
    from recruit.qualities import operations as qualities
    from recruit.scoring.operations import save_scoresheet
    from recruit.vacancies import operations as vacancies

    with app.app_context():
        from recruit.people.models import User

        u = {name: db.session.get(User, someone.id) for name, someone in people.items()}
        hr = u["hr"]
        vacancy = vacancies.create_vacancy(
            hr,
            title="Support worker",
            service="Oak House",
            description="",
            closes_on=date.today() + timedelta(days=10),
        )
        residents = panels.create_panel(
            hr, vacancy, name="Residents", kind="people_supported", weight=50, scale=3
        )
        staff = panels.create_panel(hr, vacancy, name="Staff", kind="staff", weight=50, scale=5)
        panels.add_member(hr, residents, vacancy, user_id=u["jo"].id)
        panels.add_member(hr, residents, vacancy, user_id=u["amir"].id)
        panels.add_member(hr, staff, vacancy, user_id=u["lead"].id, role="lead")
        vacancies.transition(hr, vacancy, "co_design")
        kind = qualities.propose(u["jo"], vacancy, text="Kind", symbol="😊")
        listens = qualities.propose(u["amir"], vacancy, text="Listens to me", symbol="👂")
        for quality in (kind, listens):
            qualities.review(u["lead"], quality, vacancy, status="accepted")
        vacancies.transition(hr, vacancy, "shortlisting")
        a = candidates.add_candidate(hr, vacancy, name="Ann Smith")
        b = candidates.add_candidate(hr, vacancy, name="Bob Brown")
        c = candidates.add_candidate(hr, vacancy, name="Cy Cole")
        for name in ("jo", "amir", "lead"):
            panels.declare(u[name], vacancy, confidentiality=True, conflicts=[])
        vacancies.transition(hr, vacancy, "interviewing")
        marks = {  # (kind, listens) per member per candidate; None: "not sure"
            "jo": {a: (3, 3), b: (3, 2)},
            "amir": {a: (None, None), b: (2, 3)},
            "lead": {a: (5, 4), b: (4, 4), c: (3, 3)},
        }
        for name, by_candidate in marks.items():
            for candidate, (k, ll) in by_candidate.items():
                save_scoresheet(
                    u[name],
                    candidate,
                    vacancy,
                    submit=True,
                    scores=[
                        {"quality_id": kind.id, "value": k},
                        {"quality_id": listens.id, "value": ll},
                    ],
                    would_work_with="yes" if name != "lead" else None,
                )
        panels.declare(u["jo"], vacancy, confidentiality=True, conflicts=[a.id])
        vacancies.transition(hr, vacancy, "deciding")
        db.session.commit()
        ids = {"vacancy": vacancy.id, "a": a.id, "b": b.id, "c": c.id}
        db.session.remove()
        return ids


def test_an_empty_share_and_a_set_aside_sheet_are_said(open_tab, live, make_person):
    people = {
        "hr": make_person("hr", "Hana Hughes", password="hana-password"),
        "lead": make_person("panel_lead", "Lee Lewis", password="lee-password"),
        "jo": make_person("person_supported", "Jo Jones", pin="1111"),
        "amir": make_person("person_supported", "Amir Ali", pin="2222"),
    }
    ids = build_day_with_an_empty_share(live.app, people)
    tab = open_tab(DESKTOP)
    page = tab.page
    signs_in_with_password(tab, people["lead"])
    page.goto(f"/vacancies/{ids['vacancy']}/decision")
    tab.check("the decision page with an empty share")

    a = page.locator(f"#c-{ids['a']}")
    expect(a.get_by_role("heading", level=2)).to_contain_text("Rank 1: Candidate A")
    expect(a.get_by_role("heading", level=2)).to_contain_text("87.50 out of 100")
    bar = a.get_by_role("img", name="Candidate A: overall 87.5 out of 100", exact=False)
    expect(bar).to_have_attribute("aria-label", re.compile("worked out from Staff only"))
    empty, filled = bar.locator("rect[data-empty]"), bar.locator("rect[data-filled]")
    expect(empty).to_have_attribute("data-empty", "not_sure")
    # As drawn on the screen: Residents' half is empty, Staff fill 87.5 % of the other half.
    whole = bar.bounding_box()
    assert abs(empty.bounding_box()["width"] - whole["width"] / 2) <= 2
    assert abs(filled.bounding_box()["x"] - (whole["x"] + whole["width"] / 2)) <= 1
    assert abs(filled.bounding_box()["width"] - whole["width"] / 2 * 0.875) <= 2
    expect(a).to_contain_text("Worked out from Staff only: Residents has no score")
    table = a.get_by_role("table", name="How each panel scored Candidate A")
    expect(table.get_by_role("row", name="Residents")).to_contain_text("all answers were")
    expect(table.get_by_role("row", name="Residents")).to_contain_text("1 set aside: conflict")
    expect(a).to_contain_text("1 scoresheet from Residents was set aside: conflict.")

    c = page.locator(f"#c-{ids['c']}")
    expect(c.locator("rect[data-empty]")).to_have_attribute("data-empty", "not_sent")
    expect(c).to_contain_text("Residents has no score yet (nothing sent)")
    tab.screenshot("decision-empty-share")

    # The lead appoints A against the residents' first choice (B), with a reason.
    from recruit.decisions.operations import record_decision
    from recruit.people.models import User
    from recruit.vacancies import operations as vacancies
    from recruit.vacancies.models import Vacancy

    with live.app.app_context():
        lead = db.session.get(User, people["lead"].id)
        vacancy = db.session.get(Vacancy, ids["vacancy"])
        for key, outcome in (("a", "appoint"), ("b", "reserve"), ("c", "not_appointed")):
            record_decision(
                lead,
                vacancy,
                candidate_id=ids[key],
                outcome=outcome,
                rationale="The strongest interview" if key == "a" else "Not this time",
                override_reason="Only Candidate A can work the night shifts" if key == "a" else "",
            )
        vacancies.transition(lead, vacancy, "decided")
        db.session.commit()
        from recruit.people.operations import open_tablet

        key, _ = open_tablet(lead, "Oak House", [people["amir"].id])
        db.session.commit()
        db.session.remove()

    tablet = open_tab(PORTRAIT, touch=True)
    signs_in_on_the_tablet(tablet, key, people["amir"])
    tablet.page.goto(f"/vacancies/{ids['vacancy']}/outcome")
    check_tablet_page(tablet, "you said, we did: a panel without a score")
    main = tablet.page.locator("main")
    expect(main).to_contain_text("We chose Candidate A")
    expect(main).to_contain_text("Your panel did not give Candidate A a score.")
    expect(main).to_contain_text("Everyone else on your panel said “not sure”.")
    expect(main).to_contain_text("So this time your panel's part counted for nothing.")
    expect(main).to_contain_text("1 scoresheet from your panel about Candidate A did not count.")
    expect(main).to_contain_text("Only Candidate A can work the night shifts")
    tablet.screenshot("outcome-no-score-tablet")
