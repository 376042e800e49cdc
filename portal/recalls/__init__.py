"""Recalls: a supplier recalls a batch, and every affected unit is found, in
stock or already sold. A manager opens a recall with a reason and criteria;
its units are fixed when it opens; one action quarantines every one still in
stock; an open recall's unit is flagged on its page and refused for shipping."""

from flask import Blueprint

bp = Blueprint("recalls", __name__)

from . import models, routes  # noqa: E402,F401
