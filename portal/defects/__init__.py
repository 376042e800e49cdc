"""Defects: the reasons the admin keeps, flagging a defect, and quarantine
with its outcomes (repair, scrap)."""

from flask import Blueprint

bp = Blueprint("defects", __name__)

from . import models, routes  # noqa: E402,F401
