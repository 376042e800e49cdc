from flask import abort, render_template

from ..auth.access import blueprint_roles
from . import bp

blueprint_roles(bp, "operator", "receiver", "manager")

#: The scan tasks, in the order the operator's home page shows them.
TASKS = {
    "put-away": "Put away",
    "move": "Move",
    "count": "Count a bin",
    "ship": "Ship",
    "defect": "Flag a defect",
    "lookup": "Look up",
}


@bp.route("/")
def index():
    return render_template("scanning/index.html", tasks=TASKS)


@bp.route("/<task>")
def task(task: str):
    if task not in TASKS:
        abort(404, "No such scan task.")
    return render_template("scanning/index.html", tasks=TASKS, task=task)
