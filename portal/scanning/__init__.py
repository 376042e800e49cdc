from flask import Blueprint

bp = Blueprint("scanning", __name__)

from . import routes  # noqa: E402,F401
