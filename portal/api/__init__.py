"""The JSON API at /api/v1: bearer-token auth, the same services as the pages.

Each feature adds its endpoints in its own module here (``catalog.py``,
``receipts.py``, ``scans.py``, ``reports.py``, ``serials.py``), each view
declared with ``schema.operation`` (its roles, query, body and answer
models); ``openapi.py`` generates the OpenAPI document from those
declarations.
"""

from flask import Blueprint

#: Where ``create_app`` mounts the blueprint.
URL_PREFIX = "/api/v1"

bp = Blueprint("api", __name__)

from . import (  # noqa: E402,F401
    as_of,
    auth,
    catalog,
    conditions,
    consignment,
    customer_returns,
    defects,
    openapi,
    recalls,
    receipts,
    reports,
    scans,
    serials,
    supplier_returns,
    transfers,
)
