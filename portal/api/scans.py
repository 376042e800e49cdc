"""API endpoints: scans. ``POST /api/v1/scans`` records one scan through the
same service as the scan pages; a refused scan is a normal answer (200)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

from flask import current_app, jsonify, request
from pydantic import Field, StrictStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import update

from ..customer_returns.services import CONDITIONS, OUTCOMES
from ..defects.services import STAGES
from ..errors import DomainError
from ..extensions import db
from ..models import ItemStatus, SerialItem
from ..scanning import services
from ..scanning.exactly_once import commit_scan
from . import bp
from .auth import current_api_user
from .defects import Note
from .schema import ApiModel, Day, Request, answer, operation

ACTIONS = ("put_away", "move", "ship", "lookup", "defect", "return", "condition")
Text200 = Annotated[StrictStr, Field(max_length=200)]
#: What each outcome of a customer return needs besides the serial.
RETURN_NEEDS = {"restock": ("condition", "warehouse", "bin"), "defective": ("reason",),
                "exchange": ("reason", "replacement_serial")}


class ScanRequest(Request):
    client_scan_id: Annotated[StrictStr, Field(
        description="8 to 64 letters, digits, '-', '_', '.' or ':' (a UUID fits); the same id again replays "
                    "the first answer")]
    action: Literal[ACTIONS]
    serial: Annotated[Text200, Field(description="A plain serial or a GS1 code (AI 21)")]
    warehouse: Annotated[Text200 | None, Field(
        description="Warehouse code (put_away, move; return: restock into it, or whose quarantine takes a "
                    "defective or exchanged item, the item's own by default)")] = None
    bin: Annotated[Text200 | None, Field(
        description="Bin code (put_away, move; return: restock, a storage bin)")] = None
    order_ref: Annotated[Text200 | None, Field(
        description="Order reference (ship; return: optional, the item must have been sold under it)")] = None
    reason: Annotated[Text200 | None, Field(
        description="A code of the active defect reasons (defect; return: defective, exchange)")] = None
    stage: Annotated[Literal[STAGES] | None, Field(
        description="defect: where it was found (default: receiving for an expected item, storage for one "
                    "in stock)")] = None
    note: Annotated[Note | None, Field(description="defect, return, condition: stored as typed")] = None
    outcome: Annotated[Literal[OUTCOMES] | None, Field(
        description="return: restock (needs condition, warehouse, bin), defective (needs reason; into "
                    "quarantine, stage customer_return) or exchange (needs reason and replacement_serial)")] = None
    condition: Annotated[Literal[CONDITIONS] | None, Field(
        description="return, restock: the item's condition; condition: the condition the item becomes")] = None
    replacement_serial: Annotated[Text200 | None, Field(
        description="return, exchange: a unit of the same product in stock, sold under the same order with the "
                    "original's warranty end")] = None
    scanned_at: Annotated[datetime | None, Field(
        description="When the device recorded the scan (ISO 8601; without an offset it is UTC)")] = None
    expiry_override: Annotated[Note | None, Field(
        description="ship: a manager's note that ships an expired unit anyway (recorded in the shipment "
                    "movement's note); from anyone else the scan is refused")] = None

    error_codes: ClassVar[dict] = {
        "client_scan_id": "invalid_client_scan_id", "action": "invalid_action", "stage": "unknown_stage",
        "outcome": "unknown_outcome", "condition": "unknown_condition",
        ("serial", "missing"): "serial_required", "missing": "field_required",
        "type": "invalid_field", "constraint": "invalid_field",
    }
    not_an_object: ClassVar[tuple[int, str]] = (422, "invalid_json")

    @field_validator("client_scan_id", mode="after")
    @classmethod
    def _scan_id(cls, value: str) -> str:
        try:
            return services.clean_scan_id(value)
        except DomainError as refused:
            raise PydanticCustomError(refused.code, refused.message) from None

    @field_validator("serial", mode="after")
    @classmethod
    def _serial(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("serial_required", "serial is required.")
        return value

    @field_validator("scanned_at", mode="after")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    @model_validator(mode="after")
    def _what_the_action_needs(self):
        if self.action in ("put_away", "move") and not (self.bin or "").strip():
            raise PydanticCustomError("bin_required", f"{self.action} needs a bin (and its warehouse).")
        if self.action == "ship" and not (self.order_ref or "").strip():
            raise PydanticCustomError("order_ref_required", "ship needs an order_ref.")
        if self.action == "defect" and not (self.reason or "").strip():
            raise PydanticCustomError("reason_required", "defect needs a reason (a code of the active defect reasons).")
        if self.action == "condition" and not self.condition:
            raise PydanticCustomError("condition_required", "condition needs the condition the item becomes.")
        if self.action == "return":
            if self.outcome is None:
                raise PydanticCustomError("outcome_required",
                                          "return needs an outcome: restock, defective or exchange.")
            for name in RETURN_NEEDS[self.outcome]:
                if not (getattr(self, name) or "").strip():
                    raise PydanticCustomError(f"{name}_required", f"A return with outcome {self.outcome} needs {name}.")
        return self


class ScanItem(ApiModel):
    serial: str
    sku: str
    product: str
    status: ItemStatus
    bin: Annotated[str | None, Field(description="WAREHOUSE/BIN")]
    receipt: Annotated[str | None, Field(description="The receipt's reference")]
    order_ref: str | None
    sold_at: Day | None
    warranty_ends_on: Day | None
    received_at: Day | None
    lot: Annotated[str | None, Field(description="Batch or lot (GS1 AI 10)")] = None
    expires_at: Annotated[Day | None, Field(description="Expiry date (GS1 AI 17)")] = None


class OlderUnit(ApiModel):
    serial: str
    bin: str


class ExpiredUnit(ApiModel):
    serial: str
    expires_at: Day


class ReturnWarranty(ApiModel):
    in_warranty: Annotated[bool, Field(description="When the customer brought it back")]
    ends_on: Day | None
    days_left: Annotated[int | None, Field(description="Negative: days over")]


class ScanAnswer(ApiModel):
    client_scan_id: str
    result: Literal["accepted", "warning", "refused"]
    message: str
    item: ScanItem | None
    replayed: Annotated[bool, Field(description="True when this is the stored answer to an earlier send")] = False
    older_unit: Annotated[OlderUnit | None, Field(
        description="The unit of the same product to ship first: the one that expires first, then the oldest "
                    "(first in, first out)")] = None
    expired: Annotated[ExpiredUnit | None, Field(
        description="ship, refused: the unit has expired; a manager may send the scan again with "
                    "expiry_override")] = None
    warranty: Annotated[ReturnWarranty | None, Field(description="return: the warranty as it was")] = None
    replacement: Annotated[ScanItem | None, Field(description="return, exchange: the unit the customer takes")] = None


@bp.post("/scans")
@operation(
    tag="scans", summary="Record one scan (put away, move, ship, look up, flag a defect, take a customer "
                         "return or set a condition), exactly once per client_scan_id",
    description="Calls the same service as the scan pages. Sending the same client_scan_id again returns the "
                "first answer and records nothing new. A refused scan is a 200 with result 'refused' (an "
                "unknown serial or bin, an item whose status does not allow it, a return of an item not sold or "
                "sold under another order, an inactive reason); with action condition an item already in that "
                "condition is a 'warning' that records nothing. A malformed request is a 422 (a body that is not "
                "a JSON object too, or a field the action or the return's outcome needs left out: bin_required, "
                "order_ref_required, reason_required, outcome_required, condition_required, warehouse_required, "
                "replacement_serial_required).",
    roles=("operator", "receiver", "manager"), body=ScanRequest, answers={200: ScanAnswer},
)
def post_scan(body: ScanRequest):
    actor = current_api_user()
    moves = body.action in ("put_away", "move")
    result = commit_scan(
        lambda: services.record_scan(
            db.session,
            actor=actor,
            client_scan_id=body.client_scan_id,
            task=body.action,
            code=body.serial,
            warehouse_code=body.warehouse,
            bin_code=body.bin if moves else None,
            order_ref=body.order_ref if body.action == "ship" else None,
            settings=services.ScanSettings.from_config(current_app.config),
            scanned_at=body.scanned_at,
            defect_reason=body.reason if body.action == "defect" else None,
            defect_stage=body.stage,
            note=body.note,
            expiry_override=body.expiry_override if body.action == "ship" else None,
            customer_return=services.ReturnScan(
                outcome=body.outcome, order_ref=body.order_ref, condition=body.condition, warehouse=body.warehouse,
                bin=body.bin, reason=body.reason, replacement_serial=body.replacement_serial, note=body.note,
            ) if body.action == "return" else None,
            condition=body.condition if body.action == "condition" else None,
        ),
        client_scan_id=body.client_scan_id,
        actor=actor,
    )
    return answer(ScanAnswer.model_validate(result))


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
