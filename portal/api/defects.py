"""API endpoints: the defect reasons the admin keeps, flagging a defect,
quarantine and its outcomes (repair, scrap). The same services as the pages."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from flask import Response
from pydantic import Field, RootModel, StrictStr

from ..defects import queries, services
from ..errors import NotFound
from ..extensions import db
from ..models import DefectReport, utcnow
from . import bp
from .auth import current_api_user
from .schema import ApiModel, Query, Request, Stamp, answer, operation
from .serials import ItemOut, item_out

#: The most quarantined items one page of the API answers.
MAX_LIMIT = 1000
Note = Annotated[StrictStr, Field(description=f"At most {services.MAX_NOTE} characters, stored as typed")]


class DefectReasonOut(ApiModel):
    """A defect reason"""

    code: str
    name: str
    active: bool


class DefectReasonList(RootModel[list[DefectReasonOut]]):
    """Every defect reason, active first"""


class DefectReasonNew(Request):
    code: Annotated[StrictStr, Field(description="Lower-case letters, digits and _, starting with a letter; "
                                                 "at most 32")]
    name: Annotated[StrictStr, Field(description=f"1 to {services.MAX_NAME} characters")]


class DefectNew(Request):
    reason: Annotated[StrictStr, Field(description="The code of an active defect reason")]
    stage: Literal["receiving", "storage", "customer_return"]
    note: Note | None = None


class DefectOut(ApiModel):
    id: int
    reason: str
    stage: str
    note: str | None
    at: Stamp
    by: Annotated[str | None, Field(description="User name")]

    @classmethod
    def of(cls, report: DefectReport) -> DefectOut:
        return cls(id=report.id, reason=report.reason_code, stage=report.stage_found, note=report.note,
                   at=report.reported_at, by=report.reported_by.username if report.reported_by else None)


class DefectFiled(ApiModel):
    """The item, now defective in quarantine, and its defect report"""

    item: ItemOut
    defect: DefectOut


class QuarantineQuery(Query):
    warehouse: Annotated[str, Field(description="The warehouse's code")]
    supplier: Annotated[str | None, Field(description="Only this supplier's items (its code)")] = None
    reason: Annotated[str | None, Field(description="Only items with this defect reason (its code)")] = None
    limit: Annotated[int | None, Field(ge=1, le=MAX_LIMIT, description=(
        f"At most this many items (1 to {MAX_LIMIT}), and the answer's 'next' says where to go on. "
        "Without it: every item"))] = None
    after: Annotated[str | None, Field(max_length=200, description=(
        "Only the items after this cursor: the 'next' of the answer before, passed as it is"))] = None


class QuarantinedOut(ApiModel):
    serial: str
    sku: str
    supplier: Annotated[str, Field(description="The supplier's code")]
    reason: str | None
    stage: str | None
    since: Annotated[Stamp | None, Field(description="When the defect was reported")]
    days: Annotated[int | None, Field(description="Whole days in quarantine")]


class QuarantineOut(ApiModel):
    """Every defective item of the warehouse, oldest first (with limit: a page of them)"""

    items: list[QuarantinedOut]
    next: Annotated[str | None, Field(description=(
        "Only with limit: the cursor to pass as after for the items that follow; null when there are none"))] = None


class RepairNew(Request):
    warehouse: Annotated[StrictStr, Field(description="The warehouse's code")]
    bin: Annotated[StrictStr, Field(description="A storage bin's code in that warehouse")]
    note: Note | None = None


class ScrapNew(Request):
    note: Annotated[StrictStr, Field(description="Why it is scrapped (required), stored as typed")]


@bp.get("/defect-reasons")
@operation(tag="defects", summary="The defect reasons, active first (a report names its reason by code)",
           answers={200: DefectReasonList})
def defect_reasons():
    return answer(DefectReasonList([DefectReasonOut.model_validate(r) for r in queries.reasons(db.session)]))


@bp.post("/defect-reasons")
@operation(tag="defects", roles=("admin",), body=DefectReasonNew, answers={201: DefectReasonOut},
           errors={409: "A reason with this code exists already (duplicate)"},
           summary="Add a defect reason (active)")
def defect_reason_create(body: DefectReasonNew):
    reason = services.add_reason(db.session, code=body.code, name=body.name)
    return answer(DefectReasonOut.model_validate(reason), 201)


@bp.post("/serials/<path:serial>/defects")
@operation(tag="defects", roles=services.FLAG_ROLES, body=DefectNew, answers={201: DefectFiled},
           errors={409: "The item cannot become defective (status_not_allowed), or its warehouse has no "
                        "quarantine bin", 422: "Unknown or inactive reason (unknown_reason), or a bad field"},
           summary="Flag a defect: the item becomes defective and moves to its warehouse's quarantine bin")
def defect_create(serial: str, body: DefectNew):
    item = services.item_by_serial(db.session, serial, lock=True)
    report = services.flag_defect(db.session, item=item, reason=body.reason, stage=body.stage, note=body.note,
                                  actor=current_api_user())
    db.session.flush()
    return answer(DefectFiled(item=item_out(item), defect=DefectOut.of(report)), 201)


@bp.get("/quarantine")
@operation(tag="defects", query=QuarantineQuery, answers={200: QuarantineOut},
           errors={404: "No such warehouse", 422: "A bad limit, or after is not a cursor of this listing "
                                                  "(invalid_cursor)"},
           summary="Quarantine of one warehouse: every defective item with its reason and days there, oldest first",
           description="Without limit every item comes in one answer. With limit the items come a page at a "
                       "time: pass the answer's next as after until next is null.")
def quarantine(query: QuarantineQuery):
    warehouse = queries.warehouse_by_code(db.session, query.warehouse)
    if warehouse is None:
        raise NotFound(f"There is no warehouse {query.warehouse.strip().upper()[:40]}.")
    statement = queries.quarantine_statement(warehouse_id=warehouse.id, supplier=query.supplier,
                                             reason=query.reason)
    if query.after:
        statement = queries.rows_after(statement, queries.read_cursor(query.after))
    if query.limit:
        statement = statement.limit(query.limit + 1)  # one more says whether there is a next page
    rows = db.session.execute(statement).all()
    body: dict = {"items": quarantined_items(rows[:query.limit] if query.limit else rows, utcnow())}
    if query.limit:
        last = rows[query.limit - 1] if len(rows) > query.limit else None
        body["next"] = queries.cursor_after(last.reported_at, last.id) if last else None
    return json_answer(body)


def quarantined_items(rows, now) -> list[dict]:
    """The rows of queries.quarantine_statement as QuarantinedOut would answer them, built as plain
    dicts: the whole quarantine of a large warehouse is tens of thousands of items, and a pydantic
    model per item would cost more than the query (tests check every answer against the document)."""
    return [{"serial": serial, "sku": sku, "supplier": code, "reason": reason, "stage": stage,
             "since": since.isoformat(timespec="seconds") + "Z" if since else None,
             "days": (now - since).days if since else None}
            for _, serial, sku, _, code, _, reason, stage, since in rows]


def json_answer(body: dict) -> Response:
    return Response(json.dumps(body, separators=(",", ":"), ensure_ascii=False), mimetype="application/json")


@bp.post("/serials/<path:serial>/repair")
@operation(tag="defects", roles=services.REPAIR_ROLES, body=RepairNew, answers={200: ItemOut},
           errors={409: "The item is not defective (status_not_allowed)",
                   422: "The bin is not a storage bin in use, or a bad field"},
           summary="Repaired: out of quarantine, back in stock as refurbished, into the bin named")
def defect_repair(serial: str, body: RepairNew):
    item = services.item_by_serial(db.session, serial, lock=True)
    services.repair(db.session, item=item, warehouse=body.warehouse, bin_code=body.bin, note=body.note,
                    actor=current_api_user())
    return answer(item_out(item))


@bp.post("/serials/<path:serial>/scrap")
@operation(tag="defects", roles=services.SCRAP_ROLES, body=ScrapNew, answers={200: ItemOut},
           errors={409: "The item is not defective (status_not_allowed)"},
           summary="Scrapped: a defective item written off (terminal), with the note saying why")
def defect_scrap(serial: str, body: ScrapNew):
    item = services.item_by_serial(db.session, serial, lock=True)
    services.scrap(db.session, item=item, note=body.note, actor=current_api_user())
    return answer(item_out(item))
