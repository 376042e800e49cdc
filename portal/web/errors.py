"""Error answers, negotiated: JSON for API clients, an error fragment into the
flash region for HTMX requests, a full page otherwise. Every handler rolls
the session back first, so a failed request saves nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..errors import DomainError
from ..extensions import db, login_manager


def wants_json() -> bool:
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


#: Every error answer names its code in this header, so a client (the scan
#: station's queue) can tell a CSRF failure from any other refusal without
#: reading the body or guessing from the status.
ERROR_CODE_HEADER = "X-Portal-Error"


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, for programs (also in the X-Portal-Error header)")
    message: str = Field(description="For people")
    details: dict[str, Any] | None = Field(
        None, description="When there is more to say: e.g. {'fields': {field: message}} for each bad field"
    )


class ErrorBody(BaseModel):
    """The one shape of every JSON error answer."""

    error: ErrorDetail


def error_response(status: int, code: str, message: str, details=None, extra: dict | None = None):
    """The error answer. ``extra`` adds top-level fields to the JSON answer
    (a refused supplier list answers its preview beside the error)."""
    db.session.rollback()
    headers = {ERROR_CODE_HEADER: code}
    if wants_json():
        body = ErrorBody(error=ErrorDetail(code=code, message=message, details=details))
        return jsonify({**(extra or {}), **body.model_dump(mode="json", exclude_none=True)}), status, headers
    from . import is_htmx_request

    if is_htmx_request():
        response = render_template("_partials/error.html", status=status, message=message)
        return response, status, {**headers, "HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
    return render_template("error.html", status=status, message=message), status, headers


#: SQLite's errors that mean "not now" rather than a bug.
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error", "database or disk is full")


def database_unreachable(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    if type(error.orig).__module__.startswith("sqlite3"):
        return any(part in str(error.orig).lower() for part in SQLITE_UNAVAILABLE)
    return True  # PostgreSQL: connection refused or lost, shutdown, timeouts


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return error_response(error.status, error.code, error.message, error.details,
                              getattr(error, "extra", None))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(
            400,
            "csrf_failed",
            "The form had expired or was not sent by this portal. Reload the page and try again.",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        limit = app.config["MAX_UPLOAD_MB"]
        return error_response(
            413, "too_large", f"The file is larger than the {limit} MB this portal accepts."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return error_response(error.code or 500, code, error.description or error.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: DBAPIError):
        """503 + Retry-After while the database is away (the scan station
        keeps the scan and retries); the pool reconnects by itself after."""
        if not database_unreachable(error):
            return unexpected(error)
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.close()
        login_manager._update_request_context_with_user()  # the page shows no user: none can be loaded
        body, status, headers = error_response(
            503, "database_unavailable",
            "The database cannot be reached just now; nothing was saved. Try again in a few seconds.",
        )
        return body, status, {**headers, "Retry-After": str(app.config["DATABASE_RETRY_AFTER_S"])}

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return error_response(
            500, "internal_error", "Something went wrong on our side; nothing was saved."
        )
