"""The JSON API's plumbing: one blueprint under /api/v1, bearer-token (or signed-in
page with CSRF header) authentication, pydantic bodies, errors in API.md's shape,
and an OpenAPI description built from the same declarations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

from flask import Blueprint, Response, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from wtforms.validators import ValidationError as CSRFValidationError

from recruit.core.errors import MAX_ID, Malformed, NotSignedIn, ValidationFailed
from recruit.extensions import csrf

api = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api)

ENDPOINTS: list[dict[str, Any]] = []

PLAIN_MESSAGES = {
    "missing": "This is required.",
    "string_type": "This must be text.",
    "int_type": "This must be a whole number.",
    "int_parsing": "This must be a whole number.",
    "bool_type": "This must be true or false.",
    "float_type": "This must be a number.",
    "list_type": "This must be a list.",
    "extra_forbidden": "This is not a field we know.",
    "literal_error": "This is not one of the allowed values.",
    "enum": "This is not one of the allowed values.",
    "string_too_long": "This is too long.",
    "string_too_short": "This is too short.",
    "greater_than_equal": "This number is too small.",
    "less_than_equal": "This number is too large.",
    "too_long": "This list is too long.",
    "date_from_datetime_parsing": "This must be a date like 2026-12-31.",
    "date_parsing": "This must be a date like 2026-12-31.",
    "date_type": "This must be a date like 2026-12-31.",
}


# An id in a body: a database row's id, so 1 to 2**31 − 1 (PostgreSQL's integer); a larger
# number could never name a row and would overflow the database driver.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Body(BaseModel):
    """Base for request bodies: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=False)


def _plain(error: dict) -> str:
    if error["type"] == "value_error" and error.get("ctx", {}).get("error"):
        return str(error["ctx"]["error"])
    if error["type"] in PLAIN_MESSAGES:
        message = PLAIN_MESSAGES[error["type"]]
        if error["type"] in ("literal_error", "enum") and error.get("ctx", {}).get("expected"):
            message = f"Choose one of: {error['ctx']['expected']}."
        return message
    return error.get("msg", "This is not valid.")


def parse_body(model: type[BaseModel]) -> BaseModel:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Malformed("The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, list[str]] = {}
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "body"
            fields.setdefault(name, []).append(_plain(err))
        raise ValidationFailed(fields=fields) from None


def api_user():
    """The user making this API request: by bearer token, or a signed-in page with CSRF."""
    if "api_user" in g:
        return g.api_user
    from recruit.people.operations import user_for_token

    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            user = user_for_token(token.strip())
        if user is None:
            raise NotSignedIn("The token is missing, wrong or expired. Ask for a new one.")
    elif current_user.is_authenticated:
        _same_person(current_user.id)  # first: a page drawn for someone else has their token
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except CSRFValidationError:
                raise NotSignedIn(
                    "Your sign-in has expired on this page. Please sign in again.",
                    code="csrf_expired",
                ) from None
        user = current_user._get_current_object()
        g.api_by_session = True
    if user is None:
        raise NotSignedIn()
    _same_person(user.id)
    g.api_user = user
    return user


def _same_person(user_id: int) -> None:
    expected = request.headers.get("X-Recruit-User", "").strip()
    if expected and expected != str(user_id):
        # A shared tablet: a page (or its offline queue) of someone who has signed out must
        # never send their answers as the next person who signed in on the same device.
        raise NotSignedIn(
            "Someone else is signed in on this device. Please sign in as yourself again.",
            code="signed_in_as_someone_else",
        )


def endpoint(
    rule: str,
    method: str,
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    errors: tuple[int, ...] = (),
    idempotent: bool = False,
) -> Callable:
    """Declare an API endpoint: route, authentication and its OpenAPI entry.

    The view receives `user` (when auth). It reads its body with `parse_body(Model)` after
    its own existence and permission checks, so that 404 and 403 come before 400 and 422.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**kwargs):
            if auth:
                kwargs["user"] = api_user()
            result = view(**kwargs)
            if isinstance(result, tuple | Response):
                return result
            if isinstance(result, BaseModel):
                result = result.model_dump(mode="json")
            return jsonify(result), status

        api.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        ENDPOINTS.append(
            {
                "rule": rule,
                "method": method.lower(),
                "summary": summary,
                "body": body,
                "response": response,
                "status": status,
                "auth": auth,
                "errors": errors,
                "idempotent": idempotent,
                "name": view.__name__,
            }
        )
        return wrapper

    return decorate


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def openapi_document() -> dict:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}

    def keep(name: str, schema: dict) -> None:
        # Two different models of one name would silently describe one of them wrongly.
        if schemas.setdefault(name, schema) != schema:
            raise RuntimeError(f"two API models are both called {name}: rename one")

    def ref(model: type[BaseModel]) -> dict:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            keep(name, sub)
        keep(model.__name__, schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    for item in ENDPOINTS:
        path = item["rule"].replace("<int:", "{").replace("<", "{").replace(">", "}")
        operation: dict[str, Any] = {"summary": item["summary"], "operationId": item["name"]}
        params = [
            {
                "name": part[1:-1],
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            }
            for part in path.split("/")
            if part.startswith("{")
        ]
        if item["idempotent"]:
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "the same key and body replay the first answer (kept 24 h); "
                    "an empty one counts as none",
                    "schema": {"type": "string", "maxLength": 200},
                }
            )
        if params:
            operation["parameters"] = params
        if item["body"] is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(item["body"])}},
            }
        ok: dict[str, Any] = {"description": "Success"}
        if item["response"] is not None:
            ok["content"] = {"application/json": {"schema": ref(item["response"])}}
        responses = {str(item["status"]): ok}
        # 503: the database is unavailable (restarting); every endpoint may answer it.
        codes = set(item["errors"]) | ({401} if item["auth"] else set()) | {503}
        if item["body"] is not None:
            codes |= {400, 413, 422}
        for code in sorted(codes):
            responses[str(code)] = {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        operation["responses"] = responses
        if item["auth"]:
            operation["security"] = [{"bearer": []}]
        paths.setdefault("/api/v1" + path, {})[item["method"]] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": "recruit API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@api.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())
