"""Transfers between warehouses: serials put on a transfer at the source,
dispatched (in transit, no bin), scanned into bins at the destination, and the
transfer closed (units that never arrived marked missing)."""

from flask import Blueprint

bp = Blueprint("transfers", __name__)

from . import models, routes  # noqa: E402,F401
