"""The decision pack: built by a real Celery worker, then opened as a person would — the PDF's
text extracted and the CSV parsed — and checked against the figures on the decision page."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from recruit.decisions.pack import DecisionPack, safe_cell, to_csv
from recruit.extensions import db
from tests.conftest import csrf_from
from tests.test_api_scoring import Day
from tests.test_api_vacancies import World
from tests.test_pages_qualities import password_sign_in
from tests.test_workers import app, stack, stacks  # noqa: F401 - real worker fixtures


def test_cells_never_run_as_formulas():
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [safe_cell(v) for v in ("+1", "-2", "@SUM(A1)", "plain", None, 3)] == [
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
        "",
        "3",
    ]
    data = to_csv([["Name", "Note"], ["Zoë", "=1+1"]])
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["Name", "Note"],
        ["Zoë", "'=1+1"],
    ]


@pytest.mark.worker
def test_the_worker_builds_a_pack_with_the_pages_figures(app, api, make_user, client, stack):  # noqa: F811
    world = World(api, make_user)
    day = Day(world)
    day.put("ps", day.a, day.body((3, 2), submit=True))
    day.put("ps2", day.a, day.body((2, None), submit=True))
    day.put("lead", day.a, day.body((5, 4), submit=True))
    day.put("staff", day.a, day.body((3, 3), submit=True))
    day.put("ps", day.b, day.body((1, 1), submit=True, would_work_with="no"))
    day.put("lead", day.b, day.body((5, 5), submit=True))
    world.move(day.vacancy_id, "deciding")
    world.post(
        f"/vacancies/{day.vacancy_id}/decisions",
        "lead",
        {
            "candidate_id": day.b,
            "outcome": "appoint",
            "rationale": "Experienced with autism",
            "override_reason": "Only B can drive the minibus =SUM(1)",
        },
    )
    password_sign_in(client, world, "lead")
    page = client.get(f"/vacancies/{day.vacancy_id}/decision")
    assert "65.63 out of 100" in page.text
    client.post(f"/vacancies/{day.vacancy_id}/packs", data={"csrf_token": csrf_from(page.text)})
    with app.app_context():
        pack_id = db.session.scalar(select(DecisionPack.id))

    def ready():
        status = client.get(f"/packs/{pack_id}.json").get_json()
        return status if status["status"] in ("done", "failed") else None

    status = stack.wait(ready, "the decision pack to be built", timeout=30)
    assert status["status"] == "done" and status["progress"] == 100
    shown = client.get(f"/vacancies/{day.vacancy_id}/decision").text
    assert f"/packs/{pack_id}.pdf" in shown

    csv_answer = client.get(f"/packs/{pack_id}.csv")
    assert csv_answer.mimetype == "text/csv"
    raw = csv_answer.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    flat = [cell for row in rows for cell in row]
    assert "Kind" in flat and "Listens" in flat and "People supported" in flat
    result_a = next(row for row in rows if row and row[0] == "Candidate A")
    assert result_a[1:3] == ["1", "65.63"]
    assert "62.50" in result_a and "31.25" in result_a and "34.38" in result_a
    decision = next(row for row in rows if row and row[0] == "Candidate B" and "appoint" in row)
    assert "Only B can drive the minibus =SUM(1)" in decision  # not at the start: left as typed
    assert any(row[:1] == ["Closing date"] or "Closing date" in row for row in rows)

    pdf = client.get(f"/packs/{pack_id}.pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    for figure in (
        "65.63",
        "62.50",
        "68.75",
        "31.25",
        "34.38",
        "50.00",
        "Candidate A",
        "Experienced with autism",
        "Only B can drive the minibus",
    ):
        assert figure in text, figure

    password_sign_in(client, world, "staff")
    assert client.get(f"/packs/{pack_id}.pdf").status_code == 403
