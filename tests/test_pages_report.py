"""The vacancy list with filters and pages, and /livez. (The co-production report that was
tested here is part of the insights page now: tests/test_pages_insights.py.)"""

from __future__ import annotations

from datetime import date, timedelta

from recruit.extensions import db
from recruit.vacancies.models import Vacancy


def add_vacancy(title, *, status="draft", service="Oak House", days=30, created_by=None):
    vacancy = Vacancy(
        title=title,
        service=service,
        closes_on=date.today() + timedelta(days=days),
        status=status,
        created_by_id=created_by,
    )
    db.session.add(vacancy)
    db.session.flush()
    return vacancy


def test_hr_filters_the_vacancies_by_stage_service_and_words(app, client, make_user, sign_in):
    hr = make_user("hr")
    with app.app_context():
        add_vacancy("Night support worker", status="shortlisting", service="Oak House")
        add_vacancy("Cook", status="shortlisting", service="Willow Court")
        add_vacancy("Day support worker", status="decided", service="Oak House")
        db.session.commit()
    sign_in(hr)
    everything = client.get("/vacancies").text
    assert "Night support worker" in everything and "Cook" in everything
    assert 'id="stage-decided"' in everything
    by_stage = client.get("/vacancies?stage=shortlisting").text
    assert "Night support worker" in by_stage and "Cook" in by_stage
    assert "Day support worker" not in by_stage
    by_service = client.get("/vacancies?service=Willow+Court").text
    assert "Cook" in by_service and "Night support worker" not in by_service
    by_words = client.get("/vacancies?q=SUPPORT").text
    assert "Night support worker" in by_words and "Day support worker" in by_words
    assert ">Cook<" not in by_words
    nothing = client.get("/vacancies?q=100%25").text
    assert "No vacancies match these filters" in nothing
    assert 'for="filter-stage"' in everything and 'for="filter-q"' in everything


def test_a_long_stage_shows_its_first_vacancies_and_pages_through_the_rest(
    app, client, make_user, sign_in
):
    hr = make_user("hr")
    with app.app_context():
        for n in range(60):
            add_vacancy(f"Support worker {n:02d}", status="decided", days=n)
        db.session.commit()
    sign_in(hr)
    dashboard = client.get("/vacancies").text
    assert "Support worker 00" in dashboard and "Support worker 24" in dashboard
    assert "Support worker 25" not in dashboard
    assert "Show all 60 vacancies at the stage: Decided" in dashboard
    first = client.get("/vacancies?stage=decided").text
    assert "Support worker 49" in first and "Support worker 50" not in first
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get("/vacancies?stage=decided&page=2").text
    assert "Support worker 50" in second and "Support worker 59" in second
    assert "Support worker 49" not in second


def test_livez_answers_without_the_database(client):
    answer = client.get("/livez")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
