"""The scan station: one page per task, and the small endpoints its script
talks to (one scan per request, answered with the scan's row)."""

from __future__ import annotations

import base64
import time

import barcode
from barcode.writer import SVGWriter
from flask import abort, current_app, jsonify, make_response, render_template, request, send_from_directory, url_for
from flask_login import current_user

from ..auth.access import blueprint_roles
from ..customer_returns.services import CONDITIONS
from ..defects import queries as defect_queries
from ..errors import Invalid
from ..extensions import db
from ..web import add_trigger, fragment_or_redirect
from . import barcodes, bp, queries, services
from .exactly_once import commit_scan
from .forms import ConditionScanForm, CountForm, NewOrderForm, ReturnScanForm, ScanForm, UndoForm

blueprint_roles(bp, "operator", "receiver", "manager")

#: The scan tasks, in the order the operator's home page shows them.
TASKS = {
    "put-away": "Put away",
    "move": "Move",
    "count": "Count a bin",
    "ship": "Ship",
    "defect": "Flag a defect",
    "return": "Customer return",
    "condition": "Set condition",
    "lookup": "Look up",
}

#: What the banner says before the first scan.
PROMPTS = {
    "put-away": "Scan a bin label, then the serials to put into it.",
    "move": "Scan the bin to move into, then the serials.",
    "count": "Scan the bin label to start counting it.",
    "ship": "Scan the order reference.",
    "defect": "Choose the reason, then scan the defective serials.",
    "return": "Type the order reference if the customer has one, then scan the returned serial.",
    "lookup": "Scan a serial or a bin label.",
    "condition": "Choose the condition (and a note), then scan the serials.",
}


def task_name(slug: str) -> str:
    if slug not in TASKS:
        abort(404, "No such scan task.")
    return slug.replace("-", "_")


def settings() -> services.ScanSettings:
    return services.ScanSettings.from_config(current_app.config)


def _test_delay() -> None:
    """Tests slow the server down to prove no scan is lost while one is in flight."""
    delay = current_app.config.get("SCAN_TEST_DELAY_S")
    if delay and current_app.testing:
        time.sleep(float(delay))


def _row(answer: dict):
    """The answer as its row (the same fragment the page lists), with the
    answer itself in HX-Trigger for the page's banner, sound and context."""
    response = make_response(render_template("scanning/_scan_row.html", scan=answer))
    public = {k: v for k, v in answer.items() if k in (
        "client_scan_id", "result", "message", "kind", "undoable", "context", "replayed", "task",
        "feedback", "headline", "confirm", "recorded", "at", "time_source", "expired")}
    return add_trigger(response, "scan:result", public)


@bp.route("/")
def index():
    return render_template("scanning/index.html", tasks=TASKS)


@bp.route("/sw.js")
def service_worker():
    """The station's service worker, served from /scan/ so that its scope covers
    the scan pages (see static/js/scan-sw.js)."""
    response = send_from_directory(current_app.static_folder, "js/scan-sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = url_for("scanning.index")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/<task>")
def task(task: str):
    name = task_name(task)
    recent = queries.recent_scans(db.session, user_id=current_user.id, task=name)
    return render_template(
        "scanning/task.html",
        tasks=TASKS,
        task=task,
        task_name=name,
        title=TASKS[task],
        prompt=PROMPTS[task],
        recent=recent,
        context={"bin": None, "order_ref": None, "counting": False},
        defect_reasons=defect_queries.reasons(db.session, only_active=True) if name in ("defect", "return") else [],
        conditions=CONDITIONS,
    )


def _commit_form(form_class, record):
    """Reads the posted scan form, commits what ``record(form, scan_id)`` returns as the scan's answer and
    renders its row."""
    _test_delay()
    form = form_class().checked()
    scan_id = form.client_scan_id.data
    return _row(commit_scan(lambda: record(form, scan_id), client_scan_id=scan_id, actor=current_user))


def _customer_return(form) -> services.ReturnScan | None:
    if not isinstance(form, ReturnScanForm):
        return None
    return services.ReturnScan(
        outcome=form.outcome.data, order_ref=form.order_ref.data or None, condition=form.condition.data or None,
        bin=form.bin.data or None, reason=form.reason.data or None,
        replacement_serial=form.replacement_serial.data or None, note=form.note.data or None,
    )


@bp.route("/<task>/scans", methods=["POST"])
def scan(task: str):
    name = task_name(task)
    form_class = {"return": ReturnScanForm, "condition": ConditionScanForm}.get(name, ScanForm)
    return _commit_form(form_class, lambda form, scan_id: services.record_scan(
        db.session,
        actor=current_user,
        client_scan_id=scan_id,
        task=name,
        code=form.code.data or "",
        session_key=form.session.data,
        defect_reason=form.reason.data or None,
        settings=settings(),
        scanned_at=form.scanned_at.data or None,
        confirm_order=bool(form.confirm_order.data),
        customer_return=_customer_return(form),
        expiry_override=(form.expiry_override.data or None) if name == "ship" else None,
        condition=form.condition.data or None if name == "condition" else None,
        note=form.note.data or None if name == "condition" else None,
    ))


@bp.route("/return/check")
def return_check():
    """The warranty check of a customer return before its outcome is chosen: a
    read (nothing recorded), so it needs the network; the station says so when
    there is none."""
    check = services.return_check(
        db.session, code=request.args.get("code", "")[:200], order_ref=request.args.get("order_ref", "")[:200],
        settings=settings(),
    )
    return render_template("scanning/_return_check.html", check=check)


@bp.route("/<task>/undo", methods=["POST"])
def undo(task: str):
    name = task_name(task)
    return _commit_form(UndoForm, lambda form, scan_id: services.undo_scan(
        db.session, actor=current_user, client_scan_id=scan_id, target_scan_id=form.target.data or "",
        page_task=name,
    ))


@bp.route("/<task>/context")
def context(task: str):
    name = task_name(task)
    found = services.session_context(
        db.session, actor=current_user, session_key=request.args.get("session"), task=name
    )
    return render_template("scanning/_context.html", context=found, task=task)


@bp.route("/ship/new-order", methods=["POST"])
def new_order():
    form = NewOrderForm().checked()
    answer = services.new_order(db.session, actor=current_user, session_key=form.session.data)
    db.session.commit()
    answer.update(client_scan_id=form.client_scan_id.data, kind="order", task="ship",
                  code="new order", undoable=False, context={"order_ref": None, "scanned": None})
    return _row(answer)


@bp.route("/count/finish", methods=["POST"])
def finish_count():
    form = CountForm().checked()
    summary = services.count_summary(db.session, actor=current_user, session_key=form.session.data)
    return render_template("scanning/_count_result.html", summary=summary)  # a read: the fragment only


@bp.route("/count/apply", methods=["POST"])
def apply_count():
    form = CountForm().checked()
    if form.count_id.data is None:
        raise Invalid("Which count? Finish the count again.", code="no_count")
    result = services.apply_count(
        db.session, actor=current_user, session_key=form.session.data, count_id=form.count_id.data
    )
    db.session.commit()
    return fragment_or_redirect("scanning/_count_applied.html", url_for("scanning.task", task="count"),
                                message=f"Count of bin {result['bin']} applied.", result=result)


# --- device check ---------------------------------------------------------------------


def barcode_image(data: str, *, gs1: bool = False) -> str:
    """A Code128 (or GS1-128) barcode as an SVG data URI, for an <img>."""
    kind = barcode.get_barcode_class("gs1_128" if gs1 else "code128")
    svg = kind(data, writer=SVGWriter()).render(
        {"module_width": 0.3, "module_height": 12.0, "font_size": 8, "text_distance": 4, "quiet_zone": 4}
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


@bp.route("/device-check")
def device_check():
    prefix = current_app.config["BIN_LABEL_PREFIX"]
    example = queries.example_bin(db.session) or ("WH1", "A-01-1")
    bin_text = barcodes.bin_label_text(prefix=prefix, warehouse_code=example[0], bin_code=example[1])
    gs1_data = "0109501101530003" + "17281231" + "10LOT42" + "\x1d" + "21SN-GS1-0001"
    samples = [
        {"title": "Plain serial (Code 128)", "text": "SN-TEST-0001", "image": barcode_image("SN-TEST-0001"),
         "expect": "a serial: SN-TEST-0001"},
        {"title": "Bin label (Code 128)", "text": bin_text, "image": barcode_image(bin_text),
         "expect": f"bin {example[0]}/{example[1]}"},
        {"title": "GS1-128 (GTIN, expiry, batch, serial)",
         "text": "(01)09501101530003(17)281231(10)LOT42(21)SN-GS1-0001",
         "image": barcode_image(gs1_data.replace("\x1d", "\xf1"), gs1=True),
         "expect": "serial SN-GS1-0001, GTIN 09501101530003, expiry 2028-12-31, batch LOT42"},
    ]
    return render_template("scanning/device_check.html", samples=samples, prefix=prefix, tasks=TASKS,
                           read_url=url_for("scanning.read_code"))


@bp.route("/device-check/read")
def read_code():
    """What the portal makes of a scanned text (no database, nothing recorded)."""
    raw = request.args.get("code", "")
    try:
        read = barcodes.read_code(raw, bin_prefix=current_app.config["BIN_LABEL_PREFIX"])
    except barcodes.BadCode as error:
        return jsonify(kind="none", message=str(error), shown=barcodes.printable(raw[:200]))
    if isinstance(read, barcodes.BinLabel):
        return jsonify(kind="bin", message=f"A bin label: {read.label}", shown=barcodes.printable(raw[:200]))
    parts = [f"A serial: {read.serial}"]
    if read.gs1:
        parts.append("read as GS1")
    if read.gtin:
        parts.append(f"GTIN {read.gtin}")
    if read.expiry:
        parts.append(f"expiry {read.expiry.isoformat()}")
    if read.batch:
        parts.append(f"batch {read.batch}")
    return jsonify(kind="serial", message=", ".join(parts), shown=barcodes.printable(raw[:200]))
