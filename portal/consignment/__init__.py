"""Consignment settlement: per supplier, a statement of the consignment units
on hand and of those sold in a period (what is owed), and settlements up to
a date with the supplier's reference, so that no sale is paid twice."""

from flask import Blueprint

bp = Blueprint("consignment", __name__)

from . import models, routes  # noqa: E402,F401
