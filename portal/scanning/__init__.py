from flask import Blueprint

bp = Blueprint("scanning", __name__)

from . import models, routes  # noqa: E402,F401
