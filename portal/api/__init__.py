"""The JSON API at /api/v1: token auth, the same services as the pages."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import routes  # noqa: E402,F401
