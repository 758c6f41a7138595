"""The decision page in a real browser: three panels, their contributions drawn as stacked bars
(colour and pattern) with tables saying the same, axe-clean, and the override rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from recruit.extensions import db
from tests.browser.conftest import signs_in_with_password

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
    assert page.locator("svg.app-bar").first.locator("rect").count() == 4  # background + 3 panels
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
