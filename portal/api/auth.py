"""Bearer-token authentication and role checks for the API."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..auth.services import record_token_use, token_row, token_use_is_stale
from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from . import bp
from .schema import BadRequest


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def _is_public(endpoint: str | None) -> bool:
    """Declared ``public=True`` on its operation (the OpenAPI document)."""
    view = current_app.view_functions.get(endpoint or "")
    operation = getattr(view, "api_operation", None)
    return operation is not None and operation.public


@bp.before_request
def authenticate():
    if _is_public(request.endpoint):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token: 'Authorization: Bearer <token>'.")
    row = token_row(db.session, token.strip())
    if row is None:
        raise Unauthorized("This API token is not valid.", code="invalid_token")
    if row.revoked_at is not None:
        raise Unauthorized(
            f"This API token ({row.prefix}…) was revoked on {row.revoked_at:%Y-%m-%d}.",
            code="revoked_token",
        )
    if not row.user.active:
        raise Unauthorized(
            f"The account {row.user.username} this token belongs to is disabled.",
            code="user_disabled",
        )
    channel = row.user.channel
    if channel is not None and not channel.active:
        raise Unauthorized(f"The sales channel {channel.code} this token acts for is inactive.",
                           code="channel_inactive")
    g.api_user = row.user
    now = utcnow()
    if token_use_is_stale(row, now):
        g.api_token_use = (row.id, now)


@bp.before_request
def refuse_nul_characters():
    """PostgreSQL text cannot hold NUL: a path or query value with one is a
    clear 400 here rather than a database error later."""
    values = [*(request.view_args or {}).values(), *request.args.values()]
    if any("\x00" in str(value) for value in values):
        raise BadRequest("The URL contains a NUL character.", code="bad_request")


def record_pending_token_use() -> None:
    """The token's last use, written by the API boundary (``schema.operation``)
    after the request's own commit or rollback, in its own short transaction:
    a refused request is still a use of the token, and a long import must not
    hold the token's row locked. At most once a minute per token."""
    pending = g.pop("api_token_use", None)
    if pending is None:
        return
    token_id, now = pending
    try:
        with Session(db.engine) as session, session.begin():
            record_token_use(session, token_id=token_id, now=now)
    except SQLAlchemyError:
        # a busy database must not turn an answered request into an error
        current_app.logger.warning("could not record the use of API token %s", token_id, exc_info=True)


def current_api_user():
    return g.api_user
