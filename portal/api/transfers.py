"""API endpoints: transfers between warehouses, the same services as the pages."""

from __future__ import annotations

from typing import Annotated

from flask import current_app
from pydantic import Field, StrictStr

from ..extensions import db
from ..transfers import queries, services
from ..transfers.models import Transfer
from . import bp
from .auth import current_api_user
from .schema import ApiModel, Request, Stamp, answer, operation

TAG = "transfers"
ROLES = services.TRANSFER_ROLES
STATE = "on_transfer (not dispatched yet), in_transit, received, missing (closed without it) or cancelled"


class TransferNew(Request):
    from_warehouse: Annotated[StrictStr, Field(description="The code of the warehouse the units leave")]
    to_warehouse: Annotated[StrictStr, Field(description="The code of the warehouse they go to (another one)")]
    reference: Annotated[StrictStr | None, Field(
        description=f"At most {services.MAX_REFERENCE} characters, stored as typed")] = None


class TransferItemNew(Request):
    serial: StrictStr


class TransferReceipt(Request):
    serial: StrictStr
    bin: Annotated[StrictStr, Field(description="A bin of the destination: its code, WH/BIN or its label BIN:WH/BIN")]


class TransferLineOut(ApiModel):
    serial: str
    sku: str
    status: Annotated[str, Field(description="The item's status now")]
    state: Annotated[str, Field(description=STATE)]
    bin: Annotated[str | None, Field(description="The bin it was received into (WH/BIN)")]
    added_at: Stamp
    received_at: Stamp | None


class TransferCounts(ApiModel):
    on_it: Annotated[int, Field(description="Serials on the transfer")]
    received: int
    still_missing: Annotated[int, Field(description="Dispatched and not received (after closing: marked missing)")]


class TransferSummary(ApiModel):
    """A transfer between warehouses and its counts"""

    id: int
    from_warehouse: str
    to_warehouse: str
    reference: str | None
    status: Annotated[str, Field(description="open, dispatched, closed, or cancelled (closed before dispatch)")]
    created_at: Stamp
    dispatched_at: Stamp | None
    closed_at: Stamp | None
    counts: TransferCounts

    @staticmethod
    def fields(found: Transfer) -> dict:
        db.session.flush()
        return dict(id=found.id, from_warehouse=found.from_warehouse.code, to_warehouse=found.to_warehouse.code,
                    reference=found.reference, status=found.status, created_at=found.created_at,
                    dispatched_at=found.dispatched_at, closed_at=found.closed_at,
                    counts=TransferCounts(**vars(queries.counts(db.session, found))))


def _lines(found: Transfer, item_id: int | None = None) -> list[TransferLineOut]:
    return [TransferLineOut(serial=line.serial, sku=line.sku, status=line.status, state=line.state, bin=line.bin,
                            added_at=line.added_at, received_at=line.received_at)
            for line in queries.lines(db.session, found, item_id=item_id)]


class TransferOut(TransferSummary):
    """A transfer between warehouses, its counts and each of its units' state"""

    items: list[TransferLineOut]

    @classmethod
    def of(cls, found: Transfer) -> TransferOut:
        return cls(**TransferSummary.fields(found), items=_lines(found))


class TransferScanOut(ApiModel):
    """One unit put on a transfer or received: its line, and the transfer with its counts (not every line:
    a scan's answer stays small however long the transfer; GET the transfer for every line)"""

    item: TransferLineOut
    transfer: TransferSummary

    @classmethod
    def of(cls, line) -> TransferScanOut:
        found = services.get_transfer(db.session, line.transfer_id)
        return cls(item=_lines(found, item_id=line.item_id)[0],
                   transfer=TransferSummary(**TransferSummary.fields(found)))


@bp.post("/transfers")
@operation(tag=TAG, roles=ROLES, body=TransferNew, answers={201: TransferOut},
           errors={404: "No such warehouse (unknown_warehouse)",
                   409: "A warehouse no longer in use (warehouse_inactive)",
                   422: "Both warehouses are the same (same_warehouse), or the reference is too long"},
           summary="Open a transfer from one warehouse to another")
def transfer_create(body: TransferNew):
    found = services.open_transfer(db.session, from_warehouse=body.from_warehouse, to_warehouse=body.to_warehouse,
                                   reference=body.reference, actor=current_api_user())
    return answer(TransferOut.of(found), 201)


@bp.get("/transfers/<int:transfer_id>")
@operation(tag=TAG, roles=ROLES, answers={200: TransferOut}, errors={404: "No such transfer"},
           summary="One transfer with each unit's state and the counts dispatched, received, still missing")
def transfer_show(transfer_id: int):
    return answer(TransferOut.of(services.get_transfer(db.session, transfer_id)))


@bp.post("/transfers/<int:transfer_id>/items")
@operation(tag=TAG, roles=ROLES, body=TransferItemNew, answers={200: TransferScanOut},
           errors={404: "No such transfer or serial",
                   409: "Refused: wrong_warehouse (the unit is in another warehouse than the source), "
                        "status_not_allowed (not in stock), on_another_transfer (details.transfer names it), "
                        "transfer_dispatched / transfer_closed / transfer_cancelled (no longer open)"},
           summary="Put an in-stock unit of the source warehouse on an open transfer (again: no change)")
def transfer_add(transfer_id: int, body: TransferItemNew):
    line = services.add_item(db.session, transfer_id=transfer_id, serial=body.serial, actor=current_api_user())
    return answer(TransferScanOut.of(line))


@bp.delete("/transfers/<int:transfer_id>/items/<path:serial>")
@operation(tag=TAG, roles=ROLES, answers={200: TransferOut},
           errors={404: "No such transfer, or the serial is not on it (not_on_transfer)",
                   409: "The transfer is no longer open"},
           summary="Take a unit off an open transfer")
def transfer_remove(transfer_id: int, serial: str):
    return answer(TransferOut.of(services.remove_item(db.session, transfer_id=transfer_id, serial=serial,
                                                      actor=current_api_user())))


@bp.post("/transfers/<int:transfer_id>/dispatch")
@operation(tag=TAG, roles=ROLES, answers={200: TransferOut},
           errors={404: "No such transfer", 409: "No units on it (empty), a unit no longer in stock at the source "
                                                 "(status_not_allowed), or the transfer was cancelled"},
           summary="Dispatch: every unit on it in transit (no bin), one movement each, all or nothing "
                   "(again: no change)")
def transfer_dispatch(transfer_id: int):
    return answer(TransferOut.of(services.dispatch(db.session, transfer_id=transfer_id, actor=current_api_user())))


@bp.post("/transfers/<int:transfer_id>/receive")
@operation(tag=TAG, roles=ROLES, body=TransferReceipt, answers={200: TransferScanOut},
           errors={404: "No such transfer, serial or bin (unknown_bin)",
                   409: "Refused: wrong_warehouse (a bin of another warehouse than the destination), "
                        "not_on_transfer (the serial is not on it), status_not_allowed (not in transit), "
                        "transfer_open / transfer_closed / transfer_cancelled (not dispatched)",
                   422: "The bin is not a bin code or label (invalid_bin)"},
           summary="A dispatched unit scanned into a bin of the destination: in stock there (again: no change)")
def transfer_receive(transfer_id: int, body: TransferReceipt):
    line = services.receive(db.session, transfer_id=transfer_id, serial=body.serial, bin=body.bin,
                            actor=current_api_user(), bin_prefix=current_app.config["BIN_LABEL_PREFIX"])
    return answer(TransferScanOut.of(line))


@bp.post("/transfers/<int:transfer_id>/close")
@operation(tag=TAG, roles=ROLES, answers={200: TransferOut}, errors={404: "No such transfer"},
           summary="Close: units not received become missing, the transfer named; an open transfer is "
                   "cancelled instead (nothing moved). Again: no change")
def transfer_close(transfer_id: int):
    return answer(TransferOut.of(services.close(db.session, transfer_id=transfer_id, actor=current_api_user())))
