"""API endpoints: receipts. The same services as the receiving pages."""

from __future__ import annotations

from typing import Annotated, Any

from flask import url_for
from pydantic import Field, Json, StrictStr, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import FileStorage

from ..errors import DomainError, Invalid
from ..extensions import db
from ..models import Condition, Ownership, Receipt, ReceiptStatus
from ..receiving import queries, services
from ..receiving import supplier_lists as lists
from ..web.errors import ErrorDetail
from . import bp
from .auth import current_api_user
from .schema import ApiModel, Day, Request, Stamp, answer, operation

# --- bodies -------------------------------------------------------------------

Upload = Annotated[Any, WithJsonSchema({"type": "string", "format": "binary",
                                        "description": "The list: CSV, TXT or XLSX"})]


def _choice(enum) -> str:
    return ", ".join(member.value for member in enum)


CONDITIONS = f"One of {_choice(Condition)} (default regular)"
OWNERSHIPS = f"One of {_choice(Ownership)} (default owned)"
MAPPING_RULE = (
    'Which header holds what, as JSON, e.g. {"serial": "Seriennr.", "sku": "Artikel"}; '
    f"fields: {', '.join(lists.FIELDS)}; serial is required. It decides over the headers and the "
    "supplier's remembered mapping."
)


class ReceiptUpload(Request):
    """The supplier's list and the receipt's header, as multipart/form-data."""

    model_config = {**Request.model_config, "json_schema_extra": {"required": ["file", "supplier", "warehouse",
                                                                                "reference"]}}

    file: Upload = None
    supplier: Annotated[str | None, Field(description="Supplier code")] = None
    warehouse: Annotated[str | None, Field(description="Warehouse code")] = None
    reference: Annotated[str | None, Field(description="PO, ASN or invoice number (at most 100 characters)")] = None
    expected_date: Annotated[str | None, Field(json_schema_extra={"format": "date"},
                                               description="YYYY-MM-DD")] = None
    product: Annotated[str | None, Field(description="SKU for rows without one")] = None
    condition: Annotated[str | None, Field(description=CONDITIONS)] = None
    ownership: Annotated[str | None, Field(description=OWNERSHIPS)] = None
    unit_cost: Annotated[str | None, Field(description="Decimal, for rows without a cost")] = None
    sheet: Annotated[str | None, Field(description="XLSX sheet; the first by default")] = None
    mapping: Annotated[Json[dict[str, StrictStr]] | None, Field(description=MAPPING_RULE)] = None
    skip_invalid: Annotated[bool, Field(description="Commit the valid rows and skip the invalid ones")] = False
    dry_run: Annotated[bool, Field(description="Only preview: nothing is saved")] = False

    @field_validator("file", mode="after")
    @classmethod
    def _a_file(cls, value):
        if value is not None and not isinstance(value, FileStorage):
            raise PydanticCustomError("file_required", "send the list as a file part")
        return value

    @field_validator("mapping", mode="after")
    @classmethod
    def _known_fields(cls, value):
        if value is None:
            return value
        unknown = sorted(set(value) - set(lists.FIELDS))
        if unknown:
            raise PydanticCustomError("invalid_mapping", "unknown field(s) {unknown}; known: {known}",
                                      {"unknown": ", ".join(unknown), "known": ", ".join(lists.FIELDS)})
        if not (value.get("serial") or "").strip():
            raise PydanticCustomError("invalid_mapping", "name the serial column")
        return value


# --- answers ------------------------------------------------------------------


class RowErrorOut(ApiModel):
    row: int
    column: str
    value: str
    code: str
    message: str


class MappingOut(ApiModel):
    columns: Annotated[dict[str, str], Field(description="field -> the file's header")]
    serial_kind: str


class LotsOut(ApiModel):
    with_lot: Annotated[int, Field(description="Valid rows with a lot")]
    with_expiry: Annotated[int, Field(description="Valid rows with an expiry date")]
    earliest_expiry: Day | None
    expired: Annotated[int, Field(description="Valid rows whose expiry date is already past")]


class PreviewOut(ApiModel):
    file: str
    format: str | None = None
    columns: Annotated[list[str] | None, Field(description="The file's headers")] = None
    mapping: MappingOut | None = None
    rows: int
    valid: int
    invalid: int
    errors_by_code: dict[str, int]
    errors: Annotated[list[RowErrorOut], Field(description="The first 1000 errors")]
    errors_truncated: bool
    duplicate_of_receipt: Annotated[int | None, Field(description="The receipt this file was already")] = None
    notes: Annotated[list[str], Field(
        default_factory=list,
        description="What decided the mapping where it was not the file's own header, and where the file's "
                    "header overruled the supplier's remembered mapping")]
    lots: Annotated[LotsOut | None, Field(description="Only when the list has a lot or expiry column")] = None


class DryRunOut(PreviewOut):
    can_commit: bool


class ListRefusal(PreviewOut):
    """Refused (nothing saved): the error and the preview that says why."""

    error: ErrorDetail


class ReceiptCountsOut(ApiModel):
    listed: int
    expected: int
    received: int
    missing: int
    unexpected: int


class ReceiptOut(ApiModel):
    id: int
    supplier: Annotated[str, Field(description="Supplier code")]
    warehouse: Annotated[str, Field(description="Warehouse code")]
    reference: str
    expected_date: Day | None
    status: ReceiptStatus
    created_at: Stamp
    closed_at: Stamp | None
    file_name: str | None
    skipped_rows: int
    counts: ReceiptCountsOut
    url: Annotated[str, Field(description="The receipt's page")]

    @classmethod
    def of(cls, receipt: Receipt, counts: queries.ReceiptCounts | None = None) -> ReceiptOut:
        counts = counts or queries.receipt_counts(db.session, receipt.id)
        return cls(
            id=receipt.id, supplier=receipt.supplier.code, warehouse=receipt.warehouse.code,
            reference=receipt.reference, expected_date=receipt.expected_date, status=receipt.status,
            created_at=receipt.created_at, closed_at=receipt.closed_at, file_name=receipt.file_name,
            skipped_rows=receipt.skipped_rows, counts=ReceiptCountsOut(**counts.as_dict()),
            url=url_for("receiving.receipt", receipt_id=receipt.id),
        )


class ReceiptCreated(PreviewOut):
    receipt: ReceiptOut


class Received(ApiModel):
    received: Annotated[int, Field(description="How many items became in stock")]
    receipt: ReceiptOut


class Closed(ApiModel):
    marked_missing: Annotated[int, Field(description="How many expected items became missing")]
    receipt: ReceiptOut


class RefusedList(DomainError):
    """A list refused with its preview: answered as :class:`ListRefusal`."""

    status = 422

    def __init__(self, preview: services.Preview, code: str, message: str):
        super().__init__(message, code=code,
                         details=preview.refusal.details if preview.refusal and preview.refusal.details else None)
        self.extra = PreviewOut.model_validate(preview.summary()).model_dump(mode="json")


# --- endpoints ----------------------------------------------------------------

_WRITERS = ("receiver", "manager")


@bp.post("/receipts")
@operation(
    tag="receipts", summary="Upload a supplier's serial list: preview it (dry_run) or commit it as a receipt",
    roles=_WRITERS, form=ReceiptUpload, answers={201: ReceiptCreated, 200: DryRunOut},
    errors={409: "The same file was already received for this supplier",
            422: ("Refused: invalid rows or an unreadable file (nothing saved, the preview says why), "
                  "or bad header fields", ListRefusal)},
)
def create_receipt(form: ReceiptUpload):
    header = services.receipt_header(
        db.session, supplier=form.supplier, warehouse=form.warehouse, reference=form.reference,
        expected_date=form.expected_date, product=form.product, condition=form.condition,
        ownership=form.ownership, unit_cost=form.unit_cost)
    content = form.file.read() if form.file is not None else b""
    if not content:
        raise Invalid("Send the supplier's list as the multipart field 'file'.", code="file_required")
    file_name = form.file.filename or "upload"
    mapping = {"columns": form.mapping} if form.mapping else None
    if form.dry_run:
        preview = services.preview_list(db.session, header=header, content=content, file_name=file_name,
                                        sheet=form.sheet, mapping=mapping)
        db.session.rollback()
        if preview.refusal is not None:
            raise RefusedList(preview, preview.refusal.code, preview.refusal.message)
        return answer(DryRunOut(**preview.summary(), can_commit=preview.can_commit))
    try:
        receipt, preview = services.import_list(
            db.session, header=header, content=content, file_name=file_name, actor=current_api_user(),
            sheet=form.sheet, mapping=mapping, skip_invalid=form.skip_invalid)
    except services.ListRefused as refused:
        raise RefusedList(refused.preview, refused.code, refused.message) from None
    # every listed item is expected (counting a million rows again would add a second)
    listed = preview.valid
    counts = queries.ReceiptCounts(listed=listed, expected=listed)
    body = ReceiptCreated(**preview.summary(), receipt=ReceiptOut.of(receipt, counts))
    return answer(body, 201, {"Location": url_for("api.get_receipt", receipt_id=receipt.id)})


@bp.get("/receipts/<int:receipt_id>")
@operation(tag="receipts", summary="A receipt and its counts", roles=_WRITERS, answers={200: ReceiptOut})
def get_receipt(receipt_id: int):
    return answer(ReceiptOut.of(services.get_receipt(db.session, receipt_id)))


@bp.post("/receipts/<int:receipt_id>/receive-all")
@operation(tag="receipts", summary="Trusted supplier: every expected item becomes in stock in the dock bin",
           roles=_WRITERS, answers={200: Received},
           errors={409: "The receipt is closed", 422: "The supplier is not trusted"})
def receive_all(receipt_id: int):
    receipt = services.get_receipt(db.session, receipt_id)
    n = services.receive_all_at_dock(db.session, receipt=receipt, actor=current_api_user())
    return answer(Received(received=n, receipt=ReceiptOut.of(receipt)))


@bp.post("/receipts/<int:receipt_id>/close")
@operation(tag="receipts", summary="Close: expected items not received become missing", roles=_WRITERS,
           answers={200: Closed}, errors={409: "The receipt is already closed"})
def close_receipt(receipt_id: int):
    receipt = services.get_receipt(db.session, receipt_id)
    n = services.close_receipt(db.session, receipt=receipt, actor=current_api_user())
    return answer(Closed(marked_missing=n, receipt=ReceiptOut.of(services.get_receipt(db.session, receipt_id))))
