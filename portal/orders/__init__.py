"""Orders from the sales channels: stock reserved by SKU and quantity, a pick
list for the floor, shipped by scanning each unit against the order."""

from flask import Blueprint

bp = Blueprint("orders", __name__)

from . import models  # noqa: E402,F401
