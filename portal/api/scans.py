"""API endpoints: scans. ``POST /api/v1/scans`` records one scan through the
same service as the scan pages; a refused scan is a normal answer (200)."""

from __future__ import annotations

from flask import current_app, jsonify, request
from sqlalchemy import update

from ..errors import Invalid
from ..extensions import db
from ..models import SerialItem
from ..scanning import services
from ..scanning.exactly_once import commit_scan
from . import bp
from .auth import api_roles, current_api_user

ACTIONS = ("put_away", "move", "ship", "lookup")
FIELDS = ("client_scan_id", "action", "serial", "warehouse", "bin", "order_ref")


def _parse_scan(body) -> dict:
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.", code="invalid_json")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(unknown)}.", code="unknown_field")
    for name in FIELDS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise Invalid(f"{name} must be a string.", code="invalid_field")
        if isinstance(value, str) and len(value) > 200:
            raise Invalid(f"{name} has at most 200 characters.", code="invalid_field")
    action = body.get("action")
    if action not in ACTIONS:
        raise Invalid(f"action must be one of {', '.join(ACTIONS)}.", code="invalid_action")
    if not (body.get("serial") or "").strip():
        raise Invalid("serial is required.", code="serial_required")
    if action in ("put_away", "move") and not (body.get("bin") or "").strip():
        raise Invalid(f"{action} needs a bin (and its warehouse).", code="bin_required")
    if action == "ship" and not (body.get("order_ref") or "").strip():
        raise Invalid("ship needs an order_ref.", code="order_ref_required")
    services.clean_scan_id(body.get("client_scan_id"))
    return body


@bp.route("/scans", methods=["POST"])
@api_roles("operator", "receiver", "manager")
def post_scan():
    body = _parse_scan(request.get_json(silent=True))
    actor = current_api_user()
    answer = commit_scan(
        lambda: services.record_scan(
            db.session,
            actor=actor,
            client_scan_id=body["client_scan_id"],
            task=body["action"],
            code=body["serial"],
            warehouse_code=body.get("warehouse"),
            bin_code=body.get("bin") if body["action"] in ("put_away", "move") else None,
            order_ref=body.get("order_ref") if body["action"] == "ship" else None,
            settings=services.ScanSettings(
                bin_label_prefix=current_app.config["BIN_LABEL_PREFIX"],
                fifo_enforced=bool(current_app.config["FIFO_ENFORCED"]),
            ),
        ),
        client_scan_id=body["client_scan_id"],
        actor=actor,
    )
    keys = ("client_scan_id", "result", "message", "item", "replayed", "older_unit")
    return jsonify({k: answer[k] for k in keys if k in answer})


def _floor():
    """Benchmark floor: the smallest request that writes — one indexed UPDATE.
    Registered only when BENCHMARK_ENDPOINTS is set (never in production)."""
    db.session.execute(
        update(SerialItem).where(SerialItem.serial_key == request.args.get("serial", "")).values(
            condition=SerialItem.condition
        )
    )
    db.session.commit()
    return jsonify(ok=True)


@bp.record
def _benchmark_endpoints(state):
    if state.app.config.get("BENCHMARK_ENDPOINTS"):
        state.add_url_rule("/_bench/floor", endpoint="bench_floor", view_func=_floor, methods=["POST"])


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


ITEM_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {
        "serial": {"type": "string"}, "sku": {"type": "string"}, "product": {"type": "string"},
        "status": {"type": "string"}, "bin": {"type": "string", "nullable": True},
        "receipt": {"type": "string", "nullable": True}, "order_ref": {"type": "string", "nullable": True},
        "sold_at": {"type": "string", "format": "date", "nullable": True},
        "warranty_ends_on": {"type": "string", "format": "date", "nullable": True},
        "received_at": {"type": "string", "format": "date", "nullable": True},
    },
}

OPENAPI_PATHS: dict = {
    "/scans": {
        "post": {
            "summary": "Record one scan (put away, move, ship or look up), exactly once per client_scan_id",
            "description": (
                "Calls the same service as the scan pages. Sending the same client_scan_id again returns the "
                "first answer and records nothing new. A refused scan is a 200 with result 'refused'; a "
                "malformed request is a 422. The serial may be a plain serial or a GS1 code (AI 21)."
            ),
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["client_scan_id", "action", "serial"],
                            "properties": {
                                "client_scan_id": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{8,64}$"},
                                "action": {"type": "string", "enum": list(ACTIONS)},
                                "serial": {"type": "string", "maxLength": 200},
                                "warehouse": {"type": "string", "description": "warehouse code"},
                                "bin": {"type": "string", "description": "bin code (put_away, move)"},
                                "order_ref": {"type": "string", "description": "order reference (ship)"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "The scan's answer (the first one, for a resent client_scan_id)",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "client_scan_id": {"type": "string"},
                                    "result": {"type": "string", "enum": ["accepted", "warning", "refused"]},
                                    "message": {"type": "string"},
                                    "item": ITEM_SCHEMA,
                                    "replayed": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                "401": _error("No or bad token"),
                "403": _error("Role not allowed"),
                "422": _error("Malformed request"),
            },
        }
    }
}
