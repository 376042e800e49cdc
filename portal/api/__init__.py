"""The JSON API at /api/v1: bearer-token auth, the same services as the pages.

Each feature adds its endpoints in its own module here (``receipts.py``,
``scans.py``, ``reports.py``) and describes them in that module's
``OPENAPI_PATHS``; ``openapi.py`` merges them into one document.
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import auth, catalog, openapi, receipts, reports, scans, serials  # noqa: E402,F401
