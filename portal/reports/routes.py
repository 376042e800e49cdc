from flask import render_template

from ..auth.access import blueprint_roles
from . import bp

blueprint_roles(bp, "manager")


@bp.route("/")
def index():
    return render_template("reports/index.html")
