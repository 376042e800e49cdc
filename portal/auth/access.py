"""Who may see what. Every page is behind login unless listed here, and every
blueprint states its roles; a view may narrow them further."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, request
from flask_login import current_user

#: Endpoints anyone may reach.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "favicon", "healthz"})


def require_login_everywhere(login_manager) -> Callable[[], None]:
    """A before_request hook: default deny for anonymous users. The API
    blueprint authenticates with tokens and answers for itself (an unknown
    /api/ path or method gets its JSON 404/405, not "log in first")."""

    def check():
        endpoint = request.endpoint or ""
        if endpoint in PUBLIC_ENDPOINTS or request.blueprint == "api" or request.path.startswith("/api/"):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    return check


def blueprint_roles(bp: Blueprint, *roles: str) -> None:
    """Every view of ``bp`` needs one of ``roles`` (admins always pass)."""

    @bp.before_request
    def check_role():
        if current_user.is_authenticated and not current_user.has_role(*roles):
            abort(403, "Your role does not give access to this page.")


def roles_required(*roles: str):
    """A view needs one of ``roles`` (admins always pass)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403, "Your role does not give access to this page.")
            return view(*args, **kwargs)

        return wrapped

    return decorate
