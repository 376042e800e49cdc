"""Returns to the supplier (RMA): defective items put on a return, shipped
back to their supplier, and the return closed with the credit note."""

from flask import Blueprint

bp = Blueprint("supplier_returns", __name__)

from . import models, routes  # noqa: E402,F401
