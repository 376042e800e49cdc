"""API endpoints: returns to the supplier (RMA), the same services as the pages."""

from __future__ import annotations

from typing import Annotated

from flask import Response
from pydantic import Field, StrictStr

from ..extensions import db
from ..supplier_returns import queries, replacements, services
from ..supplier_returns.models import SupplierReturn
from ..supplier_returns.note import return_note_pdf
from . import bp
from .auth import current_api_user
from .defects import item_out
from .schema import ApiModel, Request, Stamp, answer, operation
from .serials import ItemOut

Number = Annotated[StrictStr, Field(description=f"At most {services.MAX_NUMBER} characters, stored as typed")]
REFUSALS = ("other_supplier (another supplier's item), not_defective, other_warehouse (in another warehouse), "
            "on_another_return, not_open (the return is shipped or closed)")


class ReturnNew(Request):
    supplier: Annotated[StrictStr, Field(description="The supplier's code")]
    warehouse: Annotated[StrictStr, Field(description="The warehouse's code")]
    rma_number: Number | None = None


class ReturnItemNew(Request):
    serial: StrictStr


class ReturnClose(Request):
    credit_note: Number | None = None


class ReplacementNew(Request):
    replacement_serial: Annotated[StrictStr, Field(description="The unit the supplier sent in its place")]


class ReturnLineOut(ApiModel):
    serial: str
    sku: str
    product: str
    status: str
    reason: Annotated[str | None, Field(description="The item's latest defect reason")]
    added_at: Stamp
    replaced_by: Annotated[str | None, Field(description="The serial of its replacement, once linked")] = None


class ReturnOut(ApiModel):
    """A return to the supplier and the items on it"""

    id: int
    supplier: Annotated[str, Field(description="The supplier's code")]
    warehouse: Annotated[str, Field(description="The warehouse's code")]
    rma_number: str | None
    status: Annotated[str, Field(description="open, shipped or closed")]
    credit_note: str | None
    created_at: Stamp
    shipped_at: Stamp | None
    closed_at: Stamp | None
    items: list[ReturnLineOut]

    @classmethod
    def of(cls, found: SupplierReturn) -> ReturnOut:
        db.session.flush()
        return cls(id=found.id, supplier=found.supplier.code, warehouse=found.warehouse.code,
                   rma_number=found.rma_number, status=found.status, credit_note=found.credit_note,
                   created_at=found.created_at, shipped_at=found.shipped_at, closed_at=found.closed_at,
                   items=[ReturnLineOut(**vars(line)) for line in queries.lines(db.session, found.id)])


@bp.post("/supplier-returns")
@operation(tag="supplier returns", roles=services.RETURN_ROLES, body=ReturnNew, answers={201: ReturnOut},
           errors={404: "No such supplier or warehouse"},
           summary="Open a return to the supplier (RMA) for one supplier and one warehouse")
def supplier_return_create(body: ReturnNew):
    found = services.open_return(db.session, supplier=body.supplier, warehouse=body.warehouse,
                                 rma_number=body.rma_number, actor=current_api_user())
    return answer(ReturnOut.of(found), 201)


@bp.get("/supplier-returns/<int:return_id>")
@operation(tag="supplier returns", roles=services.RETURN_ROLES, answers={200: ReturnOut},
           errors={404: "No such return"}, summary="One return to the supplier with its items")
def supplier_return_show(return_id: int):
    return answer(ReturnOut.of(services.get_return(db.session, return_id)))


@bp.post("/supplier-returns/<int:return_id>/items")
@operation(tag="supplier returns", roles=services.RETURN_ROLES, body=ReturnItemNew, answers={200: ReturnOut},
           errors={404: "No such return or serial", 409: f"Refused: {REFUSALS}"},
           summary="Put a defective item on an open return (already on it: nothing changes)")
def supplier_return_add(return_id: int, body: ReturnItemNew):
    found = services.add_item(db.session, return_id=return_id, serial=body.serial, actor=current_api_user())
    return answer(ReturnOut.of(found))


@bp.delete("/supplier-returns/<int:return_id>/items/<path:serial>")
@operation(tag="supplier returns", roles=services.RETURN_ROLES, answers={200: ReturnOut},
           errors={404: "No such return, or the serial is not on it", 409: "The return is not open (not_open)"},
           summary="Take an item off an open return")
def supplier_return_remove(return_id: int, serial: str):
    return answer(ReturnOut.of(services.remove_item(db.session, return_id=return_id, serial=serial,
                                                     actor=current_api_user())))


@bp.post("/supplier-returns/<int:return_id>/ship")
@operation(tag="supplier returns", roles=services.RETURN_ROLES, answers={200: ReturnOut},
           errors={404: "No such return", 409: "The return has no items (empty), or one is no longer "
                                               "defective (not_defective)"},
           summary="Shipped: every item on it returned to the supplier, all or nothing (again: no change)")
def supplier_return_ship(return_id: int):
    return answer(ReturnOut.of(services.ship(db.session, return_id=return_id, actor=current_api_user())))


@bp.post("/supplier-returns/<int:return_id>/close")
@operation(tag="supplier returns", roles=services.RETURN_ROLES, body=ReturnClose, answers={200: ReturnOut},
           errors={404: "No such return", 409: "The return is not shipped yet (not_shipped)"},
           summary="Close a shipped return, with the supplier's credit note number")
def supplier_return_close(return_id: int, body: ReturnClose):
    found = services.close(db.session, return_id=return_id, credit_note=body.credit_note, actor=current_api_user())
    return answer(ReturnOut.of(found))


@bp.get("/supplier-returns/<int:return_id>/note.pdf")
@operation(tag="supplier returns", roles=services.RETURN_ROLES, answers={200: None},
           downloads={"application/pdf": {"type": "string", "format": "binary"}},
           errors={404: "No such return"},
           summary="The return note PDF: supplier, RMA number, each serial as text and Code128 barcode")
def supplier_return_note(return_id: int):
    found = services.get_return(db.session, return_id)
    response = Response(return_note_pdf(db.session, found), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="return-{found.id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/serials/<path:serial>/replacement")
@operation(tag="supplier returns", roles=replacements.REPLACEMENT_ROLES, body=ReplacementNew,
           answers={200: ItemOut}, errors={
               404: "Unknown serial or replacement serial",
               409: "Refused: status_not_allowed (only an item returned_to_supplier is replaced), already_replaced, "
                    "other_product, already_replacing (the unit replaces another item), same_item, not_received, "
                    "same_receipt or received_earlier (the replacement comes on a later receipt)"},
           summary="Link a replacement from the supplier to the item it replaces (the same pair again: no change)",
           description="Answers the original item, whose replaced_by is now the replacement's serial; the "
                       "replacement's item JSON carries replaces.")
def serial_replacement(serial: str, body: ReplacementNew):
    original = replacements.link_replacement(db.session, serial=serial, replacement_serial=body.replacement_serial,
                                             actor=current_api_user())
    return answer(item_out(original))
