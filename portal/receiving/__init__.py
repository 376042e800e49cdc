from flask import Blueprint

bp = Blueprint("receiving", __name__)

from . import models, routes  # noqa: E402,F401
