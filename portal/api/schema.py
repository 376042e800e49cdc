"""API bodies declared once, as pydantic models, and the one decorator every
API view carries.

``@operation(...)`` names what an endpoint reads (a JSON body, a multipart
form, query parameters: each one model) and what it answers (a model per
status); the view receives the validated models. ``openapi.py`` builds the
OpenAPI document from the same declarations, so the document cannot drift
from what is enforced. The decorator is also the API's request boundary: it
checks the role, commits the request's work once, and then notes the token's
use in its own short transaction.

Validation answers 422 naming every bad field (``details.fields``); a body
that is not JSON or not an object is a 400, as it always was. Unknown fields
are ignored, so older and newer clients keep working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Annotated, Any, ClassVar

from flask import g, jsonify, request
from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import DomainError, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Role
from . import idempotency


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


# --- field types shared by the models -------------------------------------------


def _stamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds") + "Z"


#: A moment, stored as naive UTC, answered as ISO 8601 with its ``Z``.
Stamp = Annotated[
    datetime,
    PlainSerializer(_stamp, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with Z"}),
]
#: Money answered as a decimal string with its two places ("129.90").
Money = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "description": 'A decimal string, e.g. "129.90"'}),
]
Day = Annotated[date, WithJsonSchema({"type": "string", "format": "date"})]


def no_nul(value: Any, name: str = "") -> Any:
    """PostgreSQL text cannot hold NUL: refuse it in any string, nested too."""
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("invalid_character", "contains a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            no_nul(key)
            no_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            no_nul(item)
    return value


class ApiModel(BaseModel):
    """An answer body, and the base of every request model."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    #: Error codes clients rely on, chosen by (field, kind), field, or kind,
    #: where kind is ``missing``, ``type`` or ``constraint``; a validator's own
    #: PydanticCustomError type is its code.
    error_codes: ClassVar[dict] = {"missing": "field_required", "type": "wrong_type", "constraint": "invalid"}
    #: Status and code for a body that is not a JSON object (400 on most endpoints).
    not_an_object: ClassVar[tuple[int, str] | None] = None
    #: Status by pydantic error type or (field, kind) where a refusal was never a 422.
    error_status: ClassVar[dict] = {}


class Request(ApiModel):
    """A request body: unknown fields ignored, NUL refused in every string."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        return no_nul(value)


class Query(Request):
    """Query parameters arrive as text: declare them with lax types."""


# --- validation errors -> one Invalid naming the fields -----------------------------

_TYPE_ERRORS = frozenset({
    "string_type", "int_type", "float_type", "bool_type", "dict_type", "list_type", "model_type",
    "int_from_float", "int_parsing", "float_parsing", "bool_parsing", "is_instance_of", "model_attributes_type",
    "date_type", "date_parsing", "date_from_datetime_parsing", "datetime_type", "datetime_parsing",
    "datetime_from_date_parsing", "decimal_type", "decimal_parsing", "json_type", "json_invalid",
    "union_tag_invalid", "none_required",
})
_CONSTRAINT_ERRORS = frozenset({
    "string_too_short", "string_too_long", "string_pattern_mismatch", "too_short", "too_long",
    "greater_than", "greater_than_equal", "less_than", "less_than_equal", "literal_error", "enum",
    "finite_number", "multiple_of", "int_parsing_size",
})


def _kind(error_type: str) -> str:
    if error_type == "missing":
        return "missing"
    if error_type in _TYPE_ERRORS:
        return "type"
    if error_type in _CONSTRAINT_ERRORS:
        return "constraint"
    return "custom"


def invalid_from(model: type[ApiModel], error: ValidationError) -> Invalid:
    """One 422 (or the model's ``error_status``): the first problem's code and
    message, and every bad field with its message in ``details.fields``."""
    fields: dict[str, str] = {}
    first: tuple[str, int] | None = None
    for problem in error.errors(include_url=False, include_input=False, include_context=False):
        loc = problem["loc"]
        name = ".".join(str(part) for part in loc) or "body"
        top = str(loc[0]) if loc else "body"
        kind = _kind(problem["type"])
        codes = model.error_codes
        code = codes.get((top, kind)) or codes.get(top) or codes.get(kind) or problem["type"]
        if kind == "missing":
            message = f"The field '{name}' is required."
        else:
            message = f"{name}: {problem['msg'].removeprefix('Value error, ')}"
        fields.setdefault(name, message)
        if first is None:
            statuses = model.error_status
            first = (code, statuses.get(problem["type"]) or statuses.get((top, kind)) or 422)
    code, status = first or ("invalid", 422)
    refusal = Invalid(next(iter(fields.values()), "The request is invalid."), code=code,
                      details={"fields": fields})
    refusal.status = status
    return refusal


def validated(model: type[Request], data: Any) -> Request:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_from(model, error) from None


def json_body(model: type[Request]) -> Request:
    """The request's JSON object, validated against ``model``; a field sent as
    null counts as left out (as it always did)."""
    refusal = model.not_an_object
    if not request.is_json:
        raise _not_an_object(refusal, "Send the body as JSON with 'Content-Type: application/json'.", "not_json")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # werkzeug silences ValueError only
        raise _not_an_object(refusal, "The request body is nested too deeply.", "malformed_json") from None
    if body is None:
        raise _not_an_object(refusal, "The request body is not valid JSON.", "malformed_json")
    if not isinstance(body, dict):
        raise _not_an_object(refusal, "The request body must be a JSON object.", "not_an_object")
    return validated(model, {name: value for name, value in body.items() if value is not None})


def _not_an_object(refusal: tuple[int, str] | None, message: str, code: str) -> DomainError:
    if refusal is None:
        return BadRequest(message, code=code)
    status, refusal_code = refusal
    error = Invalid(message, code=refusal_code)
    error.status = status
    return error


def form_body(model: type[Request]) -> Request:
    """A multipart form: text fields as strings, files as FileStorage."""
    data: dict[str, Any] = {name: value for name, value in request.form.items() if value != ""}
    data.update({name: upload for name, upload in request.files.items()})
    return validated(model, data)


def query_args(model: type[Request]) -> Request:
    return validated(model, request.args.to_dict())


def answer(body: BaseModel, status: int = 200, headers: dict | None = None):
    response = jsonify(body.model_dump(mode="json", by_alias=True, exclude_none=False))
    response.status_code = status
    response.headers.update(headers or {})
    return response


#: The largest id a table holds (a 32-bit integer on PostgreSQL); a larger one in a URL is a 404.
MAX_ID = 2**31 - 1


# --- the declaration every view carries ---------------------------------------------

#: Why each error status can be answered, as the document says it.
REASONS = {
    400: "Malformed request: the body is not JSON or not a JSON object, a NUL character in the URL, "
         "or a bad query parameter",
    401: "No token, a malformed, unknown or revoked token, or the token's user is disabled",
    403: "The token's user lacks the role this needs, or a sales channel's token on an endpoint it may not use",
    404: "Not found",
    409: "A conflict: the code is taken, or the receipt's state does not allow this",
    413: "The request body is larger than the portal accepts (MAX_UPLOAD_MB)",
    422: "A field is missing, of the wrong type or out of range (details.fields names each one)",
    503: "The database is not answering; retry after the seconds in Retry-After",
}


@dataclass
class Operation:
    tag: str
    summary: str
    description: str = ""
    roles: tuple[str, ...] = ()
    body: type[ApiModel] | None = None
    form: type[ApiModel] | None = None
    query: type[ApiModel] | None = None
    #: status -> answer model (None: the JSON "object" of a free-form answer), for success answers
    answers: dict[int, Any] = field(default_factory=dict)
    #: extra content types for a success answer (reports: pdf, csv, xlsx)
    downloads: dict[str, dict] = field(default_factory=dict)
    #: error statuses beyond those the declaration implies, each with its reason or a model
    errors: dict[int, Any] = field(default_factory=dict)
    public: bool = False
    #: a sales channel's integration account (role ``channel``) may call it; it may call nothing else
    channel: bool = False
    #: needs an ``Idempotency-Key`` header: a repeat answers the first answer (portal.api.idempotency)
    idempotent: bool = False

    def error_statuses(self, *, has_path_params: bool, is_write: bool) -> dict[int, Any]:
        implied: dict[int, Any] = {400: None}
        if not self.public:
            implied |= {401: None, 503: None}
        if self.roles or not self.public:  # a role it needs, or a sales channel's token on a warehouse endpoint
            implied[403] = None
        if has_path_params:
            implied[404] = None
        if self.body or self.form or self.query or self.idempotent:
            implied[422] = None
        if is_write:
            implied[413] = None
        return dict(sorted((implied | self.errors).items()))


def operation(**declaration) -> Callable:
    """Declare an API endpoint (see :class:`Operation`) and wrap it as the boundary."""
    op = Operation(**declaration)

    def decorate(view):
        @wraps(view)
        def boundary(*args, **kwargs):
            try:
                user = g.get("api_user")
                if user is not None and user.role == Role.CHANNEL and not op.channel:
                    raise Forbidden("A sales channel's token can use only the channel endpoints (availability, "
                                    "orders, sales, customer returns, serial and warranty lookups).")
                if op.roles and user is not None and not user.has_role(*op.roles):
                    raise Forbidden(
                        f"This needs the role {' or '.join(op.roles)}; the token's user is {user.role}."
                    )
                for name, value in kwargs.items():
                    if isinstance(value, int) and value > MAX_ID:  # 2^31 on PostgreSQL, 2^63 on SQLite: a 500
                        raise NotFound(f"There is no {name.removesuffix('_id')} #{value}.")
                if op.query is not None:
                    kwargs["query"] = query_args(op.query)
                if op.body is not None:
                    kwargs["body"] = json_body(op.body)
                if op.form is not None:
                    kwargs["form"] = form_body(op.form)
                claimed = None
                if op.idempotent:
                    claimed, replayed = idempotency.claim(db.session, user)
                    if replayed is not None:
                        db.session.rollback()
                        return replayed
                response = view(*args, **kwargs)
                if claimed is not None:
                    idempotency.keep_answer(claimed, response)
                db.session.commit()  # the request's one commit
                return response
            except BaseException:
                db.session.rollback()  # before the token's use is written beside it
                raise
            finally:
                from .auth import record_pending_token_use

                record_pending_token_use()

        boundary.api_operation = op
        return boundary

    return decorate
