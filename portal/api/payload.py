"""Reading JSON request bodies and writing JSON answers for the API.

Bad bodies get a clear 400 (not JSON, not an object) or 422 (a field missing,
of the wrong type or unknown), never a 500 from deep inside a service.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from flask import request
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, DomainError, Invalid
from ..extensions import db


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


#: Python types each declared field accepts (bool is never an int here).
KINDS = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float, str),  # money: a JSON number or a decimal string
    "boolean": (bool,),
}

#: Lists are paged by code: ``?limit=`` (at most MAX_LIMIT) and ``?after=<last code>``.
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


def json_object(fields: dict[str, tuple[str, bool]]) -> dict:
    """The request body as a dict, checked against ``fields``:
    ``{"name": ("string", required)}``. Unknown fields are refused, so a typo
    in a field name never passes silently."""
    if not request.is_json:
        raise BadRequest(
            "Send the body as JSON with 'Content-Type: application/json'.", code="not_json"
        )
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # werkzeug silences ValueError only
        raise BadRequest("The request body is nested too deeply.", code="malformed_json") from None
    if body is None:
        raise BadRequest("The request body is not valid JSON.", code="malformed_json")
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.", code="not_an_object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise Invalid(
            f"Unknown field(s): {', '.join(unknown)}. Allowed: {', '.join(fields)}.",
            code="unknown_field",
        )
    values = {}
    for name, (kind, required) in fields.items():
        if name not in body or body[name] is None:
            if required:
                raise Invalid(f"The field '{name}' is required.", code="field_required")
            continue
        value = body[name]
        wrong = not isinstance(value, KINDS[kind]) or (kind != "boolean" and isinstance(value, bool))
        if wrong or (kind == "number" and isinstance(value, float) and value != value):
            raise Invalid(f"The field '{name}' must be a {kind}.", code="wrong_type")
        if isinstance(value, str) and "\x00" in value:
            raise Invalid(f"The field '{name}' contains a NUL character.", code="invalid_character")
        values[name] = value
    return values


def page_of(session: Session, statement: Select, key) -> dict:
    """One page of a list ordered by ``key`` (a unique code column)."""
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise BadRequest(f"limit is a whole number from 1 to {MAX_LIMIT}.", code="bad_limit")
    limit = int(raw_limit)
    after = request.args.get("after", "").strip().upper()
    if after:
        statement = statement.where(key > after)
    rows = session.scalars(statement.order_by(key).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"rows": rows, "next_after": getattr(rows[-1], key.key) if more else None}


def jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@contextmanager
def unique_or_conflict(message: str):
    """Run a write and commit it; a unique constraint that still trips (two
    clients creating the same code at once, a duplicate GTIN) is a 409, not a 500."""
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message, code="duplicate") from None
