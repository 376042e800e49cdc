"""API endpoints: recalls (managers), the same services as the pages."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StrictStr

from ..extensions import db
from ..recalls import queries, services
from ..recalls.models import Recall
from ..recalls.routes import recall_pdf_response, units_csv
from . import bp
from .auth import current_api_user
from .defects import json_answer
from .schema import ApiModel, Query, Request, Stamp, answer, operation

ROLES = services.RECALL_ROLES
DATE_WORDS = "A day as YYYY-MM-DD (anything else: 422 invalid_date naming the field)"


class RecallNew(Request):
    reason: Annotated[StrictStr, Field(description=f"Why (required), at most {services.MAX_REASON} characters, "
                                                   "stored as typed")]
    supplier: Annotated[StrictStr | None, Field(description="The supplier's code")] = None
    product: Annotated[StrictStr | None, Field(description="The product's SKU")] = None
    lot: Annotated[StrictStr | None, Field(description="The lot or batch (GS1 AI 10), as the items carry it")] = None
    receipts: Annotated[list[StrictInt] | None, Field(description="Receipt ids")] = None
    received_from: Annotated[StrictStr | None, Field(description=f"Received on or after this day. {DATE_WORDS}")] = None
    received_to: Annotated[StrictStr | None, Field(description=f"Received on or before this day. {DATE_WORDS}")] = None
    serials: Annotated[list[StrictStr] | None, Field(
        max_length=services.MAX_SERIALS,
        description="Serials; those no item has are answered in unknown_serials, not refused")] = None


class RecallOut(ApiModel):
    """A recall: its reason, how many units it holds and how many are in each status now"""

    id: int
    reason: str
    status: Annotated[str, Field(description="open or closed")]
    created_at: Stamp
    affected: Annotated[int, Field(description="Units fixed when the recall opened")]
    by_status: Annotated[dict[str, int], Field(description="status -> how many of its units are in it now")]
    quarantined_at: Stamp | None
    unknown_serials: Annotated[list[str], Field(description=(
        f"Listed serials no item has (at most {services.MAX_UNKNOWN_KEPT}; unknown_count has them all)"))]
    unknown_count: int
    message: Annotated[str | None, Field(description="Says so when no unit matched the criteria")] = None

    @classmethod
    def of(cls, recall: Recall, message: str | None = None) -> RecallOut:
        db.session.flush()
        return cls(**_summary(recall, message))


def _summary(recall: Recall, message: str | None = None) -> dict:
    return {"id": recall.id, "reason": recall.reason, "status": recall.status, "created_at": recall.created_at,
            "affected": recall.affected, "by_status": queries.by_status(db.session, recall.id),
            "quarantined_at": recall.quarantined_at, "unknown_serials": queries.unknown_serials(recall),
            "unknown_count": recall.unknown_count,
            "message": message if message is not None else (None if recall.affected else services.EMPTY_MESSAGE)}


class RecallUnitOut(ApiModel):
    serial: str
    sku: str
    lot: str | None
    status: str
    warehouse: Annotated[str | None, Field(description="The warehouse's code")]
    bin: Annotated[str | None, Field(description="The bin's code")]
    order_ref: str | None
    sold_at: Stamp | None
    channel: Annotated[str | None, Field(description="The sale's channel: not recorded yet (always null)")] = None


class RecallDetail(RecallOut):
    """A recall with its units (every one, or those of one status)"""

    units: list[RecallUnitOut]


class RecallList(ApiModel):
    """Every recall, newest first, without their units"""

    recalls: list[RecallOut]


class RecallUnitsQuery(Query):
    status: Annotated[str | None, Field(description="Only the units in this status now")] = None


class Quarantined(ApiModel):
    """How many units were quarantined now (0: none was still in stock)"""

    quarantined: int


def _stamp(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


@bp.post("/recalls")
@operation(tag="recalls", roles=ROLES, body=RecallNew, answers={201: RecallOut},
           errors={404: "No such supplier (unknown_supplier), product (unknown_product) or receipt "
                        "(unknown_receipt)",
                   422: "No criterion (no_criteria), no reason (reason_required), a date not YYYY-MM-DD "
                        "(invalid_date), a range the wrong way round (invalid_range), or a bad field"},
           summary="Open a recall: every unit matching all the criteria given, fixed now",
           description="Criteria matching nothing give an empty recall (affected 0) and a message, not an error.")
def recall_create(body: RecallNew):
    opened = services.open_recall(db.session, reason=body.reason, actor=current_api_user(), supplier=body.supplier,
                                  product=body.product, lot=body.lot, receipts=body.receipts,
                                  received_from=body.received_from, received_to=body.received_to,
                                  serials=body.serials)
    return answer(RecallOut.of(opened.recall, opened.message), 201)


@bp.get("/recalls")
@operation(tag="recalls", roles=ROLES, answers={200: RecallList}, summary="Every recall, newest first")
def recall_list():
    return answer(RecallList(recalls=[RecallOut.of(r) for r in queries.recalls(db.session)]))


@bp.get("/recalls/<int:recall_id>")
@operation(tag="recalls", roles=ROLES, query=RecallUnitsQuery, answers={200: RecallDetail},
           errors={422: "status is not an item status (invalid_status)"},
           summary="One recall with every unit: status, warehouse and bin, or order and sale date when sold")
def recall_show(recall_id: int, query: RecallUnitsQuery):
    recall = services.get_recall(db.session, recall_id)
    status = services.unit_status(query.status)
    body = _summary(recall)
    body["created_at"], body["quarantined_at"] = _stamp(recall.created_at), _stamp(recall.quarantined_at)
    # plain dicts: a recall holds up to 100,000s of units, a pydantic model each would cost more than the query
    body["units"] = [{"serial": u.serial, "sku": u.sku, "lot": u.lot, "status": u.status, "warehouse": u.warehouse,
                      "bin": u.bin, "order_ref": u.order_ref, "sold_at": _stamp(u.sold_at), "channel": u.channel}
                     for u in queries.units(db.session, recall.id, status=status)]
    return json_answer(body)


@bp.get("/recalls/<int:recall_id>/units.csv")
@operation(tag="recalls", roles=ROLES, answers={200: None},
           downloads={"text/csv": {"type": "string"}},
           summary="Every unit of the recall as CSV (formula-safe; sep=; for a semicolon file)")
def recall_units_csv(recall_id: int):
    return units_csv(recall_id)


@bp.get("/recalls/<int:recall_id>/recall.pdf")
@operation(tag="recalls", roles=ROLES, answers={200: None},
           downloads={"application/pdf": {"type": "string", "format": "binary"}},
           summary="The recall PDF: reason, criteria, progress and the first units (every unit: the CSV)")
def recall_pdf(recall_id: int):
    return recall_pdf_response(recall_id)


@bp.post("/recalls/<int:recall_id>/quarantine")
@operation(tag="recalls", roles=ROLES, answers={200: Quarantined},
           errors={409: "The recall is closed (recall_closed), or a warehouse has no quarantine bin "
                        "(no_quarantine)"},
           summary="Quarantine every unit of the recall still in stock (defective, reason recall), all or "
                   "nothing; again: 0")
def recall_quarantine(recall_id: int):
    return answer(Quarantined(quarantined=services.quarantine(db.session, recall_id=recall_id,
                                                              actor=current_api_user())))


@bp.post("/recalls/<int:recall_id>/close")
@operation(tag="recalls", roles=ROLES, answers={200: RecallOut},
           summary="Close a recall: its units are no longer refused for shipping (again: no change)")
def recall_close(recall_id: int):
    return answer(RecallOut.of(services.close(db.session, recall_id=recall_id, actor=current_api_user())))
