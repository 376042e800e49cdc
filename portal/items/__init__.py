"""The serial item: look-up, item page, movement timeline, serial corrections, as it was on a date."""

from flask import Blueprint

bp = Blueprint("items", __name__)

from . import models, routes  # noqa: E402,F401
