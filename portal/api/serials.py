"""API endpoints: one serial item with its history (the movement ledger), as it was at a moment, its
warranty, and a serial corrected."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr

from ..defects.services import item_by_serial
from ..errors import NotFound
from ..extensions import db
from ..items import queries
from ..items.services import CORRECTION_ROLES, correct_serial
from ..models import Condition, ItemStatus, Movement, Ownership, SerialItem, utcnow
from ..serials import normalise
from ..supplier_returns.replacements import links
from ..warranty import warranty_state
from . import bp
from .as_of import AtQuery, ItemAtOut, item_at_out
from .auth import current_api_user
from .schema import ApiModel, Day, Money, Request, Stamp, answer, operation


class MovementOut(ApiModel):
    id: int
    at: Stamp
    kind: str
    from_status: str | None
    to_status: str
    from_bin: str | None
    to_bin: str | None
    by: Annotated[str | None, Field(description="User name")]
    note: str | None

    @classmethod
    def of(cls, movement: Movement) -> MovementOut:
        return cls(
            id=movement.id, at=movement.at, kind=movement.kind, from_status=movement.from_status,
            to_status=movement.to_status, from_bin=movement.from_bin.code if movement.from_bin else None,
            to_bin=movement.to_bin.code if movement.to_bin else None,
            by=movement.actor.username if movement.actor else None, note=movement.note,
        )


class ProductRef(ApiModel):
    sku: str
    name: str


class SupplierRef(ApiModel):
    code: str
    name: str


class ReceiptRef(ApiModel):
    id: int
    reference: str


class ItemOut(ApiModel):
    serial: Annotated[str, Field(description="As the supplier wrote it")]
    status: ItemStatus
    condition: Condition
    ownership: Ownership
    product: ProductRef
    supplier: SupplierRef
    warehouse: str | None
    bin: str | None
    receipt: ReceiptRef | None
    unit_cost: Money | None
    received_at: Stamp | None
    age_days: int | None
    expires_at: Day | None
    sold_at: Stamp | None
    order_ref: str | None
    warranty_ends_on: Day | None
    replaced_by: Annotated[str | None, Field(description="Returned to the supplier: the serial of the unit the "
                                                         "supplier sent in its place, once linked")]
    replaces: Annotated[str | None, Field(description="The serial of the item returned to the supplier that "
                                                      "this unit replaces")]
    movements: Annotated[list[MovementOut], Field(description="Oldest first")]
    former_serials: Annotated[list[str], Field(description="The serials it had before corrections, oldest first "
                                                           "([] when never corrected); a look-up by one finds it")]

    @classmethod
    def of(cls, item: SerialItem, movements: list[Movement]) -> ItemOut:
        linked = links(db.session, item.id)
        return cls(
            serial=item.serial, status=item.status, condition=item.condition, ownership=item.ownership,
            product=ProductRef.model_validate(item.product), supplier=SupplierRef.model_validate(item.supplier),
            warehouse=item.warehouse.code if item.warehouse else None, bin=item.bin.code if item.bin else None,
            receipt=ReceiptRef.model_validate(item.receipt) if item.receipt else None,
            unit_cost=item.unit_cost, received_at=item.received_at,
            age_days=(utcnow() - item.received_at).days if item.received_at else None,
            expires_at=item.expires_at, sold_at=item.sold_at, order_ref=item.order_ref,
            warranty_ends_on=item.warranty_ends_on, replaced_by=linked.replaced_by, replaces=linked.replaces,
            movements=[MovementOut.of(m) for m in movements],
            former_serials=queries.former_serials(db.session, item),
        )


def item_out(item: SerialItem) -> ItemOut:
    """The item as GET /serials/<serial> answers it, its movements oldest first."""
    db.session.flush()
    oldest_first = queries.timeline(item.id).order_by(None).order_by(Movement.id)
    return ItemOut.of(item, db.session.scalars(oldest_first).all())


@bp.get("/serials/<path:serial>")
@operation(tag="items", summary="One serial item with its movement history, or as it was at a moment",
           description="The serial is matched trimmed and case-insensitively; a serial corrected away still "
                       "finds its item (a live serial first). With ?at=<ISO time> the answer is the item as "
                       "it was then, rebuilt from the ledger (ItemAtOut); before the item existed 404 "
                       "not_yet_existing.", query=AtQuery, answers={200: (ItemOut, ItemAtOut)},
           errors={404: "No item has this serial (not_found), or it did not exist yet at 'at' (not_yet_existing)"})
def serial_detail(serial: str, query: AtQuery):
    """Found as the look-up box finds it: trimmed, any case."""
    item = queries.item_by_serial(db.session, serial)
    if item is None:
        raise NotFound(f"No item has the serial {normalise(serial)[:100]}.")
    if query.at is not None:
        return answer(item_at_out(item, query.at))
    return answer(item_out(item))


class CorrectionNew(Request):
    serial: Annotated[StrictStr, Field(description="The serial as it should have been typed (receiving's rules: "
                                                   "no blanks or control characters inside, at most 64)")]
    note: Annotated[StrictStr | None, Field(description="Why, stored as typed (at most 2000 characters)")] = None


@bp.post("/serials/<path:serial>/correction")
@operation(tag="items", summary="Correct a serial typed wrong: the item keeps its history, the old serial stays "
                                "findable", roles=CORRECTION_ROLES, body=CorrectionNew, answers={200: ItemOut},
           errors={409: "The new serial is another item's now (serial_taken) or was before a correction "
                        "(serial_formerly_taken), or it is the item's serial already (serial_unchanged)",
                   422: "The new serial breaks receiving's rules (bad_characters, too_long, blank_serial, "
                        "placeholder, ...) or the note is too long"})
def serial_correction(serial: str, body: CorrectionNew):
    item = item_by_serial(db.session, serial, lock=True)
    correct_serial(db.session, item, serial=body.serial, note=body.note, actor=current_api_user())
    return answer(item_out(item))


class WarrantyOut(ApiModel):
    """Whether an item is in warranty today (UTC)"""

    serial: str
    status: ItemStatus
    sold_at: Annotated[Stamp | None, Field(description="The latest sale (it starts the warranty); "
                                                       "null if the item was never sold")]
    order_ref: Annotated[str | None, Field(description="The order it was last sold under")]
    warranty_ends_on: Annotated[Day | None, Field(description="Last day of the warranty, included")]
    in_warranty: Annotated[bool, Field(description="True only while the item is sold and today is on or "
                                                   "before warranty_ends_on")]
    days_left: Annotated[int | None, Field(description="Days from today to warranty_ends_on: 0 on the last "
                                                      "day, negative once over (-3 = 3 days over); null "
                                                      "with no sale")]


@bp.get("/serials/<path:serial>/warranty")
@operation(tag="items", summary="Warranty lookup: sale, order, warranty end and whether it is in warranty",
           description="The warranty starts at the item's latest sale. days_left is negative once the warranty "
                       "is over (days over). An item never sold has sold_at null and in_warranty false; an item "
                       "back with us (returned, in stock) keeps its last sale but is not in warranty.",
           answers={200: WarrantyOut})
def serial_warranty(serial: str):
    item = item_by_serial(db.session, serial)  # one indexed query on serial_key, nothing joined
    state = warranty_state(item, utcnow().date())
    return answer(WarrantyOut(serial=item.serial, status=item.status, sold_at=state.sold_at,
                              order_ref=state.order_ref, warranty_ends_on=state.ends_on,
                              in_warranty=state.in_warranty, days_left=state.days_left))
