"""API endpoint: one serial item with its history (the movement ledger)."""

from __future__ import annotations

from ..errors import NotFound
from ..extensions import db
from ..items import queries
from ..models import Movement, SerialItem, utcnow
from ..serials import normalise
from . import bp, spec
from .payload import jsonable


def movement_json(movement: Movement) -> dict:
    return {
        "id": movement.id,
        "at": jsonable(movement.at),
        "kind": movement.kind,
        "from_status": movement.from_status,
        "to_status": movement.to_status,
        "from_bin": movement.from_bin.code if movement.from_bin else None,
        "to_bin": movement.to_bin.code if movement.to_bin else None,
        "by": movement.actor.username if movement.actor else None,
        "note": movement.note,
    }


def item_json(item: SerialItem, movements: list[Movement]) -> dict:
    return {
        "serial": item.serial,
        "status": item.status,
        "condition": item.condition,
        "ownership": item.ownership,
        "product": {"sku": item.product.sku, "name": item.product.name},
        "supplier": {"code": item.supplier.code, "name": item.supplier.name},
        "warehouse": item.warehouse.code if item.warehouse else None,
        "bin": item.bin.code if item.bin else None,
        "receipt": {"id": item.receipt.id, "reference": item.receipt.reference} if item.receipt else None,
        "unit_cost": jsonable(item.unit_cost),
        "received_at": jsonable(item.received_at),
        "age_days": (utcnow() - item.received_at).days if item.received_at else None,
        "expires_at": jsonable(item.expires_at),
        "sold_at": jsonable(item.sold_at),
        "order_ref": item.order_ref,
        "warranty_ends_on": jsonable(item.warranty_ends_on),
        "movements": [movement_json(m) for m in movements],
    }


@bp.get("/serials/<path:serial>")
def serial_detail(serial: str):
    """Found as the look-up box finds it: trimmed, any case."""
    item = queries.item_by_serial(db.session, serial)
    if item is None:
        raise NotFound(f"No item has the serial {normalise(serial)[:100]}.")
    oldest_first = queries.timeline(item.id).order_by(None).order_by(Movement.id)
    return item_json(item, db.session.scalars(oldest_first).all())


_NULLABLE_STRING = {"type": "string", "nullable": True}
_NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}
_NULLABLE_STAMP = {"type": "string", "format": "date-time", "nullable": True}

MOVEMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"},
        "kind": {"type": "string"},
        "from_status": _NULLABLE_STRING,
        "to_status": {"type": "string"},
        "from_bin": _NULLABLE_STRING,
        "to_bin": _NULLABLE_STRING,
        "by": {"type": "string", "nullable": True, "description": "User name"},
        "note": _NULLABLE_STRING,
    },
}
ITEM = {
    "type": "object",
    "properties": {
        "serial": {"type": "string", "description": "As the supplier wrote it"},
        "status": {"type": "string", "enum": ["expected", "in_stock", "sold", "defective",
                                              "returned_to_supplier", "missing"]},
        "condition": {"type": "string", "enum": ["regular", "sample", "damaged", "refurbished"]},
        "ownership": {"type": "string", "enum": ["owned", "consignment"]},
        "product": {"type": "object", "properties": {"sku": {"type": "string"}, "name": {"type": "string"}}},
        "supplier": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "warehouse": _NULLABLE_STRING,
        "bin": _NULLABLE_STRING,
        "receipt": {"type": "object", "nullable": True,
                    "properties": {"id": {"type": "integer"}, "reference": {"type": "string"}}},
        "unit_cost": _NULLABLE_STRING,
        "received_at": _NULLABLE_STAMP,
        "age_days": {"type": "integer", "nullable": True},
        "expires_at": _NULLABLE_DATE,
        "sold_at": _NULLABLE_STAMP,
        "order_ref": _NULLABLE_STRING,
        "warranty_ends_on": _NULLABLE_DATE,
        "movements": {"type": "array", "items": MOVEMENT, "description": "Oldest first"},
    },
}

OPENAPI_PATHS: dict = {
    "/serials/{serial}": {
        "get": {
            "tags": ["items"],
            "summary": "One serial item with its movement history",
            "description": "The serial is matched trimmed and case-insensitively.",
            "parameters": [spec.path_param("serial", "The serial number (any case)")],
            "responses": {"200": spec.json_response("The item and its movements", ITEM),
                          **spec.errors(401, 404)},
        }
    }
}
