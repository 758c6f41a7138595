"""The first half of the workflow through the JSON API: API.md row by row, every refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from recruit.core.audit import AuditRecord
from recruit.extensions import db

CLOSES = (date.today() + timedelta(days=30)).isoformat()


class World:
    """HR, a lead, panel members of both kinds, an outsider on another vacancy, and tokens."""

    def __init__(self, api, make_user) -> None:
        self.api = api
        self.people = {
            "admin": make_user("admin"),
            "hr": make_user("hr"),
            "lead": make_user("panel_lead"),
            "staff": make_user("staff"),
            "ps": make_user("person_supported", password=None, pin="2468"),
            "ps2": make_user("person_supported", password=None, pin="1357"),
            "outsider": make_user("staff"),
        }
        self.tokens = {}
        for name, person in self.people.items():
            body = {"username": person.username}
            body.update(
                {"pin": person.pin} if person.password is None else {"password": person.password}
            )
            self.tokens[name] = api.post("/tokens", json=body).get_json()["token"]

    def id(self, name: str) -> int:
        return self.people[name].id

    def call(self, method: str, path: str, who: str, json=None):
        return self.api.call(method, path, token=self.tokens[who], json=json)

    def post(self, path, who, json=None):
        return self.call("POST", path, who, json if json is not None else {})

    def get(self, path, who):
        return self.call("GET", path, who)

    def vacancy(self, **changes) -> int:
        body = {
            "title": "Support worker",
            "service": "Oak House",
            "description": "Days and evenings",
            "closes_on": CLOSES,
        }
        body.update(changes)
        answer = self.post("/vacancies", "hr", body)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["id"]

    def move(self, vacancy_id: int, to: str, who: str = "hr"):
        return self.post(f"/vacancies/{vacancy_id}/transitions", who, {"to": to})

    def panel(self, vacancy_id: int, kind="people_supported", weight=50, scale=3, name=None):
        answer = self.post(
            f"/vacancies/{vacancy_id}/panels",
            "hr",
            {"name": name or f"{kind} panel", "kind": kind, "weight": weight, "scale": scale},
        )
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["id"]

    def member(self, panel_id: int, who: str, role="member"):
        answer = self.post(
            f"/panels/{panel_id}/members", "hr", {"user_id": self.id(who), "role": role}
        )
        assert answer.status_code == 201, answer.get_json()
        return answer

    def staffed(self) -> tuple[int, int, int]:
        """A draft vacancy: a people supported panel (ps, ps2), a staff panel (lead, staff)."""
        vacancy_id = self.vacancy()
        ps_panel = self.panel(vacancy_id, "people_supported", 50, 3)
        staff_panel = self.panel(vacancy_id, "staff", 50, 5)
        self.member(ps_panel, "ps")
        self.member(ps_panel, "ps2")
        self.member(staff_panel, "lead", "lead")
        self.member(staff_panel, "staff")
        other = self.vacancy(title="Cook")
        self.member(self.panel(other, "mixed", 1, 5), "outsider", "lead")
        return vacancy_id, ps_panel, staff_panel

    def quality(self, vacancy_id: int, who="ps", text="Kind") -> dict:
        answer = self.post(f"/vacancies/{vacancy_id}/qualities", who, {"text": text})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def ready_for_shortlisting(self) -> tuple[int, int, int]:
        vacancy_id, ps_panel, staff_panel = self.staffed()
        assert self.move(vacancy_id, "co_design").status_code == 200
        quality = self.quality(vacancy_id)
        assert (
            self.post(
                f"/qualities/{quality['id']}/review", "lead", {"status": "accepted"}
            ).status_code
            == 200
        )
        assert self.move(vacancy_id, "shortlisting").status_code == 200
        return vacancy_id, ps_panel, staff_panel


@pytest.fixture
def world(api, make_user) -> World:
    return World(api, make_user)


def error_code(answer) -> str:
    body = answer.get_json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


def audit_actions(app, subject_type: str, subject_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditRecord.action)
                .where(
                    AuditRecord.subject_type == subject_type, AuditRecord.subject_id == subject_id
                )
                .order_by(AuditRecord.id)
            ).all()
        )


# --- vacancies ---------------------------------------------------------------------------------


def test_hr_creates_a_draft_vacancy_and_reads_it_back(app, world):
    answer = world.post(
        "/vacancies",
        "hr",
        {
            "title": "Support worker",
            "service": "Oak House",
            "description": "Evenings",
            "closes_on": CLOSES,
        },
    )
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "draft" and isinstance(body["id"], int)
    assert body["title"] == "Support worker" and body["closes_on"] == CLOSES and body["posts"] == 1
    got = world.get(f"/vacancies/{body['id']}", "hr")
    assert got.status_code == 200 and got.get_json()["title"] == "Support worker"
    assert audit_actions(app, "Vacancy", body["id"]) == ["vacancy.created"]


def test_only_hr_creates_vacancies(world):
    for who in ("admin", "lead", "staff", "ps"):
        answer = world.post("/vacancies", who, {"title": "T", "service": "S", "closes_on": CLOSES})
        assert answer.status_code == 403, who
    assert world.api.post("/vacancies", json={"title": "T"}).status_code == 401


def test_vacancy_values_are_checked(app, world):
    answer = world.post(
        "/vacancies", "hr", {"title": "", "service": "S", "closes_on": "31/12/2026"}
    )
    assert answer.status_code == 422
    fields = answer.get_json()["error"]["fields"]
    assert "closes_on" in fields
    answer = world.post("/vacancies", "hr", {"title": "  ", "service": "S", "closes_on": CLOSES})
    assert answer.status_code == 422 and "title" in answer.get_json()["error"]["fields"]
    past = (date.today() - timedelta(days=1)).isoformat()
    answer = world.post("/vacancies", "hr", {"title": "T", "service": "S", "closes_on": past})
    assert answer.status_code == 422
    with app.app_context():
        assert (
            db.session.scalar(select(AuditRecord.id).where(AuditRecord.subject_type == "Vacancy"))
            is None
        )


def test_a_vacancy_is_seen_by_hr_and_its_panel_members_only(world):
    vacancy_id, _, _ = world.staffed()
    for who in ("hr", "lead", "staff", "ps", "ps2"):
        assert world.get(f"/vacancies/{vacancy_id}", who).status_code == 200, who
    for who in ("outsider", "admin"):
        assert world.get(f"/vacancies/{vacancy_id}", who).status_code == 403, who
    assert world.get("/vacancies/999999", "hr").status_code == 404
    listed = world.get("/vacancies", "ps").get_json()["vacancies"]
    assert [v["id"] for v in listed] == [vacancy_id]


def test_hr_edits_a_vacancy_and_it_is_audited(app, world):
    vacancy_id = world.vacancy()
    answer = world.call(
        "PATCH",
        f"/vacancies/{vacancy_id}",
        "hr",
        {"easy_read_summary": "A job helping people at Oak House.", "posts": 2},
    )
    assert answer.status_code == 200 and answer.get_json()["posts"] == 2
    with app.app_context():
        record = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "vacancy.updated")
        ).one()
        assert record.before["posts"] == 1 and record.after["posts"] == 2


# --- transitions -------------------------------------------------------------------------------


def test_the_whole_first_half_of_the_workflow(app, world):
    vacancy_id, ps_panel, staff_panel = world.ready_for_shortlisting()
    candidate = world.post(
        f"/vacancies/{vacancy_id}/candidates",
        "hr",
        {"name": "Ann Smith", "email": "ann@example.org"},
    )
    assert candidate.status_code == 201
    assert candidate.get_json()["alias"] == "Candidate A"
    moved = world.move(vacancy_id, "interviewing", who="lead")
    assert moved.status_code == 200 and moved.get_json()["status"] == "interviewing"
    assert audit_actions(app, "Vacancy", vacancy_id).count("vacancy.transition") == 3


def test_illegal_moves_are_409_with_a_reason_and_change_nothing(world):
    vacancy_id = world.vacancy()
    for to in ("shortlisting", "decided", "closed", "draft"):
        answer = world.move(vacancy_id, to)
        assert answer.status_code == 409, to
        assert error_code(answer) == "transition_not_allowed"
    assert world.move(vacancy_id, "nonsense").status_code == 409
    assert world.get(f"/vacancies/{vacancy_id}", "hr").get_json()["status"] == "draft"


def test_shortlisting_needs_an_accepted_quality(world):
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    world.quality(vacancy_id)
    answer = world.move(vacancy_id, "shortlisting")
    assert answer.status_code == 409
    assert "quality" in answer.get_json()["error"]["message"]


def test_interviewing_needs_candidates_members_and_the_minimum_weight(world):
    vacancy_id, ps_panel, staff_panel = world.ready_for_shortlisting()
    answer = world.move(vacancy_id, "interviewing")
    assert answer.status_code == 409 and "candidate" in answer.get_json()["error"]["message"]
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    empty = world.panel(vacancy_id, "mixed", 1, 5, name="Empty panel")
    answer = world.move(vacancy_id, "interviewing")
    assert answer.status_code == 409 and "Empty panel" in answer.get_json()["error"]["message"]
    world.call("PATCH", f"/panels/{ps_panel}", "hr", {"weight": 40})
    world.call("PATCH", f"/panels/{empty}", "hr", {"weight": 20})
    answer = world.move(vacancy_id, "interviewing")
    message = answer.get_json()["error"]["message"]
    assert answer.status_code == 409 and "minimum" in message and "36.4%" in message


def test_the_minimum_share_is_inclusive(world):
    vacancy_id, ps_panel, staff_panel = world.ready_for_shortlisting()
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    world.call("PATCH", f"/panels/{ps_panel}", "hr", {"weight": 1})
    world.call("PATCH", f"/panels/{staff_panel}", "hr", {"weight": 1.0000001})
    assert world.move(vacancy_id, "interviewing").status_code == 409
    world.call("PATCH", f"/panels/{staff_panel}", "hr", {"weight": 1})
    assert world.move(vacancy_id, "interviewing").status_code == 200


def test_only_hr_and_its_panel_lead_move_a_vacancy(world):
    vacancy_id, _, _ = world.staffed()
    for who in ("staff", "ps", "outsider", "admin"):
        assert world.move(vacancy_id, "co_design", who).status_code == 403, who
    assert world.move(vacancy_id, "co_design", "lead").status_code == 200
    assert world.move(999999, "co_design").status_code == 404


def test_withdrawn_from_any_stage_before_decided(world):
    vacancy_id = world.vacancy()
    assert world.move(vacancy_id, "withdrawn").status_code == 200
    assert world.move(vacancy_id, "co_design").status_code == 409


# --- qualities ---------------------------------------------------------------------------------


def test_proposals_record_who_and_which_group(world):
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    expected = {"ps": "people_supported", "staff": "staff", "lead": "staff", "hr": "hr"}
    for who, group in expected.items():
        body = world.quality(vacancy_id, who, text=f"Listens to me 👂 ({who})")
        assert body["status"] == "proposed"
        assert body["proposed_by"] == world.id(who)
        assert body["source_group"] == group
        assert body["text"].startswith("Listens to me 👂")


def test_proposing_is_for_hr_and_its_panel_members(world):
    vacancy_id, _, _ = world.staffed()
    for who in ("outsider", "admin"):
        answer = world.post(f"/vacancies/{vacancy_id}/qualities", who, {"text": "Kind"})
        assert answer.status_code == 403, who
    answer = world.post(f"/vacancies/{vacancy_id}/qualities", "ps", {"text": ""})
    assert answer.status_code == 422 and "text" in answer.get_json()["error"]["fields"]
    answer = world.post(f"/vacancies/{vacancy_id}/qualities", "ps", {"text": "x" * 201})
    assert answer.status_code == 422


def test_one_vote_each_and_a_repeat_changes_nothing(app, world):
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    quality = world.quality(vacancy_id, "staff", "Likes football ⚽")
    first = world.post(f"/qualities/{quality['id']}/votes", "ps")
    assert first.status_code == 201 and first.get_json()["votes"] == 1
    again = world.post(f"/qualities/{quality['id']}/votes", "ps")
    assert again.status_code == 201 and again.get_json()["votes"] == 1
    other = world.post(f"/qualities/{quality['id']}/votes", "ps2")
    assert other.get_json()["votes"] == 2
    assert world.post(f"/qualities/{quality['id']}/votes", "hr").status_code == 403
    assert world.post(f"/qualities/{quality['id']}/votes", "outsider").status_code == 403
    assert world.post("/qualities/999999/votes", "ps").status_code == 404
    assert audit_actions(app, "Quality", quality["id"]).count("quality.voted") == 2


def test_declining_a_people_supported_proposal_needs_a_reason(world):
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    theirs = world.quality(vacancy_id, "ps", "Has a dog")
    answer = world.post(f"/qualities/{theirs['id']}/review", "lead", {"status": "declined"})
    assert answer.status_code == 422 and "reason" in answer.get_json()["error"]["fields"]
    listed = world.get(f"/vacancies/{vacancy_id}/qualities", "ps").get_json()["qualities"]
    assert listed[0]["status"] == "proposed"
    answer = world.post(
        f"/qualities/{theirs['id']}/review",
        "lead",
        {"status": "declined", "reason": "We cannot ask people about pets at interview."},
    )
    assert answer.status_code == 200
    shown = world.get(f"/vacancies/{vacancy_id}/qualities", "ps").get_json()["qualities"][0]
    assert shown["decline_reason"] == "We cannot ask people about pets at interview."
    staffs = world.quality(vacancy_id, "staff", "Drives")
    assert (
        world.post(f"/qualities/{staffs['id']}/review", "hr", {"status": "declined"}).status_code
        == 200
    )


def test_review_is_for_hr_and_its_panel_lead(world):
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    quality = world.quality(vacancy_id)
    for who in ("staff", "ps", "outsider"):
        answer = world.post(f"/qualities/{quality['id']}/review", who, {"status": "accepted"})
        assert answer.status_code == 403, who
    answer = world.post(f"/qualities/{quality['id']}/review", "lead", {"status": "maybe"})
    assert answer.status_code == 422


def test_accepted_qualities_get_wording(world):
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    quality = world.quality(vacancy_id)
    world.post(f"/qualities/{quality['id']}/review", "lead", {"status": "accepted"})
    answer = world.call(
        "PATCH",
        f"/qualities/{quality['id']}",
        "lead",
        {
            "prompt": "Was this person kind?",
            "interview_question": "Tell us about a time you helped someone.",
        },
    )
    assert answer.status_code == 200
    assert answer.get_json()["prompt"] == "Was this person kind?"


def test_qualities_are_fixed_from_interviewing(world):
    vacancy_id, ps_panel, _ = world.ready_for_shortlisting()
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    assert world.move(vacancy_id, "interviewing").status_code == 200
    answer = world.post(f"/vacancies/{vacancy_id}/qualities", "ps", {"text": "Funny"})
    assert answer.status_code == 409
    quality_id = world.get(f"/vacancies/{vacancy_id}/qualities", "hr").get_json()["qualities"][0][
        "id"
    ]
    assert (
        world.post(
            f"/qualities/{quality_id}/review", "hr", {"status": "declined", "reason": "x"}
        ).status_code
        == 409
    )
    assert world.post(f"/qualities/{quality_id}/votes", "ps").status_code == 409


# --- panels ------------------------------------------------------------------------------------


def test_panel_values_are_checked(world):
    vacancy_id = world.vacancy()
    for bad in (
        {"kind": "family"},
        {"weight": 0},
        {"weight": -2},
        {"scale": 4},
        {"scale": "five"},
        {"weight": "heavy"},
    ):
        body = {"name": "P", "kind": "staff", "weight": 10, "scale": 5, **bad}
        answer = world.post(f"/vacancies/{vacancy_id}/panels", "hr", body)
        assert answer.status_code == 422, bad
        assert set(answer.get_json()["error"]["fields"]) & set(bad), bad


def test_panels_report_their_share_and_are_hr_only(world):
    vacancy_id = world.vacancy()
    world.panel(vacancy_id, "people_supported", 3, 3)
    answer = world.post(
        f"/vacancies/{vacancy_id}/panels",
        "hr",
        {"name": "Staff", "kind": "staff", "weight": 1, "scale": 5},
    )
    assert answer.get_json()["share"] == 25.0
    answer = world.post(
        f"/vacancies/{vacancy_id}/panels",
        "lead",
        {"name": "X", "kind": "staff", "weight": 1, "scale": 5},
    )
    assert answer.status_code == 403
    assert (
        world.post(
            "/vacancies/999999/panels",
            "hr",
            {"name": "X", "kind": "staff", "weight": 1, "scale": 5},
        ).status_code
        == 404
    )


def test_members_are_added_by_hr_once_per_vacancy(world):
    vacancy_id = world.vacancy()
    panel = world.panel(vacancy_id)
    other_panel = world.panel(vacancy_id, "staff")
    assert world.member(panel, "ps").status_code == 201
    again = world.post(
        f"/panels/{other_panel}/members", "hr", {"user_id": world.id("ps"), "role": "member"}
    )
    assert again.status_code == 409
    nobody = world.post(f"/panels/{panel}/members", "hr", {"user_id": 999999, "role": "member"})
    assert nobody.status_code == 422
    bad_role = world.post(
        f"/panels/{panel}/members", "hr", {"user_id": world.id("staff"), "role": "chair"}
    )
    assert bad_role.status_code == 422
    assert (
        world.post(f"/panels/{panel}/members", "lead", {"user_id": world.id("staff")}).status_code
        == 403
    )
    assert (
        world.post("/panels/999999/members", "hr", {"user_id": world.id("staff")}).status_code
        == 404
    )


def test_panels_are_fixed_from_interviewing(world):
    vacancy_id, ps_panel, _ = world.ready_for_shortlisting()
    world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    world.move(vacancy_id, "interviewing")
    answer = world.post(
        f"/vacancies/{vacancy_id}/panels",
        "hr",
        {"name": "Late", "kind": "staff", "weight": 1, "scale": 5},
    )
    assert answer.status_code == 409
    assert world.call("PATCH", f"/panels/{ps_panel}", "hr", {"weight": 99}).status_code == 409
    late = world.post(f"/panels/{ps_panel}/members", "hr", {"user_id": world.id("admin")})
    assert late.status_code in (409, 422)


# --- candidates and declarations ---------------------------------------------------------------


def test_candidates_wait_for_shortlisting(world):
    vacancy_id, _, _ = world.staffed()
    early = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Ann Smith"})
    assert early.status_code == 409


def test_candidate_aliases_and_refusals(world):
    vacancy_id, _, _ = world.ready_for_shortlisting()
    aliases = [
        world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": f"Person {n}"}).get_json()[
            "alias"
        ]
        for n in range(3)
    ]
    assert aliases == ["Candidate A", "Candidate B", "Candidate C"]
    named = world.post(
        f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Sam Jones", "alias": "Sam"}
    )
    assert named.get_json()["alias"] == "Sam"
    assert world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": ""}).status_code == 422
    bad_email = world.post(
        f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "X", "email": "nope"}
    )
    assert bad_email.status_code == 422 and "email" in bad_email.get_json()["error"]["fields"]
    for who in ("lead", "staff", "ps", "outsider"):
        answer = world.post(f"/vacancies/{vacancy_id}/candidates", who, {"name": "X"})
        assert answer.status_code == 403, who


def test_panel_members_see_aliases_only_after_declaring(world):
    vacancy_id, _, _ = world.ready_for_shortlisting()
    ann = world.post(
        f"/vacancies/{vacancy_id}/candidates",
        "hr",
        {"name": "Ann Smith", "email": "ann@example.org"},
    ).get_json()
    bob = world.post(f"/vacancies/{vacancy_id}/candidates", "hr", {"name": "Bob Brown"}).get_json()
    before = world.get(f"/vacancies/{vacancy_id}/candidates", "ps")
    assert before.status_code == 403 and error_code(before) == "declaration_required"
    answer = world.post(
        f"/vacancies/{vacancy_id}/declarations",
        "ps",
        {"confidentiality": True, "conflicts": [bob["id"]]},
    )
    assert answer.status_code == 201 and answer.get_json()["conflicts"] == [bob["id"]]
    seen = world.get(f"/vacancies/{vacancy_id}/candidates", "ps")
    assert seen.status_code == 200
    text = seen.get_data(as_text=True)
    assert "Ann" not in text and "ann@example.org" not in text and "Smith" not in text
    rows = {c["alias"]: c for c in seen.get_json()["candidates"]}
    assert rows["Candidate B"]["conflicted"] is True and rows["Candidate A"]["conflicted"] is False
    later = world.post(
        f"/vacancies/{vacancy_id}/declarations", "ps", {"confidentiality": True, "conflicts": []}
    )
    assert later.status_code == 201
    rows = {
        c["alias"]: c
        for c in world.get(f"/vacancies/{vacancy_id}/candidates", "ps").get_json()["candidates"]
    }
    assert rows["Candidate B"]["conflicted"] is False
    full = world.get(f"/vacancies/{vacancy_id}/candidates", "hr").get_json()["candidates"]
    assert {c["name"] for c in full} == {"Ann Smith", "Bob Brown"}
    assert ann["id"] in {c["id"] for c in full}


def test_declarations_are_checked(world):
    vacancy_id, _, _ = world.ready_for_shortlisting()
    assert (
        world.post(
            f"/vacancies/{vacancy_id}/declarations",
            "ps",
            {"confidentiality": False, "conflicts": []},
        ).status_code
        == 422
    )
    assert (
        world.post(
            f"/vacancies/{vacancy_id}/declarations", "ps", {"confidentiality": "yes"}
        ).status_code
        == 422
    )
    assert (
        world.post(
            f"/vacancies/{vacancy_id}/declarations",
            "ps",
            {"confidentiality": True, "conflicts": [999999]},
        ).status_code
        == 422
    )
    assert (
        world.post(
            f"/vacancies/{vacancy_id}/declarations",
            "hr",
            {"confidentiality": True, "conflicts": []},
        ).status_code
        == 403
    )
    assert (
        world.post(
            f"/vacancies/{vacancy_id}/declarations",
            "outsider",
            {"confidentiality": True, "conflicts": []},
        ).status_code
        == 403
    )
    assert (
        world.post(
            "/vacancies/999999/declarations", "ps", {"confidentiality": True, "conflicts": []}
        ).status_code
        == 404
    )


def test_malformed_bodies_are_400_after_permission_checks(world):
    vacancy_id = world.vacancy()
    answer = world.api.call(
        "POST",
        f"/vacancies/{vacancy_id}/panels",
        token=world.tokens["hr"],
        data="not json",
        content_type="application/json",
    )
    assert answer.status_code == 400
    answer = world.api.call(
        "POST",
        f"/vacancies/{vacancy_id}/panels",
        token=world.tokens["staff"],
        data="not json",
        content_type="application/json",
    )
    assert answer.status_code == 403


def test_a_declined_idea_cannot_be_voted_for(world):
    vacancy_id, _, _ = world.staffed()
    world.move(vacancy_id, "co_design")
    idea = world.quality(vacancy_id, "staff", "Drives")
    world.post(f"/qualities/{idea['id']}/review", "lead", {"status": "declined"})
    answer = world.post(f"/qualities/{idea['id']}/votes", "ps")
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "quality_declined"
