"""Domain errors, and the one place that turns them (and HTTP errors) into answers.

Operations raise these; the API answers them in API.md's error shape, the pages
as form messages or an error page. Never a bare 500 for something the user did.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

# The largest id a row can have (PostgreSQL's integer). Larger numbers in an address or a
# body are answered 404 or 422, never passed to the database, whose driver would overflow.
MAX_ID = 2**31 - 1


def as_id(value: object) -> int | None:
    """`value` as a row id if it can be one (a whole number from 1 to MAX_ID), else None."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` in every route. A number larger than any row's id is read as 0, which
    names no row, so the view answers 404 as for any missing row (rather than the database
    driver overflowing, or Werkzeug answering 405 for a route it half matched)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


class DomainError(Exception):
    status = 422
    code = "invalid"
    message = "Something is not right with what was sent."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        if code:
            self.code = code
        self.fields = fields or {}


class Malformed(DomainError):
    status = 400
    code = "malformed"
    message = "The request could not be read. Send a JSON object."


class NotSignedIn(DomainError):
    status = 401
    code = "not_signed_in"
    message = "Please sign in first."


class FreshLoginRequired(DomainError):
    """An export or admin action from a page session that was not started (or confirmed)
    with a password recently: the pages ask "Confirm it is you", then go on."""

    status = 401
    code = "fresh_sign_in_required"
    message = "Please type your password again to confirm it is you."

    def __init__(self, message: str | None = None, *, continue_to: str = "/") -> None:
        super().__init__(message)
        self.continue_to = continue_to


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    message = "The name, password or PIN is not right. Please try again."


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "We could not find that."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "This cannot be done now."


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"
    message = "Some answers need changing."


HTTP_MESSAGES = {
    400: ("malformed", "The request could not be read."),
    401: ("not_signed_in", "Please sign in first."),
    403: ("forbidden", "You are not allowed to do this."),
    404: ("not_found", "We could not find that."),
    405: ("method_not_allowed", "This address does not accept that kind of request."),
    409: ("conflict", "This cannot be done now."),
    413: ("too_large", "What was sent is too large."),
    415: ("malformed", "Send JSON with the header Content-Type: application/json."),
    422: ("invalid", "Some answers need changing."),
    429: ("too_many_attempts", "Too many attempts. Please wait a few minutes and try again."),
    500: ("server_error", "Something went wrong on our side. Nothing you sent was lost."),
    503: ("unavailable", "The service is busy or restarting. Please try again in a minute."),
}


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def json_error(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    response = jsonify(error_body(status, code, message, fields))
    response.status_code = status
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def register_error_handlers(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if wants_json():
            return json_error(error.status, error.code, error.message, error.fields)
        return (
            render_template("core/error.html", status=error.status, message=error.message),
            error.status,
        )

    @app.errorhandler(FreshLoginRequired)
    def handle_fresh_login_required(error: FreshLoginRequired):
        if wants_json():
            return json_error(error.status, error.code, error.message)
        return redirect(url_for("people.confirm", next=error.continue_to))

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        drawn_for = request.form.get("as_user") if request.form else None
        if drawn_for and current_user.is_authenticated and drawn_for != str(current_user.id):
            # A page drawn for the person before on a shared tablet: each sign-in starts a
            # new session with a new CSRF token, so their form is refused here; say why.
            message = (
                "Someone else is signed in on this tablet now. Please sign in as yourself again."
            )
            return render_template("core/error.html", status=403, message=message), 403
        message = "This form was out of date. Please go back, reload the page and try again."
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return render_template("core/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        code, message = HTTP_MESSAGES.get(status, ("error", error.description or "Error"))
        if status == 429:
            message = HTTP_MESSAGES[429][1]
        if status == 413:
            megabytes = (app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
            message = f"What was sent is too large. At most {megabytes:g} MB can be sent at once."
        if wants_json():
            response = json_error(status, code, message)
            if status == 429 and error.get_response().headers.get("Retry-After"):
                response.headers["Retry-After"] = error.get_response().headers["Retry-After"]
            return response
        return render_template("core/error.html", status=status, message=message), status

    @app.errorhandler(DBAPIError)
    def handle_database_error(error: DBAPIError):
        """The database went away (restarted, failed over, unreachable): 503, try again.

        Any other database error is a bug, answered as one (500)."""
        if not (isinstance(error, OperationalError) or error.connection_invalidated):
            return handle_unexpected(error)
        app.logger.warning(
            "database unavailable on %s %s: %s", request.method, request.path, error.orig
        )
        try:
            from recruit.extensions import db

            db.session.rollback()
        except DBAPIError:  # the connection is gone: nothing to roll back
            pass
        code, message = HTTP_MESSAGES[503]
        if wants_json():
            response = json_error(503, code, message)
        else:
            # The page must not touch the database again: show it as to someone signed out.
            from flask import g

            from recruit.extensions import login_manager

            g._login_user = login_manager.anonymous_user()
            response = app.make_response(
                (render_template("core/error.html", status=503, message=message), 503)
            )
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = HTTP_MESSAGES[500]
        if wants_json():
            return json_error(500, code, message)
        return render_template("core/error.html", status=500, message=message), 500
