"""API endpoint: a customer return with its warranty check (issue 13 point 5), the same service as the station."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictStr

from ..customer_returns import services
from ..extensions import db
from . import bp
from .auth import current_api_user
from .defects import Note, item_out
from .schema import ApiModel, Day, Request, answer, operation
from .serials import ItemOut

Text = Annotated[StrictStr, Field(max_length=200)]


class CustomerReturnNew(Request):
    serial: Text
    order_ref: Annotated[Text | None, Field(description="If given, the item must have been sold under it")] = None
    outcome: Literal["restock", "defective", "exchange"]
    condition: Annotated[Literal["regular", "sample", "damaged", "refurbished"] | None,
                         Field(description="restock: required")] = None
    warehouse: Annotated[Text | None, Field(description="restock: required; defective/exchange: whose "
                                                        "quarantine (default the item's warehouse)")] = None
    bin: Annotated[Text | None, Field(description="restock: a storage bin, required")] = None
    reason: Annotated[Text | None, Field(description="defective, exchange: an active defect reason, required")] = None
    replacement_serial: Annotated[Text | None, Field(description="exchange: a unit of the same product in "
                                                                 "stock, required")] = None
    note: Note | None = None


class CustomerReturnOut(ApiModel):
    item: ItemOut
    in_warranty: Annotated[bool, Field(description="When the customer brought it back")]
    warranty_ends_on: Day | None
    replacement: Annotated[ItemOut | None, Field(description="exchange: sold under the same order, its "
                                                            "warranty ending with the original's")] = None


@bp.post("/customer-returns")
@operation(tag="items", roles=services.RETURN_ROLES, body=CustomerReturnNew, answers={201: CustomerReturnOut},
           errors={409: "Not sold (not_sold), sold under another order (order_mismatch), or a replacement that "
                        "is not in stock or of another product (replacement_not_allowed)",
                   404: "Unknown serial, replacement serial, warehouse or bin",
                   422: "A field the outcome needs is missing (field_required), or a bad field"},
           summary="A customer return: back in stock, defective into quarantine, or exchanged")
def customer_return_create(body: CustomerReturnNew):
    taken = services.take_return(
        db.session, serial=body.serial, outcome=body.outcome, actor=current_api_user(), order_ref=body.order_ref,
        condition=body.condition, warehouse=body.warehouse, bin_code=body.bin, reason=body.reason,
        replacement_serial=body.replacement_serial, note=body.note)
    return answer(CustomerReturnOut(
        item=item_out(taken.item), in_warranty=taken.warranty.in_warranty, warranty_ends_on=taken.warranty.ends_on,
        replacement=item_out(taken.replacement) if taken.replacement is not None else None), 201)
