"""Fuzzing the JSON API against its own OpenAPI document (schemathesis, in-process WSGI).

Every operation of `/api/v1/openapi.json` is called with generated requests, valid and
invalid, as HR and as a panel lead, against the demo organisation (a vacancy at every
stage, so that ids exist). Every answer must be one the document lists, with a body that
matches its schema (errors in API.md's shape), and never a 5xx.

The run is bounded: FUZZ_EXAMPLES examples per operation, user and mode (override with the
environment variable RECRUIT_FUZZ_EXAMPLES for a longer run by hand).
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from recruit.extensions import db
from tests.support.reports import report

FUZZ_EXAMPLES = int(os.environ.get("RECRUIT_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ERROR_KEYS = {"code", "message", "fields"}


def existing_ids() -> dict[str, list[int]]:
    """Ids of the demo organisation's rows, per path parameter name."""
    from recruit.candidates.models import Candidate
    from recruit.involvement.models import Participation, Payment
    from recruit.panels.models import Panel
    from recruit.people.models import User
    from recruit.qualities.models import Quality
    from recruit.vacancies.models import Vacancy

    def ids(model) -> list[int]:
        return list(db.session.scalars(select(model.id).order_by(model.id)).all())

    return {
        "vacancy_id": ids(Vacancy),
        "panel_id": ids(Panel),
        "candidate_id": ids(Candidate),
        "quality_id": ids(Quality),
        "user_id": ids(User),
        "participation_id": ids(Participation),
        "payment_id": ids(Payment),
    }


def assert_error_shape(response) -> None:
    """API.md: {"error": {"code", "message", "fields"?}}, the message in words."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) <= ERROR_KEYS, body
    assert body["error"]["code"] and body["error"]["message"].strip(), body


@pytest.fixture
def demo(app):
    from recruit.core.demo import seed

    with app.app_context():
        seed()
        db.session.commit()
        found = existing_ids()
    assert all(found[name] for name in ("vacancy_id", "panel_id", "candidate_id", "quality_id"))
    return found


def test_every_api_answer_matches_the_openapi_document(app, backend, api, demo):
    tokens = {
        "hr": api.token(_demo_person("hana", "demo-hr-pw")),
        "panel_lead": api.token(_demo_person("lee", "demo-lead-pw")),
    }
    # Made now: after fuzzing POST /tokens, sign-in is rate limited (429) for a while.
    sign_out_tokens = {
        "hr": api.token(_demo_person("hana", "demo-hr-pw")),
        "panel_lead": api.token(_demo_person("lee", "demo-lead-pw")),
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30

    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    skipped: list[str] = []
    started = time.monotonic()

    def fuzz(operation, who: str, token: str, mode) -> None:
        strategy = operation.as_strategy(generation_mode=mode)
        # Not schemathesis' negative_data_rejection: we replace generated path ids and the
        # Authorization header with real ones, which would make its verdicts wrong.
        checks = CHECKS
        label = f"{operation.label} as {who} ({mode.value})"

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=["explicit", "generate"],
        )
        @given(data=st.data())
        def call(data):
            case = data.draw(strategy)
            for name, value in list(
                (case.path_parameters or {}).items() if mode.is_positive else []
            ):
                known = st.sampled_from(demo.get(name) or [1])
                if isinstance(value, int) and not isinstance(value, bool):
                    case.path_parameters[name] = data.draw(
                        known | known | known | st.integers(-5, 10**6)
                    )
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call()
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=checks)
                if response.status_code >= 400:
                    assert_error_shape(response)
            except (AssertionError, BaseExceptionGroup) as error:  # collect every distinct one
                key = f"{label}: {type(error).__name__} {str(error).splitlines()[0][:120]}"
                failures.setdefault(key, f"{label}\n{str(error)[:3000]}")

        try:
            call()
        except Unsatisfiable:
            if mode.is_positive:
                raise
            skipped.append(label)  # nothing about this operation can be sent wrong

    # Signing out of the API revokes the token it is sent with: fuzz it last, with its own.
    operations.sort(key=lambda op: op.label == "DELETE /api/v1/tokens/current")
    for operation in operations:
        if operation.label == "DELETE /api/v1/tokens/current":
            tokens = sign_out_tokens
        for who, token in tokens.items():
            for mode in (
                schemathesis.GenerationMode.POSITIVE,
                schemathesis.GenerationMode.NEGATIVE,
            ):
                fuzz(operation, who, token, mode)

    elapsed = time.monotonic() - started
    cases = sum(statuses.values())
    report(
        f"schemathesis [{backend}]: {cases} cases over {len(operations)} operations "
        f"in {elapsed:.1f} s; answers {dict(sorted(statuses.items()))}"
        + (f"; no invalid request possible for {len(skipped)}" if skipped else "")
    )
    assert cases >= len(operations) * 4
    assert not failures, "\n".join(failures) + "\n\n" + "\n\n".join(failures.values())
    assert not any(code >= 500 for code in statuses), statuses


def _demo_person(username: str, password: str):
    from tests.conftest import Person

    return Person(0, username, "", password, None)
