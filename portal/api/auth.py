"""Bearer-token authentication and role checks for the API."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from ..auth.services import user_for_token
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..models import utcnow
from . import bp


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


#: API endpoints that need no token.
PUBLIC = frozenset({"api.openapi_document"})


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token: 'Authorization: Bearer <token>'.")
    user = user_for_token(db.session, token.strip())
    if user is None:
        raise Unauthorized("This API token is not valid, or it was revoked.", code="invalid_token")
    g.api_user = user


def current_api_user():
    return g.api_user


def api_roles(*roles: str):
    """The endpoint needs one of ``roles`` (admins always pass)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not g.api_user.has_role(*roles):
                raise Forbidden(
                    f"This needs the role {' or '.join(roles)}; the token's user is {g.api_user.role}."
                )
            return view(*args, **kwargs)

        return wrapped

    return decorate


def touch_token_use():  # pragma: no cover - placeholder for last_used_at bookkeeping
    return utcnow()
