"""The organisation's figures, each checked against a hand count over a year of history.

The history (built through the same operations as the pages, then moved back in time):

| vacancy | service   | created  | panels (weight)                | appointed | PS choice |
|---------|-----------|----------|--------------------------------|-----------|-----------|
| V1      | Oak House | 300 days | PS 60, staff 40                | Sam       | Sam       |
| V2      | Oak House | 200 days | PS 50, staff 50                | Cy        | Bob       |
| V3      | Elm Court | 150 days | staff 100 (still co-design)    | –         | –         |
| V4      | Elm Court | 100 days | PS 40, PS 30, staff 30         | Dee       | Dee       |
| V5      | Oak House |  60 days | PS 50, mixed 50                | Fay       | Fay       |
| V6      | Oak House |  30 days | PS 50, staff 50                | Hal       | Hal       |
| V7      | Oak House | 400 days | PS 50, staff 50 (before, out)  | Jon       | Jon       |
| V8      | Oak House |  10 days | a draft: never counted         | –         | –         |
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from recruit.core.time import utcnow
from tests.support.history import build_year


def ago(days: int):
    return (utcnow() - timedelta(days=days)).date()


@pytest.fixture
def year(app, make_user):
    return build_year(app, make_user)


def figures_for(app, service=None):
    from recruit.insights.figures import Filters

    return Filters.last_year(utcnow().date(), service)


def test_share_of_vacancies_with_a_people_supported_panel_and_of_the_weight(app, year):
    from recruit.insights.figures import panel_shares, quarter

    with app.app_context():
        shares = panel_shares(figures_for(app))
        # V1..V6 count (V7 is older than a year, V8 a draft); V3 has no people supported panel.
        assert (shares.total.vacancies, shares.total.with_panel) == (6, 5)
        assert round(shares.total.panel_share, 2) == 83.33
        # Weight shares: 60, 50, 0, 70, 50, 50 → 280 / 6
        assert round(shares.total.weight_share, 2) == 46.67
        services = {r.label: r for r in shares.by_service}
        assert sorted(services) == ["Elm Court", "Oak House"]
        assert (services["Oak House"].vacancies, services["Oak House"].with_panel) == (4, 4)
        assert services["Oak House"].weight_share == 52.5  # (60 + 50 + 50 + 50) / 4
        assert (services["Elm Court"].vacancies, services["Elm Court"].with_panel) == (2, 1)
        assert services["Elm Court"].weight_share == 35.0  # (0 + 70) / 2
        expected = defaultdict(list)
        for days, weight in ((300, 60), (200, 50), (150, 0), (100, 70), (60, 50), (30, 50)):
            expected[quarter(ago(days))].append(weight)
        quarters = {r.label: r for r in shares.by_quarter}
        assert sorted(quarters) == sorted(expected)
        for label, weights in expected.items():
            assert quarters[label].vacancies == len(weights)
            assert quarters[label].with_panel == sum(1 for w in weights if w)
            assert quarters[label].weight_share == pytest.approx(sum(weights) / len(weights))

        elm = panel_shares(figures_for(app, "Elm Court"))
        assert [r.label for r in elm.by_service] == ["Elm Court"]
        assert elm.total.vacancies == 2


def test_how_often_the_appointed_was_the_people_supported_first_choice(app, year):
    from recruit.insights.figures import first_choice

    with app.app_context():
        figure = first_choice(figures_for(app))
        assert (figure.first, figure.not_first, figure.no_ranking) == (4, 1, 0)
        assert figure.first_share == 80.0
        [override] = figure.overrides
        assert (override.vacancy_title, override.override_reason) == (
            "V2",
            "Cy can drive the minibus",
        )
        assert "people_supported_preferred_other" in override.flags
        oak = first_choice(figures_for(app, "Oak House"))
        assert (oak.first, oak.not_first) == (3, 1)


def test_whether_interview_scores_predicted_the_check_ins_and_staying(app, year):
    from recruit.insights.figures import MIN_CASES, appointments, predictions

    with app.app_context():
        found = appointments(figures_for(app))
        assert len(found) == 5  # Jon was appointed before the year
        by_name = {a.vacancy_title: a for a in found}
        sam, cy, dee, fay, hal = (by_name[f"V{n}"] for n in (1, 2, 4, 5, 6))
        # Interview scores, by hand (0–100): PS = people supported panels, staff = staff panels.
        assert (sam.people_supported, sam.staff, sam.overall) == (100.0, 75.0, 90.0)
        assert (cy.people_supported, cy.staff, cy.overall) == (50.0, 100.0, 75.0)
        assert cy.preferred_other  # Bob had 75 from the people supported
        assert dee.people_supported == pytest.approx(5500 / 70)  # (40·100 + 30·50) / 70
        assert (dee.staff, dee.overall) == (50.0, 70.0)
        assert (fay.people_supported, fay.staff, fay.overall) == (75.0, None, 81.25)
        assert (hal.people_supported, hal.staff, hal.overall) == (50.0, 75.0, 62.5)
        # Check-ins: 3 → 100, 2 → 50, 1 → 0; "not sure" left out.
        assert [a.co_evaluation for a in (sam, cy, dee, fay, hal)] == [
            100.0,
            25.0,
            75.0,
            50.0,
            50.0,
        ]
        assert fay.co_evaluation_answers == 1
        assert [a.stayed for a in (sam, cy, dee, fay, hal)] == [1.0, 0.0, 1.0, None, 1.0]

        table = {(c.group, c.outcome): c for c in predictions(figures_for(app))}
        ps = table[("people_supported", "co_evaluation")]
        assert ps.cases == 5 and not ps.too_few
        assert round(ps.r, 3) == 0.902
        assert ps.words == "A strong positive link"
        staff = table[("staff", "co_evaluation")]
        assert staff.cases == 4 and staff.too_few  # Fay had no staff panel
        assert round(staff.r, 3) == -0.632
        assert staff.words.endswith("(too few cases to mean anything)")
        overall = table[("overall", "co_evaluation")]
        assert (overall.cases, round(overall.r, 3)) == (5, 0.490)
        stayed = table[("people_supported", "stayed")]
        assert stayed.cases == 4 and stayed.too_few  # Fay's probation was extended
        assert round(stayed.r, 3) == 0.539
        assert (table[("overall", "stayed")].cases, round(table[("overall", "stayed")].r, 3)) == (
            4,
            -0.036,
        )
        assert round(table[("staff", "stayed")].r, 3) == -0.816
        assert MIN_CASES == 5

        elm = {(c.group, c.outcome): c for c in predictions(figures_for(app, "Elm Court"))}
        only_dee = elm[("people_supported", "co_evaluation")]
        assert (only_dee.cases, only_dee.r) == (1, None)
        assert only_dee.words == "Cannot be worked out yet: too few cases."


def test_participation_people_hours_payments_and_who_came_back(app, year):
    from recruit.insights.figures import participation

    with app.app_context():
        figure = participation(figures_for(app))
        assert (figure.people, figure.times) == (5, 8)  # p6's panel was before the year
        assert figure.minutes == 630 and figure.hours == 10.5
        assert figure.paid_pence == 2000 + 1000 + 1500 + 450
        assert figure.promised_pence == 1500 + 2000 + 500  # approved or owed
        assert figure.more_than_once == 2  # p1 three times, p2 twice
        activities = {r.activity: (r.times, r.minutes, len(r.people)) for r in figure.by_activity}
        assert activities == {
            "panel": (6, 540, 4),
            "co_design": (1, 60, 1),
            "training": (1, 30, 1),
        }
        oak = participation(figures_for(app, "Oak House"))
        assert (oak.people, oak.times, oak.minutes, oak.more_than_once) == (3, 6, 540, 2)
        assert (oak.paid_pence, oak.promised_pence) == (4500, 3500)
        elm = participation(figures_for(app, "Elm Court"))  # p5's training counts by their service
        assert (elm.people, elm.minutes, elm.paid_pence, elm.promised_pence) == (2, 90, 450, 500)


def test_time_from_vacancy_to_decision_per_stage(app, year):
    from recruit.insights.figures import stage_times

    with app.app_context():
        figure = stage_times(figures_for(app))
        assert figure.vacancies == 5  # V1, V2, V4, V5, V6; V7 was decided before the year
        means = {row.stage: row.mean_days for row in figure.stages}
        assert means == {
            "draft": pytest.approx((10 + 4 + 6 + 2 + 3) / 5),
            "co_design": pytest.approx((20 + 14 + 10 + 8 + 6) / 5),
            "shortlisting": pytest.approx((15 + 10 + 7 + 5 + 4) / 5),
            "interviewing": pytest.approx((5 + 3 + 2 + 4 + 1) / 5),
            "deciding": pytest.approx((2 + 1 + 3 + 1 + 1) / 5),
        }
        assert figure.mean_total == pytest.approx((52 + 32 + 28 + 20 + 15) / 5)
        oak = stage_times(figures_for(app, "Oak House"))
        assert oak.vacancies == 4
        assert oak.mean_total == pytest.approx((52 + 32 + 20 + 15) / 4)
