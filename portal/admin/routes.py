from flask import render_template

from ..auth.access import blueprint_roles
from . import bp

blueprint_roles(bp, "admin")


@bp.route("/")
def index():
    return render_template("admin/index.html")
