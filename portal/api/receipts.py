"""API endpoints: receipts. The same services as the receiving pages."""

from __future__ import annotations

from flask import jsonify, request, url_for

from ..errors import Invalid
from ..extensions import db
from ..models import Receipt
from ..receiving import queries, services
from . import bp
from .auth import api_roles, current_api_user

TRUE = ("1", "true", "yes", "on")


def receipt_json(receipt: Receipt, counts: queries.ReceiptCounts | None = None) -> dict:
    counts = counts or queries.receipt_counts(db.session, receipt.id)
    return {
        "id": receipt.id,
        "supplier": receipt.supplier.code,
        "warehouse": receipt.warehouse.code,
        "reference": receipt.reference,
        "expected_date": receipt.expected_date.isoformat() if receipt.expected_date else None,
        "status": receipt.status,
        "created_at": receipt.created_at.isoformat(),
        "closed_at": receipt.closed_at.isoformat() if receipt.closed_at else None,
        "file_name": receipt.file_name,
        "skipped_rows": receipt.skipped_rows,
        "counts": counts.as_dict(),
        "url": url_for("receiving.receipt", receipt_id=receipt.id),
    }


def _refusal(preview: services.Preview, code: str, message: str, status: int = 422):
    body = {"error": {"code": code, "message": message}}
    if preview.refusal is not None and preview.refusal.details:
        body["error"]["details"] = preview.refusal.details
    body.update(preview.summary())
    return jsonify(body), status


@bp.route("/receipts", methods=["POST"])
@api_roles("receiver", "manager")
def create_receipt():
    form = request.form
    upload = request.files.get("file")
    content = upload.read() if upload else b""
    header = services.receipt_header(
        db.session, supplier=form.get("supplier"), warehouse=form.get("warehouse"), reference=form.get("reference"),
        expected_date=form.get("expected_date"), product=form.get("product"), condition=form.get("condition"),
        ownership=form.get("ownership"), unit_cost=form.get("unit_cost"))
    if not content:
        raise Invalid("Send the supplier's list as the multipart field 'file'.", code="file_required")
    file_name = (upload.filename or "upload") if upload else "upload"
    sheet = form.get("sheet") or None
    if form.get("dry_run", "").lower() in TRUE:
        preview = services.preview_list(db.session, header=header, content=content, file_name=file_name, sheet=sheet)
        db.session.rollback()
        if preview.refusal is not None:
            return _refusal(preview, preview.refusal.code, preview.refusal.message)
        body = preview.summary()
        body["can_commit"] = preview.can_commit
        return jsonify(body), 200
    try:
        receipt, preview = services.import_list(
            db.session, header=header, content=content, file_name=file_name, actor=current_api_user(), sheet=sheet,
            skip_invalid=form.get("skip_invalid", "").lower() in TRUE)
    except services.ListRefused as refused:
        db.session.rollback()
        return _refusal(refused.preview, refused.code, refused.message)
    db.session.commit()
    # just committed: every listed item is expected (counting a million rows again would add a second)
    listed = preview.valid
    body = {"receipt": receipt_json(receipt, queries.ReceiptCounts(listed=listed, expected=listed))}
    body.update(preview.summary())
    return jsonify(body), 201, {"Location": url_for("api.get_receipt", receipt_id=receipt.id)}


@bp.route("/receipts/<int:receipt_id>")
@api_roles("receiver", "manager")
def get_receipt(receipt_id: int):
    return jsonify(receipt_json(services.get_receipt(db.session, receipt_id)))


@bp.route("/receipts/<int:receipt_id>/receive-all", methods=["POST"])
@api_roles("receiver", "manager")
def receive_all(receipt_id: int):
    receipt = services.get_receipt(db.session, receipt_id)
    n = services.receive_all_at_dock(db.session, receipt=receipt, actor=current_api_user())
    db.session.commit()
    return jsonify({"received": n, "receipt": receipt_json(services.get_receipt(db.session, receipt_id))})


@bp.route("/receipts/<int:receipt_id>/close", methods=["POST"])
@api_roles("receiver", "manager")
def close_receipt(receipt_id: int):
    receipt = services.get_receipt(db.session, receipt_id)
    n = services.close_receipt(db.session, receipt=receipt, actor=current_api_user())
    db.session.commit()
    return jsonify({"marked_missing": n, "receipt": receipt_json(services.get_receipt(db.session, receipt_id))})


_ROW_ERROR = {
    "type": "object",
    "properties": {"row": {"type": "integer"}, "column": {"type": "string"}, "value": {"type": "string"},
                   "code": {"type": "string"}, "message": {"type": "string"}},
}
_PREVIEW = {
    "type": "object",
    "properties": {
        "file": {"type": "string"}, "format": {"type": "string"}, "columns": {"type": "array"},
        "mapping": {"type": "object"}, "rows": {"type": "integer"}, "valid": {"type": "integer"},
        "invalid": {"type": "integer"}, "errors_by_code": {"type": "object"},
        "errors": {"type": "array", "items": _ROW_ERROR, "description": "the first 1000 errors"},
        "errors_truncated": {"type": "boolean"},
    },
}
_RECEIPT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "supplier": {"type": "string"}, "warehouse": {"type": "string"},
        "reference": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closed"]},
        "skipped_rows": {"type": "integer"},
        "counts": {"type": "object", "properties": {k: {"type": "integer"} for k in
                                                     ("listed", "expected", "received", "missing", "unexpected")}},
    },
}
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ID = [{"name": "receipt_id", "in": "path", "required": True, "schema": {"type": "integer"}}]

OPENAPI_PATHS: dict = {
    "/receipts": {
        "post": {
            "summary": "Upload a supplier's serial list: preview it (dry_run) or commit it as a receipt",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "required": ["file", "supplier", "warehouse", "reference"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "supplier": {"type": "string", "description": "supplier code"},
                    "warehouse": {"type": "string", "description": "warehouse code"},
                    "reference": {"type": "string", "description": "PO, ASN or invoice number"},
                    "expected_date": {"type": "string", "format": "date"},
                    "product": {"type": "string", "description": "SKU for rows without one"},
                    "condition": {"type": "string", "enum": ["regular", "sample", "damaged", "refurbished"]},
                    "ownership": {"type": "string", "enum": ["owned", "consignment"]},
                    "unit_cost": {"type": "string"},
                    "sheet": {"type": "string", "description": "XLSX sheet; the first by default"},
                    "skip_invalid": {"type": "boolean"},
                    "dry_run": {"type": "boolean"},
                },
            }}}},
            "responses": {
                "201": {"description": "receipt created",
                        "content": {"application/json": {"schema": {"allOf": [_PREVIEW, {
                            "type": "object", "properties": {"receipt": _RECEIPT}}]}}}},
                "200": {"description": "dry run: the preview", "content": {"application/json": {"schema": _PREVIEW}}},
                "409": {"description": "the same file was already received for this supplier", **_ERROR},
                "413": {"description": "file larger than MAX_UPLOAD_MB", **_ERROR},
                "422": {"description": "refused: invalid rows (nothing saved), unreadable file or bad fields",
                        "content": {"application/json": {"schema": {"allOf": [_PREVIEW, {
                            "$ref": "#/components/schemas/Error"}]}}}},
            },
        }
    },
    "/receipts/{receipt_id}": {
        "get": {"summary": "A receipt and its counts", "parameters": _ID,
                "responses": {"200": {"description": "the receipt",
                                      "content": {"application/json": {"schema": _RECEIPT}}},
                              "404": {"description": "no such receipt", **_ERROR}}},
    },
    "/receipts/{receipt_id}/receive-all": {
        "post": {"summary": "Trusted supplier: every expected item becomes in stock in the dock bin",
                 "parameters": _ID,
                 "responses": {"200": {"description": "how many were received, and the receipt"},
                               "409": {"description": "receipt closed", **_ERROR},
                               "422": {"description": "supplier not trusted", **_ERROR}}},
    },
    "/receipts/{receipt_id}/close": {
        "post": {"summary": "Close: expected items not received become missing", "parameters": _ID,
                 "responses": {"200": {"description": "how many were marked missing, and the receipt"},
                               "409": {"description": "receipt already closed", **_ERROR}}},
    },
}
