"""The decision page, releasing results, the override rule in the page, and "you said, we did"."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape

from flask import render_template
from sqlalchemy import select

from recruit.core.outbox import OutboxMessage
from recruit.extensions import db
from tests.conftest import csrf_from
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in, tablet_sign_in


def scored_day(api, make_user, app) -> Day:
    world = World(api, make_user)
    with app.app_context():
        from recruit.people.models import User

        for who in ("ps", "staff"):
            db.session.get(User, world.id(who)).email = f"{who}@example.org"
        db.session.commit()
    day = Day(world)
    day.put("ps", day.a, day.body((3, 2), submit=True, comment="Really listened"))
    day.put("ps2", day.a, day.body((2, None), submit=True))
    day.put("lead", day.a, day.body((5, 4), submit=True))
    day.put("staff", day.a, day.body((3, 3), submit=True))
    day.put("ps", day.b, day.body((1, 1), submit=True, would_work_with="no"))
    day.put("lead", day.b, day.body((5, 5), submit=True))
    return day


def test_the_decision_page_shows_the_weighting(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    assert page.status_code == 200
    text = page.text
    assert text.index("Rank 1: Candidate A") < text.index("Rank 2: Candidate B")
    assert "65.63 out of 100" in text and "31.25" in text and "34.38" in text
    assert 'role="img"' in text and "overall 65.6 out of 100" in text
    assert "People supported preferred someone else" in text
    assert "said “no” to being supported" in text
    assert "Really listened" in text
    assert "Ann" not in text  # panels see aliases, even the lead
    for who in ("staff", "outsider"):
        password_sign_in(client, day.world, who)
        assert client.get(f"/vacancies/{day.vacancy_id}/decision").status_code == 403
    tablet_sign_in(client, day.world, "ps")
    assert client.get(f"/vacancies/{day.vacancy_id}/decision").status_code == 403


def test_the_override_rule_holds_in_the_page(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    day.world.move(day.vacancy_id, "deciding")
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    token = csrf_from(page.text)
    refused = client.post(
        f"/vacancies/{day.vacancy_id}/decision",
        data={
            "csrf_token": token,
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Experienced",
        },
    )
    shown = client.get(refused.headers["Location"]).text
    assert "The decision was not saved" in shown and "override reason" in shown
    client.post(
        f"/vacancies/{day.vacancy_id}/decision",
        data={
            "csrf_token": token,
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Experienced",
            "override_reason": "Only B can drive the minibus",
        },
    )
    client.post(
        f"/vacancies/{day.vacancy_id}/decision",
        data={
            "csrf_token": token,
            "candidate_id": day.a,
            "outcome": "reserve",
            "rationale": "Close second",
        },
    )
    page = client.get(f"/vacancies/{day.vacancy_id}/decision").text
    assert "Decision: Appoint." in page and "Only B can drive the minibus" in page
    assert day.world.move(day.vacancy_id, "decided").status_code == 200
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        outcome = {
            m.payload["to"]: m.payload
            for m in messages
            if not m.payload["subject"].startswith("Welcome")
        }
    easy = outcome["ps@example.org"]
    assert easy["subject"].startswith("We chose a new")
    assert "We chose: Candidate B" in easy["body"]
    assert "Your panel liked Candidate A best" in easy["body"]
    assert "Only B can drive the minibus" in easy["body"]
    staff = outcome["staff@example.org"]
    assert "Appointed: Candidate B" in staff["body"]


def test_you_said_we_did_for_a_person_supported(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    world = day.world
    world.move(day.vacancy_id, "deciding")
    world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "lead",
        {
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Experienced",
            "override_reason": "Only B can drive the minibus",
        },
    )
    world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "lead",
        {"candidate_id": day.a, "outcome": "not_appointed", "rationale": "Less experience"},
    )
    world.move(day.vacancy_id, "decided")
    tablet_sign_in(client, world, "ps")
    page = client.get(f"/vacancies/{day.vacancy_id}/outcome")
    assert page.status_code == 200
    assert "We chose <strong>Candidate B</strong>" in page.text
    assert re.search(r"50 out of every 100 points", page.text)
    assert "Your panel liked <strong>Candidate A</strong> best" in page.text
    assert "Only B can drive the minibus" in page.text


def test_members_see_results_only_once_released(app, api, client, make_user):
    day = scored_day(api, make_user, app)
    tablet_sign_in(client, day.world, "ps")
    assert client.get(f"/vacancies/{day.vacancy_id}/our-results").status_code == 403
    day.world.move(day.vacancy_id, "deciding")  # results are shared from deciding on
    assert client.get(f"/vacancies/{day.vacancy_id}/our-results").status_code == 403
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    client.post(f"/vacancies/{day.vacancy_id}/release", data={"csrf_token": csrf_from(page.text)})
    tablet_sign_in(client, day.world, "ps")
    shown = client.get(f"/vacancies/{day.vacancy_id}/our-results")
    assert shown.status_code == 200 and "Candidate A: 66 out of 100" in shown.text
    password_sign_in(client, day.world, "outsider")
    assert client.get(f"/vacancies/{day.vacancy_id}/our-results").status_code == 403


# --- empty shares and set-aside sheets ------------------------------------------------------


def empty_share_day(api, make_user, app) -> Day:
    """Both panels weigh 50. For A, the people supported panel has no score: ps sent 100 and
    then said they know A (set aside), ps2 answered "not sure" to everything; staff score A
    100. For B, the people supported panel has sent nothing yet (ps2 knows B); staff 75."""
    world = World(api, make_user)
    with app.app_context():
        from recruit.people.models import User

        for who in ("ps", "ps2", "staff"):
            db.session.get(User, world.id(who)).email = f"{who}@example.org"
        db.session.commit()
    day = Day(world)
    day.put("ps", day.a, day.body((3, 3), submit=True, comment="Known her for years"))
    day.put("ps2", day.a, day.body((None, None), submit=True))
    answer = world.post(
        f"/vacancies/{day.vacancy_id}/declarations",
        "ps",
        {"confidentiality": True, "conflicts": [day.a]},
    )
    assert answer.status_code == 201, answer.get_json()
    for who in ("lead", "staff"):
        day.put(who, day.a, day.body((5, 5), submit=True))
    day.put("lead", day.b, day.body((5, 5), submit=True))
    day.put("staff", day.b, day.body((3, 3), submit=True))
    return day


def words(html: str) -> str:
    """What a page says, without its tags, in single spaces."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def section(page: str, candidate_id: int) -> str:
    """One candidate's part of a results page."""
    start = page.index(f'id="c-{candidate_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else None]


def tags(html: str, name: str, marker: str) -> list[dict[str, str]]:
    """The attributes of every <name ...> tag carrying `marker`."""
    return [
        {k: unescape(v) for k, v in re.findall(r'([\w:-]+)="([^"]*)"', tag)}
        for tag in re.findall(rf"<{name}\b[^>]*>", html)
        if marker in tag
    ]


def test_a_panel_without_a_score_leaves_its_share_of_the_bar_empty(app, api, client, make_user):
    day = empty_share_day(api, make_user, app)
    password_sign_in(client, day.world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    assert page.status_code == 200
    a, b = section(page.text, day.a), section(page.text, day.b)

    # A: staff (50 % of the weight) scored 100 and fill exactly half of the 600-wide bar; the
    # people supported's half is drawn empty, not given to the staff.
    assert "100.00 out of 100" in a
    [filled] = tags(a, "rect", "data-filled")
    assert (filled["x"], filled["width"]) == ("300.00", "300.00")
    [empty] = tags(a, "rect", "data-empty")
    assert (empty["x"], empty["width"], empty["data-empty"]) == ("0.00", "300.00", "not_sure")
    assert empty["fill"] == "url(#app-pattern-empty)" and empty["stroke-dasharray"]
    assert [d["x1"] for d in tags(a, "line", "app-bar__divider")] == ["300.00"]
    [bar] = tags(a, "svg", 'role="img"')
    assert bar["aria-label"].startswith(
        "Candidate A: overall 100.0 out of 100, worked out from staff panel only;"
    )
    assert (
        "people_supported panel, 50% of the weight: all answers were “not sure”, its share "
        "left empty" in bar["aria-label"]
    )
    assert "<title>people_supported panel (50% of the weight): all answers were “not sure”" in a
    assert (
        "Worked out from staff panel only: people_supported panel has no score (all answers "
        "were “not sure”). Its share of the bar is left empty, not given to the other panels."
        in unescape(a)
    )
    assert "A panel sent scores, but every answer was “not sure”" in a  # panel_without_score

    # The table says the same in words, and the set-aside sheet is counted apart, not whose.
    assert re.search(r">\s*all answers were “not sure”\s*</td>", a)
    assert "none: its share is left empty" in a
    assert '1 / 1<br><strong class="app-result__aside">1 set aside: conflict</strong>' in a
    assert "1 scoresheet from people_supported panel was set aside: conflict." in words(a)
    assert "Known her for years" not in a  # a set-aside sheet's comment is never shown

    # B: the people supported panel has sent nothing yet: "no score yet", the same empty half.
    [filled] = tags(b, "rect", "data-filled")
    assert (filled["x"], filled["width"]) == ("300.00", "225.00")
    [empty] = tags(b, "rect", "data-empty")
    assert (empty["x"], empty["width"], empty["data-empty"]) == ("0.00", "300.00", "not_sent")
    assert "<title>people_supported panel (50% of the weight): no score yet</title>" in b
    assert re.search(r">\s*no score yet\s*</td>", b)
    assert "people_supported panel has no score yet (nothing sent)" in b
    assert "Not every panel has sent scores for this person" in b  # incomplete
    assert "set aside" not in b


def test_members_read_the_empty_shares_once_released(app, api, client, make_user):
    day = empty_share_day(api, make_user, app)
    day.world.move(day.vacancy_id, "deciding")
    assert day.world.post(f"/vacancies/{day.vacancy_id}/release", "lead").status_code == 200
    tablet_sign_in(client, day.world, "ps2")
    shown = client.get(f"/vacancies/{day.vacancy_id}/our-results")
    assert shown.status_code == 200
    text = words(shown.text)
    assert "Candidate A: 100 out of 100" in text
    assert "people_supported panel: all answers were “not sure”. Its share is left empty." in text
    assert "people_supported panel: no score yet. Its share is left empty." in text
    assert "Worked out from staff panel only" in text
    assert shown.text.count('fill="url(#app-pattern-empty)"') == 2 + 3  # 2 bars; key, 2 notes


def test_you_said_we_did_says_when_the_panel_had_no_score(app, api, client, make_user):
    """A is appointed; the people supported panel had no score for A (ps2: all "not sure"; ps's
    sheet set aside), so its share counted for nothing: its members are told so, in easy read,
    on the page and by email."""
    day = empty_share_day(api, make_user, app)
    world = day.world
    world.move(day.vacancy_id, "deciding")
    for candidate, outcome in ((day.a, "appoint"), (day.b, "not_appointed")):
        answer = world.post(
            f"/vacancies/{day.vacancy_id}/decisions",
            "lead",
            {"candidate_id": candidate, "outcome": outcome, "rationale": "Best on the day"},
        )
        assert answer.status_code == 201, answer.get_json()
    assert world.move(day.vacancy_id, "decided").status_code == 200

    tablet_sign_in(client, world, "ps2")
    page = client.get(f"/vacancies/{day.vacancy_id}/outcome")
    assert page.status_code == 200
    text = words(page.text)
    assert "Your panel's scores counted for 50 out of every 100 points." in text
    assert (
        "Your panel did not give Candidate A a score. Everyone else on your panel said “not sure”. "
        "So this time your panel's part counted for nothing. We chose using the other panels' "
        "scores." in text
    )
    assert (
        "1 scoresheet from your panel about Candidate A did not count. The person who filled it "
        "in knows Candidate A." in text
    )
    assert text.index("1 scoresheet from your panel") < text.index("Your panel did not give")
    assert "% of Candidate A's overall score came from your panel" not in text
    spoken = unescape(re.search(r'data-read-aloud="([^"]*)"', page.text).group(1))
    assert "Everyone else on your panel said “not sure”." in spoken

    with app.app_context():
        bodies = {
            m.payload["to"]: m.payload["body"]
            for m in db.session.scalars(select(OutboxMessage)).all()
            if not m.payload["subject"].startswith("Welcome")
        }
        easy = bodies["ps2@example.org"]
        assert "Your panel did not give Candidate A a score." in easy
        assert "1 scoresheet from your panel about Candidate A did not count." in easy
        assert "Your panel liked this person best too." not in easy  # it scored nobody
        assert "no score" not in bodies["staff@example.org"]  # the staff panel scored A

        # Staff on a panel without a score read it in the standard words.
        from recruit.decisions.operations import outcome_for
        from recruit.panels.models import PanelMember
        from recruit.people.models import User
        from recruit.vacancies.models import Vacancy

        vacancy = db.session.get(Vacancy, day.vacancy_id)
        seat = db.session.scalar(
            select(PanelMember).where(
                PanelMember.vacancy_id == day.vacancy_id, PanelMember.user_id == world.id("ps2")
            )
        )
        summary = outcome_for(vacancy, seat)
        assert summary.panel_no_score == [("Candidate A", "not_sure")]
        assert summary.panel_set_aside == [("Candidate A", 1)]
        assert summary.panel_part is None
        with app.test_request_context():
            text, without_aside = (
                render_template(
                    "email/outcome.txt",
                    user=db.session.get(User, world.id("staff")),
                    vacancy=vacancy,
                    summary=said,
                )
                for said in (summary, replace(summary, panel_set_aside=[]))
            )
    assert "every answer on its scoresheets was “not sure”" in without_aside
    assert (
        "Your panel had no score for Candidate A: every answer on its other scoresheets was "
        "“not sure”. Its share counted for nothing, and the decision was made on the other panels' "
        "scores." in text
    )
    assert (
        "1 scoresheet from your panel for Candidate A was set aside: the member who sent it then "
        "said they know Candidate A (a conflict of interest). It is kept, but did not count."
        in text
    )


def test_the_bar_by_hand():
    """Three panels of 40, 20 and 40: each slot as wide as its share of all the weight, filled
    as far as its score; a slot without a score stays as wide, and empty."""
    from recruit.decisions import charts

    assert charts.no_score_reason(submitted=1, expected=2, score=None) == "not_sure"
    assert charts.no_score_reason(submitted=0, expected=2, score=None) == "not_sent"
    assert charts.no_score_reason(submitted=0, expected=0, score=None) == "conflict"
    assert charts.no_score_reason(submitted=0, expected=0, score=0.0) is None
    slots = charts.layout(
        [
            charts.Slot("Residents", 40, None, 0, reason="conflict"),
            charts.Slot("Day centre", 20, 50.0, 1),
            charts.Slot("Staff", 40, 0.0, 2),
        ]
    )
    assert [(s.x, s.width, s.filled) for s in slots] == [
        (0.0, 240.0, 0.0),
        (240.0, 120.0, 60.0),
        (360.0, 240.0, 0.0),
    ]
    assert [s.words for s in slots] == [
        "no score (everyone on it knows this candidate)",
        "score 50.0 out of 100",
        "score 0.0 out of 100",
    ]
    assert charts.note(slots) == (
        "Worked out from Day centre and Staff only: Residents has no score (everyone on it "
        "knows this candidate). Its share of the bar is left empty, not given to the other panels."
    )
    assert charts.note(slots[1:]) is None
    assert charts.and_list(["A", "B", "C"]) == "A, B and C"
