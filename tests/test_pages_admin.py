"""The audit trail pages, the organisation's policy, and the home page's calls to action."""

from __future__ import annotations

from tests.conftest import csrf_from
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in, tablet_sign_in


def test_the_history_shows_who_changed_what(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, ps_panel, _ = world.staffed()
    world.call("PATCH", f"/panels/{ps_panel}", "hr", {"weight": 70})
    password_sign_in(client, world, "hr")
    page = client.get(f"/vacancies/{vacancy_id}/history")
    assert page.status_code == 200
    assert (
        "panel.updated" in page.text and "weight: 50.0" in page.text and "weight: 70.0" in page.text
    )
    assert "vacancy.created" in page.text
    assert "Cook" not in page.text  # the other vacancy's changes are not mixed in
    everything = client.get("/audit")
    assert "user.created" in everything.text
    for who in ("lead", "staff"):
        password_sign_in(client, world, who)
        assert client.get(f"/vacancies/{vacancy_id}/history").status_code == 403
        assert client.get("/audit").status_code == 403


def test_the_admin_sets_the_minimum_share_and_it_is_enforced(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, ps_panel, staff_panel = world.ready_for_shortlisting()
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    world.call("PATCH", f"/panels/{ps_panel}", "hr", {"weight": 40})
    world.call("PATCH", f"/panels/{staff_panel}", "hr", {"weight": 60})
    assert world.move(vacancy_id, "interviewing").status_code == 409
    password_sign_in(client, world, "admin")
    form = client.get("/admin/policy")
    assert 'value="50' in form.text
    bad = client.post(
        "/admin/policy",
        data={
            "csrf_token": csrf_from(form.text),
            "min_people_supported_share": "120",
            "retention_months": "6",
        },
    )
    assert bad.status_code == 200 and "There is a problem" in bad.text
    client.post(
        "/admin/policy",
        data={
            "csrf_token": csrf_from(form.text),
            "min_people_supported_share": "40",
            "retention_months": "6",
        },
    )
    assert world.move(vacancy_id, "interviewing").status_code == 200
    password_sign_in(client, world, "hr")
    assert client.get("/admin/policy").status_code == 403


def test_home_tells_a_person_supported_what_to_do_next(api, client, make_user):
    world = World(api, make_user)
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    tablet_sign_in(client, world, "ps")
    home = client.get("/")
    assert "Say what they should be like" in home.text
    assert f"/vacancies/{vacancy_id}/qualities" in home.text
