"""HR's vacancy pages: dashboard by stage, create, edit, overview, moving on."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from recruit.extensions import db
from recruit.vacancies.models import Vacancy
from tests.conftest import csrf_from


def create_form(client, **changes):
    closes = date.today() + timedelta(days=20)
    form = client.get("/vacancies/new")
    data = {
        "csrf_token": csrf_from(form.text),
        "title": "Night support worker",
        "service": "Elm Court",
        "description": "Nights, 3 a week",
        "easy_read_summary": "A job helping people at night.",
        "closes_on": [str(closes.day), str(closes.month), str(closes.year)],
        "posts": "2",
    }
    data.update(changes)
    return client.post("/vacancies/new", data=data)


def test_hr_creates_a_vacancy_and_sees_it_by_stage(app, client, make_user, sign_in):
    sign_in(make_user("hr"))
    answer = create_form(client)
    assert answer.status_code == 302
    with app.app_context():
        vacancy = db.session.scalars(select(Vacancy)).one()
        assert vacancy.posts == 2 and vacancy.status == "draft"
        vacancy_id = vacancy.id
    overview = client.get(answer.headers["Location"])
    assert (
        "Night support worker" in overview.text and "Move to: Choosing qualities" in overview.text
    )
    dashboard = client.get("/vacancies")
    assert 'id="stage-draft"' in dashboard.text and f"/vacancies/{vacancy_id}" in dashboard.text


def test_the_create_form_explains_mistakes(client, make_user, sign_in):
    sign_in(make_user("hr"))
    answer = create_form(client, title="", closes_on=["31", "2", "2027"])
    assert answer.status_code == 200
    assert "There is a problem" in answer.text
    assert 'href="#title"' in answer.text
    # A date's link goes to its day box: the date's own id is on a <div>, which takes no focus.
    assert 'href="#closes_on-day"' in answer.text and 'id="closes_on-day"' in answer.text


def test_a_date_with_boxes_missing_is_a_mistake_to_correct_not_an_error_page(
    client, make_user, sign_in
):
    """A browser sends all three boxes; a broken or crafted request may not."""
    sign_in(make_user("hr"))
    for parts in ([], ["31"], ["31", "2"], ["", "", ""]):
        answer = create_form(client, closes_on=parts)
        assert answer.status_code == 200, parts
        assert "There is a problem" in answer.text and 'href="#closes_on-day"' in answer.text


def test_moving_on_shows_the_reason_it_cannot(client, make_user, sign_in):
    sign_in(make_user("hr"))
    location = create_form(client).headers["Location"]
    page = client.get(location)
    client.post(f"{location}/move", data={"csrf_token": csrf_from(page.text), "to": "co_design"})
    answer = client.post(
        f"{location}/move", data={"csrf_token": csrf_from(page.text), "to": "shortlisting"}
    )
    shown = client.get(answer.headers["Location"])
    assert "Choosing qualities" in shown.text
    assert "Accept at least one quality first" in shown.text


def test_other_roles_cannot_create_or_see_other_vacancies(client, make_user, sign_in):
    hr = make_user("hr")
    staff = make_user("staff")
    sign_in(hr)
    location = create_form(client).headers["Location"]
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(staff)
    assert client.get("/vacancies/new").status_code == 403
    assert client.get(location).status_code == 403
    assert client.get(f"{location}/edit").status_code == 403
    assert client.get("/vacancies/999999").status_code == 404
    assert "There are no vacancies yet" in client.get("/vacancies").text
