"""Who may open what: every route and method of the app against every kind of person.

One row per (endpoint, method) of `app.url_map`, with the answer expected for each of:

  admin, hr
  lead    a panel lead who leads a panel of vacancy A
  staff   a staff member of a panel of vacancy A
  ps      a person supported on a panel of vacancy A
  supp    the supporter of that person supported (staff, with no seat of their own)
  other   a member (the lead) of vacancy B's panel only
  out     signed out

Every path names vacancy A's objects by id, so the "other" and "supp" columns are the
guessed-id (IDOR) test: they must be refused, and a refusal must not carry A's data (see
SECRETS). A new route without a row fails `test_every_route_has_a_row`.

How each cell is asked, so that asking changes (almost) nothing:
  * pages with the person's own session cookie and a valid CSRF token, forms sent empty
    (an allowed person gets the form back with its errors, or a redirect with a message);
  * the API with the person's bearer token and, for writes, a body that is not JSON: once
    who you are (401), that the thing exists (404) and that it is yours (403) are checked,
    an allowed person gets 400 before anything is changed;
  * a route that acts without a form (cancel an interview, approve a payment, retry a
    message, revoke a token) gets a new object or token for each cell: "{new_...}".

Expected answers: a status code, or "in" for a redirect to the sign-in page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from recruit.core.time import utcnow
from recruit.extensions import db, limiter
from tests.conftest import csrf_from

ROLES = ("admin", "hr", "lead", "staff", "ps", "supp", "other", "out")
IN = "in"

# fmt: off
# endpoint, method, path,                                               admin hr  lead staff ps supp other out
MATRIX = """
core.home                   GET    /                                        200 200 200 200 200 200 200 in
core.healthz                GET    /healthz                                 200 200 200 200 200 200 200 200
core.livez                  GET    /livez                                   200 200 200 200 200 200 200 200
static                      GET    /static/js/app.js                        200 200 200 200 200 200 200 200
core.messages               GET    /messages                                200 200 200 200 200 200 200 in
core.read_message           POST   /messages/{notice}/read                  403 403 403 302 403 403 403 in
core.audit_log              GET    /audit                                   200 200 403 403 403 403 403 in
core.audit_log              GET    /vacancies/{A}/history                   200 200 403 403 403 403 403 in
core.policy                 GET    /admin/policy                            200 403 403 403 403 403 403 in
core.policy                 POST   /admin/policy                            200 403 403 403 403 403 403 in

people.sign_in              GET    /sign-in                                 302 302 302 302 302 302 302 200
people.sign_in              POST   /sign-in                                 302 302 302 302 302 302 302 200
people.confirm              GET    /confirm-it-is-you                       200 200 200 200 200 200 200 in
people.confirm              POST   /confirm-it-is-you                       200 200 200 200 200 200 200 in
people.sign_out             POST   /sign-out                                in  in  in  in  in  in  in  in
people.open_tablet          GET    /tablet/open                             200 200 200 403 403 403 403 in
people.open_tablet          POST   /tablet/open                             200 200 200 403 403 403 403 in
people.tablet               GET    /tablet/{key}                            200 200 200 200 200 200 200 200
people.tablet_pin           GET    /tablet/{key}/{ps_id}                    200 200 200 200 200 200 200 200
people.tablet_pin           POST   /tablet/{key}/{ps_id}                    200 200 200 200 200 200 200 200
people.hand_over            POST   /tablet/{key}/hand-over                  302 302 302 403 403 403 403 in
people.users                GET    /admin/users                             200 200 403 403 403 403 403 in
people.new_user             GET    /admin/users/new                         200 200 403 403 403 403 403 in
people.new_user             POST   /admin/users/new                         200 200 403 403 403 403 403 in
people.reset_pin            GET    /admin/users/{staff_id}/pin              200 200 403 403 403 403 403 in
people.reset_pin            POST   /admin/users/{staff_id}/pin              200 200 403 403 403 403 403 in
people.reset_password       GET    /admin/users/{staff_id}/password         200 200 403 403 403 403 403 in
people.reset_password       POST   /admin/users/{staff_id}/password         200 200 403 403 403 403 403 in
panels.training             GET    /admin/users/{staff_id}/training         200 200 403 403 403 403 403 in
panels.training             POST   /admin/users/{staff_id}/training         200 200 403 403 403 403 403 in

admin.outbox                GET    /admin/outbox                            200 200 403 403 403 403 403 in
admin.retry                 POST   /admin/outbox/{new_dead_message}/retry   302 302 403 403 403 403 403 in
admin.export_person         GET    /admin/users/{staff_id}/export.json      200 403 403 403 403 403 403 in
admin.erase_user            GET    /admin/users/{staff_id}/erase            200 403 403 403 403 403 403 in
admin.erase_user            POST   /admin/users/{staff_id}/erase            200 403 403 403 403 403 403 in
admin.export_candidate      GET    /admin/candidates/{cand}/export.json     200 200 403 403 403 403 403 in
admin.erase_one_candidate   GET    /admin/candidates/{cand}/erase           200 200 403 403 403 403 403 in
admin.erase_one_candidate   POST   /admin/candidates/{cand}/erase           200 200 403 403 403 403 403 in

vacancies.dashboard         GET    /vacancies                               200 200 200 200 200 200 200 in
vacancies.report            GET    /vacancies/report                        301 301 301 301 301 301 301 301
vacancies.new               GET    /vacancies/new                           403 200 403 403 403 403 403 in
vacancies.new               POST   /vacancies/new                           403 200 403 403 403 403 403 in
vacancies.show              GET    /vacancies/{A}                           403 200 200 200 200 403 403 in
vacancies.edit              GET    /vacancies/{A}/edit                      403 200 403 403 403 403 403 in
vacancies.edit              POST   /vacancies/{A}/edit                      403 200 403 403 403 403 403 in
vacancies.move              POST   /vacancies/{A}/move                      403 302 302 403 403 403 403 in

qualities.index             GET    /vacancies/{A}/qualities                 403 200 200 200 200 403 403 in
qualities.propose           POST   /vacancies/{A}/qualities                 403 200 200 200 200 403 403 in
qualities.vote              POST   /qualities/{quality}/vote                403 403 302 302 302 403 403 in
qualities.review            POST   /qualities/{quality}/review              403 302 302 403 403 403 403 in
qualities.wording           GET    /qualities/{quality}/wording             403 200 200 403 403 403 403 in
qualities.wording           POST   /qualities/{quality}/wording             403 200 200 403 403 403 403 in
qualities.move              POST   /qualities/{quality}/move                403 302 302 403 403 403 403 in
qualities.bank              GET    /vacancies/{A}/qualities/bank            403 200 200 403 403 403 403 in
qualities.reuse             POST   /vacancies/{A}/qualities/bank/{b_quality} 403 302 302 403 403 403 403 in

panels.index                GET    /vacancies/{A}/panels                    403 200 200 200 200 403 403 in
panels.new                  GET    /vacancies/{A}/panels/new                403 200 403 403 403 403 403 in
panels.new                  POST   /vacancies/{A}/panels/new                403 200 403 403 403 403 403 in
panels.edit                 GET    /panels/{panel}/edit                     403 200 403 403 403 403 403 in
panels.edit                 POST   /panels/{panel}/edit                     403 200 403 403 403 403 403 in
panels.add_member           GET    /panels/{panel}/members/new              403 200 403 403 403 403 403 in
panels.add_member           POST   /panels/{panel}/members/new              403 200 403 403 403 403 403 in
panels.remove_member        POST   /panel-members/{seat}/remove             403 302 403 403 403 403 403 in
panels.declaration          GET    /vacancies/{A}/declaration               403 403 200 200 200 403 403 in
panels.declaration          POST   /vacancies/{A}/declaration               403 403 200 200 200 403 403 in

candidates.index            GET    /vacancies/{A}/candidates                403 200 200 200 200 403 403 in
candidates.add              POST   /vacancies/{A}/candidates                403 200 403 403 403 403 403 in
candidates.import_csv       POST   /vacancies/{A}/candidates/import         403 200 403 403 403 403 403 in
candidates.application      GET    /candidates/{cand}/application           403 200 403 403 403 403 403 in
candidates.application      POST   /candidates/{cand}/application           403 200 403 403 403 403 403 in
candidates.shortlist_view   POST   /candidates/{cand}/view                  403 403 302 302 302 403 403 in
candidates.shortlisting     POST   /candidates/{cand}/shortlisting          403 302 403 403 403 403 403 in
candidates.withdraw         GET    /candidates/{cand}/withdraw              403 200 403 403 403 403 403 in
candidates.withdraw         POST   /candidates/{new_candidate}/withdraw     403 302 403 403 403 403 403 in
candidates.schedule         GET    /vacancies/{A}/schedule                  403 200 200 200 200 403 403 in
candidates.schedule         POST   /vacancies/{A}/schedule                  403 200 200 403 403 403 403 in
candidates.cancel_slot      POST   /interviews/{new_slot}/cancel            403 302 302 403 403 403 403 in
candidates.my_interviews    GET    /my/interviews                           200 200 200 200 200 200 200 in
candidates.my_calendar      GET    /my/interviews.ics                       200 200 200 200 200 200 200 in

scoring.index               GET    /vacancies/{A}/scoring                   403 403 200 200 200 403 403 in
scoring.score               GET    /candidates/{cand}/score                 403 403 200 200 200 403 403 in
scoring.score               POST   /candidates/{cand}/score                 403 403 302 302 302 403 403 in
scoring.amend               POST   /candidates/{cand}/score/change          403 403 422 422 422 403 403 in
scoring.status              GET    /vacancies/{A}/scoring/status            403 200 200 403 403 403 403 in
scoring.status_json         GET    /vacancies/{A}/scoring/status.json       403 200 200 403 403 403 403 in
scoring.remind              POST   /vacancies/{A}/scoring/remind/{staff_id} 403 409 409 403 403 403 403 in

decisions.page              GET    /vacancies/{A}/decision                  403 200 200 403 403 403 403 in
decisions.decide            POST   /vacancies/{A}/decision                  403 302 302 403 403 403 403 in
decisions.release           POST   /vacancies/{A}/release                   403 302 302 403 403 403 403 in
decisions.released          GET    /vacancies/{A}/our-results               403 403 200 200 200 403 403 in
decisions.outcome           GET    /vacancies/{A}/outcome                   403 409 409 409 409 403 403 in
decisions.request_pack      POST   /vacancies/{A}/packs                     403 302 302 403 403 403 403 in
decisions.pack_status       GET    /packs/{pack}.json                       403 200 200 403 403 403 403 in
decisions.pack_file         GET    /packs/{pack}.csv                        403 200 200 403 403 403 403 in

involvement.rates           GET    /admin/rates                             200 403 403 403 403 403 403 in
involvement.rates           POST   /admin/rates                             200 403 403 403 403 403 403 in
involvement.payments        GET    /payments                                200 200 403 403 403 403 403 in
involvement.change_payment  POST   /payments/{new_payment}/approve          302 302 403 403 403 403 403 in
involvement.make_finance_file POST /finance                                 302 302 403 403 403 403 403 in
involvement.finance_file    GET    /finance/{export}.csv                    200 200 403 403 403 403 403 in
involvement.new_participation GET  /involvement/participation/new           200 200 403 403 403 403 403 in
involvement.new_participation POST /involvement/participation/new           200 200 403 403 403 403 403 in
involvement.participation   GET    /involvement/participation/{took_part}   200 200 403 403 403 403 403 in
involvement.participation   POST   /involvement/participation/{took_part}   200 200 403 403 403 403 403 in
involvement.vacancy_participation GET  /vacancies/{A}/participation         200 200 403 403 403 403 403 in
involvement.vacancy_participation POST /vacancies/{A}/participation         200 200 403 403 403 403 403 in
involvement.person          GET    /involvement/people/{ps_id}              200 200 403 403 200 403 403 in
involvement.mine            GET    /what-i-have-done                        200 200 200 200 200 200 200 in

insights.page               GET    /insights                                200 200 403 403 403 403 403 in
insights.csv_file           GET    /insights/shares-by-quarter.csv          200 200 403 403 403 403 403 in
insights.user_service       GET    /admin/users/{ps_id}/service             200 200 403 403 403 403 403 in
insights.user_service       POST   /admin/users/{ps_id}/service             302 302 403 403 403 403 403 in
insights.appointment        GET    /appointments/{c_cand}                   200 200 200 200 403 403 403 in
insights.appointment        POST   /appointments/{c_cand}                   403 422 422 422 403 403 403 in
insights.check_in           GET    /check-ins/{check_in}                    403 403 403 403 200 403 403 in
insights.check_in           POST   /check-ins/{check_in}                    403 403 403 403 422 403 403 in
insights.our_year           GET    /our-year?service=Oakhaven               200 200 200 200 403 200 200 in

api.openapi_json            GET    /api/v1/openapi.json                     200 200 200 200 200 200 200 200
api.create_token            POST   /api/v1/tokens                           400 400 400 400 400 400 400 400
api.revoke_current_token    DELETE /api/v1/tokens/current                   204 204 204 204 204 204 204 401
api.create_user             POST   /api/v1/users                            400 400 403 403 403 403 403 401
api.read_involvement        GET    /api/v1/users/{ps_id}/involvement        200 200 403 403 200 403 403 401
api.list_vacancies          GET    /api/v1/vacancies                        200 200 200 200 200 200 200 401
api.create_vacancy          POST   /api/v1/vacancies                        403 400 403 403 403 403 403 401
api.get_vacancy             GET    /api/v1/vacancies/{A}                    403 200 200 200 200 403 403 401
api.edit_vacancy            PATCH  /api/v1/vacancies/{A}                    403 400 403 403 403 403 403 401
api.move_vacancy            POST   /api/v1/vacancies/{A}/transitions        403 400 400 403 403 403 403 401
api.list_qualities          GET    /api/v1/vacancies/{A}/qualities          403 200 200 200 200 403 403 401
api.propose_quality         POST   /api/v1/vacancies/{A}/qualities          403 400 400 400 400 403 403 401
api.vote_for_quality        POST   /api/v1/qualities/{quality}/votes        403 403 409 409 409 403 403 401
api.review_quality          POST   /api/v1/qualities/{quality}/review       403 400 400 403 403 403 403 401
api.word_quality            PATCH  /api/v1/qualities/{quality}              403 400 400 403 403 403 403 401
api.create_panel            POST   /api/v1/vacancies/{A}/panels             403 400 403 403 403 403 403 401
api.edit_panel              PATCH  /api/v1/panels/{panel}                   403 400 403 403 403 403 403 401
api.add_member              POST   /api/v1/panels/{panel}/members           403 400 403 403 403 403 403 401
api.make_declaration        POST   /api/v1/vacancies/{A}/declarations       403 403 400 400 400 403 403 401
api.list_candidates         GET    /api/v1/vacancies/{A}/candidates         403 200 200 200 200 403 403 401
api.add_candidate           POST   /api/v1/vacancies/{A}/candidates         403 400 403 403 403 403 403 401
api.withdraw_candidate      POST   /api/v1/candidates/{cand}/withdraw        403 400 403 403 403 403 403 401
api.get_scoresheet          GET    /api/v1/candidates/{cand}/scoresheet     403 403 200 200 200 403 403 401
api.put_scoresheet          PUT    /api/v1/candidates/{cand}/scoresheet     403 403 400 400 400 403 403 401
api.results                 GET    /api/v1/vacancies/{A}/results            403 200 200 403 403 403 403 401
api.decide                  POST   /api/v1/vacancies/{A}/decisions          403 400 400 403 403 403 403 401
api.release                 POST   /api/v1/vacancies/{A}/release            403 400 400 403 403 403 403 401
api.read_rates              GET    /api/v1/rates                            200 200 403 403 403 403 403 401
api.put_rates               PUT    /api/v1/rates                            400 403 403 403 403 403 403 401
api.create_participation    POST   /api/v1/participations                   400 400 403 403 403 403 403 401
api.record_panel_participation POST /api/v1/vacancies/{A}/participation     400 400 403 403 403 403 403 401
api.create_payment          POST   /api/v1/participations/{took_part}/payments 400 400 403 403 403 403 403 401
api.approve_payment         POST   /api/v1/payments/{new_payment}/approve   200 200 403 403 403 403 403 401
api.pay_payment             POST   /api/v1/payments/{new_payment}/pay       409 409 403 403 403 403 403 401
api.decline_payment         POST   /api/v1/payments/{new_payment}/decline   200 200 403 403 403 403 403 401
"""
# fmt: on

# Exports and admin actions: a page session must be fresh (a password sign-in, or "Confirm
# it is you", in the last 15 minutes); bearer tokens are never asked.
FRESH = {
    ("core.policy", "GET"), ("core.policy", "POST"),
    ("people.users", "GET"), ("people.new_user", "GET"), ("people.new_user", "POST"),
    ("people.reset_pin", "GET"), ("people.reset_pin", "POST"),
    ("people.reset_password", "GET"), ("people.reset_password", "POST"),
    ("panels.training", "GET"), ("panels.training", "POST"),
    ("admin.outbox", "GET"), ("admin.retry", "POST"), ("admin.export_person", "GET"),
    ("admin.erase_user", "GET"), ("admin.erase_user", "POST"),
    ("admin.export_candidate", "GET"),
    ("admin.erase_one_candidate", "GET"), ("admin.erase_one_candidate", "POST"),
    ("involvement.rates", "GET"), ("involvement.rates", "POST"),
    ("involvement.finance_file", "GET"), ("decisions.pack_file", "GET"),
    ("api.create_user", "POST"), ("api.put_rates", "PUT"),
    ("insights.csv_file", "GET"),
    ("insights.user_service", "GET"), ("insights.user_service", "POST"),
}  # fmt: skip

# What vacancy A holds that no one refused may ever be shown.
SECRETS = (
    "Anneliese Appleby",
    "anneliese@example.org",
    "Night support at Oakhaven",
    "Hums while cooking",
    "Smiled at everyone",
    "Rationale kept between us",
    "pack-bytes-for-vacancy-a",
    "Note kept for the finance team",
    "A message only for staff",
)


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    path: str
    expected: dict[str, int | str]


def parse(table: str) -> list[Row]:
    rows = []
    for line in table.strip().splitlines():
        if not line.strip():
            continue
        endpoint, method, path, *answers = line.split()
        assert len(answers) == len(ROLES), f"{endpoint} {method}: {len(answers)} answers"
        expected = {
            role: (answer if answer == IN else int(answer))
            for role, answer in zip(ROLES, answers, strict=True)
        }
        rows.append(Row(endpoint, method, path, expected))
    return rows


ROWS = parse(MATRIX)


def test_the_table_has_one_row_per_endpoint_and_method():
    seen = [(row.endpoint, row.method, row.path) for row in ROWS]
    assert len(seen) == len(set(seen))
    # every row asks with its own method; GET rows are the only ones sent without a body


def test_every_route_has_a_row(app):
    """Adding a route (or a method to one) without saying who may use it fails here."""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    in_table = {(row.endpoint, row.method) for row in ROWS}
    assert routes - in_table == set(), "routes with no row in MATRIX"
    assert in_table - routes == set(), "rows for routes that do not exist"
    assert in_table >= FRESH
    admin_pages = {(row.endpoint, row.method) for row in ROWS if row.path.startswith("/admin/")}
    assert admin_pages <= FRESH, "every admin page needs a fresh sign-in"


# --- the people and things of the matrix -------------------------------------------------------


class World:
    """Vacancy A at `deciding` (panels, members, an accepted quality, a candidate with
    submitted scores and a decision, released results, a decision pack, interviews booked),
    vacancy B with its own lead, payments, a finance file, a message, a tablet."""

    def __init__(self, app, api, make_user) -> None:
        self.app = app
        self.api = api
        self.people = {
            "admin": make_user("admin"),
            "hr": make_user("hr"),
            "lead": make_user("panel_lead", pin="1357"),
            "staff": make_user("staff"),
            "ps": make_user("person_supported", pin="2468"),
            "supp": make_user("staff"),
            "other": make_user("staff"),
        }
        self.tokens = {name: api.token(person) for name, person in self.people.items()}
        self.ids: dict[str, int | str] = {}
        self._slots: list[int] = []
        self._candidates_made: list[int] = []
        self._build()

    def call(self, method, path, who, json=None):
        answer = self.api.call(method, path, token=self.tokens[who], json=json)
        assert answer.status_code < 300, (method, path, answer.get_json())
        return answer.get_json() if answer.status_code != 204 else None

    def _build(self) -> None:
        p = self.people
        closes = (date.today() + timedelta(days=30)).isoformat()
        a, ps_panel, staff_panel = self._staffed("Night support at Oakhaven", "Nights")
        b = self.call(
            "POST", "/vacancies", "hr",
            {"title": "Cook", "service": "Elm Court", "closes_on": closes, "description": "Days"},
        )["id"]  # fmt: skip
        b_panel = self.call(
            "POST", f"/vacancies/{b}/panels", "hr",
            {"name": "Elm", "kind": "mixed", "weight": 1, "scale": 5},
        )["id"]  # fmt: skip
        self.call("POST", f"/panels/{b_panel}/members", "hr", {"user_id": p["other"].id,
                                                                "role": "lead"})  # fmt: skip
        self.call("POST", f"/vacancies/{b}/transitions", "hr", {"to": "co_design"})
        b_quality = self.call("POST", f"/vacancies/{b}/qualities", "other", {"text": "Tidy"})
        self.call("POST", f"/qualities/{b_quality['id']}/review", "other", {"status": "accepted"})

        self.call("POST", f"/vacancies/{a}/transitions", "hr", {"to": "co_design"})
        quality = self.call("POST", f"/vacancies/{a}/qualities", "ps",
                            {"text": "Hums while cooking"})["id"]  # fmt: skip
        self.call("POST", f"/qualities/{quality}/review", "lead", {"status": "accepted"})
        self.call("POST", f"/vacancies/{a}/transitions", "hr", {"to": "shortlisting"})
        cand = self.call(
            "POST", f"/vacancies/{a}/candidates", "hr",
            {"name": "Anneliese Appleby", "email": "anneliese@example.org"},
        )["id"]  # fmt: skip
        more = [
            self.call("POST", f"/vacancies/{a}/candidates", "hr", {"name": name})["id"]
            for name in ("Bo", "Cy", "Di")
        ]
        for who in ("ps", "lead", "staff"):
            self.call("POST", f"/vacancies/{a}/declarations", who,
                      {"confidentiality": True, "conflicts": []})  # fmt: skip
        self.call("POST", f"/vacancies/{a}/transitions", "hr", {"to": "interviewing"})
        for who, value in (("ps", 3), ("lead", 4), ("staff", 5)):
            self.call(
                "PUT", f"/candidates/{cand}/scoresheet", who,
                {"scores": [{"quality_id": quality, "value": value}], "submit": True,
                 "comment": "Smiled at everyone"},
            )  # fmt: skip
        for other_candidate in more:  # the lead sends every sheet, so reads every figure
            self.call(
                "PUT", f"/candidates/{other_candidate}/scoresheet", "lead",
                {"scores": [{"quality_id": quality, "value": 2}], "submit": True},
            )  # fmt: skip
        self._book_interviews(a, [cand, *more], [ps_panel, staff_panel])
        self.call("POST", f"/vacancies/{a}/transitions", "hr", {"to": "deciding"})
        self.call(
            "POST", f"/vacancies/{a}/decisions", "lead",
            {"candidate_id": cand, "outcome": "reserve",
             "rationale": "Rationale kept between us"},
        )  # fmt: skip
        took_part = self.call(
            "POST", "/participations", "hr",
            {"user_id": p["ps"].id, "activity": "panel", "took_part_on": date.today().isoformat(),
             "minutes": 90, "vacancy_id": a, "note": "Note kept for the finance team"},
        )["id"]  # fmt: skip
        self.ids.update(
            A=a, B=b, cand=cand, quality=quality, b_quality=b_quality["id"], panel=staff_panel,
            took_part=took_part, ps_id=p["ps"].id, staff_id=p["staff"].id,
        )  # fmt: skip
        self._with_operations(a)
        self._appointed(p)

    def _staffed(self, title: str, description: str) -> tuple[int, int, int]:
        """A vacancy at Oakhaven with a people supported panel (ps, with supp beside them)
        and a staff panel (lead as its lead, staff): its id and the two panels' ids."""
        p = self.people
        closes = (date.today() + timedelta(days=30)).isoformat()
        vacancy = self.call(
            "POST", "/vacancies", "hr",
            {"title": title, "service": "Oakhaven", "closes_on": closes,
             "description": description},
        )["id"]  # fmt: skip
        ps_panel = self.call(
            "POST", f"/vacancies/{vacancy}/panels", "hr",
            {"name": "People we support", "kind": "people_supported", "weight": 60, "scale": 3},
        )["id"]  # fmt: skip
        staff_panel = self.call(
            "POST", f"/vacancies/{vacancy}/panels", "hr",
            {"name": "Staff", "kind": "staff", "weight": 40, "scale": 5},
        )["id"]  # fmt: skip
        self.call(
            "POST", f"/panels/{ps_panel}/members", "hr",
            {"user_id": p["ps"].id, "supporter_id": p["supp"].id},
        )  # fmt: skip
        self.call("POST", f"/panels/{staff_panel}/members", "hr", {"user_id": p["lead"].id,
                                                                    "role": "lead"})  # fmt: skip
        self.call("POST", f"/panels/{staff_panel}/members", "hr", {"user_id": p["staff"].id})
        return vacancy, ps_panel, staff_panel

    def _appointed(self, p) -> None:
        """Vacancy C, decided, with the same people on its panels as A: an appointment with
        a check-in open for the person supported (co-evaluation)."""
        from recruit.insights.models import CheckIn, CheckInInvitation, InvitationKind

        c, _, _ = self._staffed("Days at Oakhaven", "Days")
        self.call("POST", f"/vacancies/{c}/transitions", "hr", {"to": "co_design"})
        quality = self.call("POST", f"/vacancies/{c}/qualities", "ps", {"text": "Patient"})["id"]
        self.call("POST", f"/qualities/{quality}/review", "lead", {"status": "accepted"})
        self.call("POST", f"/vacancies/{c}/transitions", "hr", {"to": "shortlisting"})
        cand = self.call("POST", f"/vacancies/{c}/candidates", "hr", {"name": "Cora Day"})["id"]
        for who in ("ps", "lead", "staff"):
            self.call("POST", f"/vacancies/{c}/declarations", who,
                      {"confidentiality": True, "conflicts": []})  # fmt: skip
        self.call("POST", f"/vacancies/{c}/transitions", "hr", {"to": "interviewing"})
        for who, value in (("ps", 3), ("lead", 5), ("staff", 5)):
            self.call(
                "PUT", f"/candidates/{cand}/scoresheet", who,
                {"scores": [{"quality_id": quality, "value": value}], "submit": True},
            )  # fmt: skip
        self.call("POST", f"/vacancies/{c}/transitions", "hr", {"to": "deciding"})
        self.call(
            "POST", f"/vacancies/{c}/decisions", "lead",
            {"candidate_id": cand, "outcome": "appoint", "rationale": "Patient and kind"},
        )  # fmt: skip
        self.call("POST", f"/vacancies/{c}/transitions", "hr", {"to": "decided"})
        with self.app.app_context():
            check_in = CheckIn(vacancy_id=c, candidate_id=cand, months=3)
            db.session.add(check_in)
            db.session.flush()
            db.session.add(
                CheckInInvitation(
                    check_in_id=check_in.id, user_id=p["ps"].id, kind=InvitationKind.CHECK_IN
                )
            )
            db.session.commit()
            self.ids.update(C=c, c_cand=cand, check_in=check_in.id)

    def _book_interviews(self, vacancy_id: int, candidates: list[int], panels: list[int]) -> None:
        """Interviews can be booked only before deciding: one for each cell that cancels."""
        from recruit.candidates.schedule import add_slot
        from recruit.people.models import User
        from recruit.vacancies.operations import get_vacancy

        with self.app.app_context():
            hr = db.session.get(User, self.people["hr"].id)
            vacancy = get_vacancy(vacancy_id)
            start = datetime.now().astimezone() + timedelta(days=1)
            pairs = [(c, p) for c in candidates for p in panels]
            assert len(pairs) >= len(ROLES)
            for n, (candidate_id, panel_id) in enumerate(pairs):
                slot, _ = add_slot(
                    hr, vacancy, candidate_id=candidate_id, panel_id=panel_id,
                    starts_at=start + timedelta(hours=n), minutes=45, place="Room 1",
                )  # fmt: skip
                self._slots.append(slot.id)
            db.session.commit()

    def _with_operations(self, vacancy_id: int) -> None:
        from recruit.core.notices import Notice
        from recruit.decisions import pack as pack_ops
        from recruit.decisions.operations import release_results
        from recruit.involvement.operations import make_finance_export
        from recruit.panels.models import PanelMember
        from recruit.people.models import User
        from recruit.people.operations import open_tablet
        from recruit.vacancies.operations import get_vacancy

        with self.app.app_context():
            hr = db.session.get(User, self.people["hr"].id)
            lead = db.session.get(User, self.people["lead"].id)
            vacancy = get_vacancy(vacancy_id)
            release_results(lead, vacancy)
            pack = pack_ops.request_pack(lead, vacancy)
            pack.status, pack.progress, pack.finished_at = pack_ops.DONE, 100, utcnow()
            pack.csv_data = pack.pdf_data = b"pack-bytes-for-vacancy-a"
            export = make_finance_export(hr, date.today().replace(day=1))
            notice = Notice(
                user_id=self.people["staff"].id, subject="For you", body="A message only for staff"
            )
            db.session.add(notice)
            key, _ = open_tablet(
                lead, "Oakhaven interviews", [self.people["ps"].id, self.people["lead"].id]
            )
            seat = db.session.scalar(
                select(PanelMember.id).where(PanelMember.user_id == self.people["staff"].id)
            )
            db.session.commit()
            self.ids.update(pack=pack.id, export=export.id, notice=notice.id, key=key, seat=seat)

    # "{new_...}" in a path: a thing made for that one cell
    def new_slot(self) -> int:
        return self._slots.pop()

    def new_payment(self) -> int:
        took_part = self.call(
            "POST", "/participations", "hr",
            {"user_id": self.people["ps"].id, "activity": "other", "minutes": 30,
             "took_part_on": date.today().isoformat()},
        )["id"]  # fmt: skip
        answer = self.call(
            "POST", f"/participations/{took_part}/payments", "hr",
            {"kind": "fee", "amount_pence": 1500, "benefits_reminder_given": True},
        )  # fmt: skip
        return answer["id"]

    def new_candidate(self) -> int:
        """A candidate of vacancy A for a cell that withdraws one: one HR turned down, so that
        the cells refused it leave nobody new for the panels to declare about or score."""
        from recruit.candidates.models import Candidate

        with self.app.app_context():
            n = len(self._candidates_made)
            candidate = Candidate(
                vacancy_id=self.ids["A"],
                name=f"Extra {n}",
                alias=f"Extra {n}",
                status="not_shortlisted",
            )
            db.session.add(candidate)
            db.session.commit()
            self._candidates_made.append(candidate.id)
            return candidate.id

    def new_dead_message(self) -> int:
        from recruit.core.outbox import DEAD, OutboxMessage

        with self.app.app_context():
            message = OutboxMessage(task="email.send", payload={}, status=DEAD, attempts=5)
            db.session.add(message)
            db.session.commit()
            return message.id

    def path(self, row: Row) -> str:
        values = dict(self.ids)
        for name in ("new_slot", "new_payment", "new_dead_message", "new_candidate"):
            if "{" + name + "}" in row.path:
                values[name] = getattr(self, name)()
        return row.path.format(**values)


class Sessions:
    """Each person's page session (cookie and CSRF token) and bearer token."""

    def __init__(self, app, world: World) -> None:
        self.app = app
        self.world = world
        self.cookies: dict[str, str] = {}
        self.csrf: dict[str, str] = {}
        for role in ROLES:
            client = app.test_client()
            if role != "out":
                person = world.people[role]
                page = client.get("/sign-in")
                signed_in = client.post(
                    "/sign-in",
                    data={"csrf_token": csrf_from(page.text), "username": person.username,
                          "password": person.password},
                )  # fmt: skip
                assert signed_in.status_code == 302, role
                self.csrf[role] = csrf_from(client.get("/messages").text)
            else:
                self.csrf[role] = csrf_from(client.get("/sign-in").text)
            self.cookies[role] = client.get_cookie("session").value

    def make_stale(self, minutes: float = 16) -> None:
        """Move every sign-in back in time: the sessions stay signed in but are not fresh."""
        for role in ROLES:
            if role == "out":
                continue
            client = self.client(role)
            with client.session_transaction() as session:
                session["signed_in_at"] = time.time() - minutes * 60
            self.cookies[role] = client.get_cookie("session").value

    def client(self, role: str):
        client = self.app.test_client()
        client.set_cookie("session", self.cookies[role])
        return client

    def ask(self, row: Row, role: str, *, by_session_api: bool = False):
        limiter.reset()  # sign-in pages sent empty count as failed sign-ins
        path = self.world.path(row)
        client = self.client(role)
        if path.startswith("/api/"):
            headers = {}
            if by_session_api:
                headers["X-CSRFToken"] = self.csrf[role]
            elif role != "out":
                token = self.world.tokens[role]
                if row.endpoint == "api.revoke_current_token":
                    token = self.world.api.token(self.world.people[role])
                headers["Authorization"] = f"Bearer {token}"
            if row.method == "GET":
                return client.open(path, method="GET", headers=headers)
            return client.open(
                path, method=row.method, headers=headers, data="not json",
                content_type="application/json",
            )  # fmt: skip
        if row.method == "GET":
            return client.get(path)
        return client.open(path, method=row.method, data={"csrf_token": self.csrf[role]})


def outcome(answer) -> int | str:
    location = answer.headers.get("Location", "")
    if answer.status_code == 302 and location.split("?")[0].endswith("/sign-in"):
        return IN
    return answer.status_code


@pytest.fixture
def matrix(app, api, make_user):
    world = World(app, api, make_user)
    return world, Sessions(app, world)


def test_access_matrix(app, matrix):
    world, sessions = matrix
    wrong, leaks, shown, cells = [], [], set(), 0
    for row in ROWS:
        for role in ROLES:
            answer = sessions.ask(row, role)
            cells += 1
            got, want = outcome(answer), row.expected[role]
            if got != want:
                wrong.append(f"{row.endpoint} {row.method} {row.path} as {role}: {got}, not {want}")
            body = answer.get_data(as_text=True)
            if got in (401, 403, 404, IN):
                leaks += [f"{row.endpoint} as {role}: {s!r}" for s in SECRETS if s in body]
            else:
                shown |= {s for s in SECRETS if s in body}
    assert cells == len(ROWS) * len(ROLES) == 1216
    assert not wrong, "\n".join(wrong)
    assert not leaks, "\n".join(leaks)
    assert shown == set(SECRETS), "each secret is shown to someone allowed, so the check bites"


def test_exports_and_admin_actions_ask_a_stale_session_to_confirm(app, matrix):
    """A sign-in older than 15 minutes stays signed in, but every FRESH row sends each person
    allowed it to "Confirm it is you" (pages) or answers 401 fresh_sign_in_required (a page's
    session calling the API). Every other page row answers its first allowed person as the
    matrix says (bearer tokens are never stale: the matrix covers them)."""
    world, sessions = matrix
    sessions.make_stale()
    wrong = []
    for row in ROWS:
        api_row = row.path.startswith("/api/")
        allowed = [r for r in ROLES if row.expected[r] not in (401, 403, 404, IN)]
        if (row.endpoint, row.method) in FRESH:
            for role in allowed:
                answer = sessions.ask(row, role, by_session_api=api_row)
                if api_row:
                    ok = (
                        answer.status_code == 401
                        and answer.get_json()["error"]["code"] == "fresh_sign_in_required"
                    )
                else:
                    location = answer.headers.get("Location", "")
                    ok = answer.status_code == 302 and location.startswith(
                        "/confirm-it-is-you?next="
                    )
                if not ok:
                    wrong.append(f"{row.endpoint} {row.method} as {role}: {answer.status_code}")
        elif not api_row and allowed and allowed[0] != "out":
            answer = sessions.ask(row, allowed[0])
            if outcome(answer) != row.expected[allowed[0]]:
                wrong.append(f"{row.endpoint} {row.method} as {allowed[0]}: {outcome(answer)}")
    assert not wrong, "\n".join(wrong)
