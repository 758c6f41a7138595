"""Input limits: request size, string lengths, ids, uploads, CSV exports, escaping.

Every write is bounded: a body over MAX_CONTENT_LENGTH answers 413 (the API's error shape,
or a page in plain words), every string field has a maximum length (API and forms), ids
beyond what a row can have are 404 or 422 rather than a database overflow, uploaded CSV
files are checked, exported cells never run as formulas, and user text is always escaped.
"""

from __future__ import annotations

import importlib
import inspect
import io
import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import FileField, StringField
from wtforms.validators import Length

from recruit.candidates.models import Candidate
from recruit.candidates.schedule import _ics_text
from recruit.core.errors import MAX_ID
from recruit.decisions.pack import safe_cell, to_csv
from recruit.extensions import db
from tests.conftest import csrf_from
from tests.test_api_vacancies import CLOSES, World, error_code
from tests.test_pages_qualities import password_sign_in

ROOT = Path(__file__).resolve().parents[1]
FORM_MODULES = [
    "recruit.candidates.forms",
    "recruit.involvement.forms",
    "recruit.panels.forms",
    "recruit.people.forms",
    "recruit.qualities.forms",
    "recruit.vacancies.forms",
    "recruit.core.forms",
]


@pytest.fixture
def world(api, make_user) -> World:
    return World(api, make_user)


# --- request size ----------------------------------------------------------------------------


def test_an_api_body_over_the_limit_answers_413_in_the_error_shape(app, world):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = {"title": "T", "service": "S", "closes_on": CLOSES, "description": "x" * limit}
    answer = world.post("/vacancies", "hr", body)
    assert answer.status_code == 413
    assert error_code(answer) == "too_large"
    assert "1 MB" in answer.get_json()["error"]["message"]
    assert world.get("/vacancies", "hr").get_json()["vacancies"] == []  # nothing was made


def test_a_page_sent_too_much_answers_413_in_plain_words(app, client, world):
    password_sign_in(client, world, "hr")
    page = client.get("/vacancies/new")
    answer = client.post(
        "/vacancies/new",
        data={"csrf_token": csrf_from(page.text), "title": "x" * app.config["MAX_CONTENT_LENGTH"]},
    )
    assert answer.status_code == 413
    assert answer.mimetype == "text/html"
    assert "too large" in answer.text and "1 MB" in answer.text
    assert "Traceback" not in answer.text


# --- string lengths ----------------------------------------------------------------------------


def test_every_string_in_every_api_body_has_a_maximum_length(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    bodies = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        for path in document["paths"].values()
        for operation in path.values()
        if "requestBody" in operation
    }
    unbounded = []

    def walk(schema: dict, where: str) -> None:
        if "$ref" in schema:
            walk(schemas[schema["$ref"].split("/")[-1]], where)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for n, sub in enumerate(schema.get(key, [])):
                walk(sub, f"{where}[{n}]")
        kinds = schema.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        is_free_text = "string" in kinds and not (
            "enum" in schema or "const" in schema or schema.get("format") in ("date", "date-time")
        )
        if is_free_text and "maxLength" not in schema:
            unbounded.append(where)
        if "array" in kinds and "maxItems" not in schema:
            unbounded.append(where + " (list)")
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}")
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], f"{where}[]")
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], f"{where}{{}}")

    for name in sorted(bodies):
        walk(schemas[name], name)
    assert bodies and unbounded == []


def test_every_text_field_of_every_form_has_a_maximum_length(app):
    unbounded = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, FlaskForm) or form.__module__ != module_name:
                continue
            for field_name in dir(form):
                field = getattr(form, field_name)
                field_class = getattr(field, "field_class", None)
                if not (field_class and issubclass(field_class, StringField)):
                    continue
                if issubclass(field_class, FileField):
                    continue
                validators = field.kwargs.get("validators") or []
                if not any(isinstance(v, Length) and v.max and v.max > 0 for v in validators):
                    unbounded.append(f"{name}.{field_name}")
    assert unbounded == []


def test_too_long_text_is_refused_in_plain_words_and_changes_nothing(world):
    answer = world.post(
        "/vacancies", "hr", {"title": "x" * 201, "service": "S", "closes_on": CLOSES}
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"]["title"] == ["This is too long."]
    assert world.get("/vacancies", "hr").get_json()["vacancies"] == []


# --- ids -----------------------------------------------------------------------------------------


def test_ids_beyond_any_row_are_404_in_addresses_and_422_in_bodies(client, world):
    vacancy_id, ps_panel, _ = world.staffed()
    for huge in (MAX_ID + 1, 2**63, 10**30):
        assert world.get(f"/vacancies/{huge}", "hr").status_code == 404
        answer = world.post(f"/panels/{ps_panel}/members", "hr", {"user_id": huge})
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["error"]["fields"]["user_id"] == ["This number is too large."]
        answer = world.post(
            f"/vacancies/{vacancy_id}/declarations",
            "staff",
            {"confidentiality": True, "conflicts": [huge]},
        )
        assert answer.status_code == 422, answer.get_json()
    password_sign_in(client, world, "hr")
    assert client.get(f"/vacancies/{10**30}").status_code == 404
    assert client.get(f"/audit?page={10**30}").status_code == 200
    assert client.get(f"/tablet/open?panel={10**30}").status_code == 200


# --- uploads ---------------------------------------------------------------------------------


def _import(client, vacancy_id: int, content: bytes, filename: str = "people.csv"):
    page = client.get(f"/vacancies/{vacancy_id}/candidates")
    return client.post(
        f"/vacancies/{vacancy_id}/candidates/import",
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_a_csv_import_is_checked_before_anything_is_added(app, client, world):
    vacancy_id, _, _ = world.ready_for_shortlisting()
    password_sign_in(client, world, "hr")
    refusals = {
        "not a CSV file": (b"name\nAnn\n", "people.xlsx"),
        "not UTF-8": ("name\nZoë\n".encode("utf-16"), "people.csv"),
        "binary": (b"name\nAnn\x00\x01\x02\n", "people.csv"),
        "a field too long for csv": (b'name\n"' + b"x" * 200_000 + b'"\n', "people.csv"),
        "no name column": (b"email\nann@example.org\n", "people.csv"),
        "too many rows": (b"name\n" + b"Person\n" * 1001, "people.csv"),
    }
    for why, (content, filename) in refusals.items():
        answer = _import(client, vacancy_id, content, filename)
        assert answer.status_code == 200, why
        assert "govuk-error-message" in answer.text, why
    too_big = _import(client, vacancy_id, b"name\n" + b"A" * app.config["MAX_CONTENT_LENGTH"])
    assert too_big.status_code == 413 and "too large" in too_big.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Candidate.id))) == 0
    assert "1 candidate added" in _import(client, vacancy_id, b"name\nAnn Smith\n").text


# --- exports -------------------------------------------------------------------------------------


def test_exported_cells_never_run_as_formulas():
    dangerous = [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\n=1",
        '  =HYPERLINK("http://x")',
        "\uff1dSUM(A1)",
        "\uff0b1",
    ]
    for value in dangerous:
        assert safe_cell(value).startswith("'"), value
    assert [safe_cell(v) for v in ("Kind and calm", "", None, 65.63, "a=b")] == [
        "Kind and calm",
        "",
        "",
        "65.63",
        "a=b",
    ]
    exported = to_csv([["=cmd|' /C calc'!A0", "fine"]]).decode("utf-8-sig")
    assert exported.startswith("\"'=cmd") or exported.startswith("'=cmd")


def test_calendar_text_cannot_start_a_new_line():
    text = _ics_text("Ann\rATTENDEE:mailto:x@example.org\r\nX;Y,Z")
    assert "\r" not in text and "\n" not in text
    assert text == "Ann\\nATTENDEE:mailto:x@example.org\\nX\\;Y\\,Z"


# --- escaping ----------------------------------------------------------------------------------


def test_no_template_or_view_bypasses_autoescaping():
    """`|safe`, Markup() and autoescape off would let someone's words run as code."""
    pattern = re.compile(r"\|\s*safe\b|Markup\(|autoescape\s+false|render_template_string")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder, glob in (("templates", "*.html"), ("recruit", "*.py"))
        for path in (ROOT / folder).rglob(glob)
        if "static" not in path.parts
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_someones_words_are_shown_as_words_not_run(client, world):
    vacancy_id, _, _ = world.staffed()
    assert world.move(vacancy_id, "co_design").status_code == 200
    words = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    world.quality(vacancy_id, "ps", text=words)
    password_sign_in(client, world, "hr")
    page = client.get(f"/vacancies/{vacancy_id}/qualities")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(" in page.text
