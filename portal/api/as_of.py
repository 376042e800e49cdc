"""API: as it was at a moment, rebuilt from the ledger (portal.items.as_of):
one serial (GET /serials/<serial>?at=, declared in serials.py with this
module's models) and what was in one bin (GET /warehouses/<code>/bins/<bin>/items)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from ..catalog import services as catalog
from ..errors import NotFound
from ..extensions import db
from ..items import as_of
from ..models import Bin, Condition, ItemStatus, Ownership, SerialItem, utcnow
from . import bp
from .catalog import _warehouse
from .payload import PageQuery
from .schema import ApiModel, Query, Stamp, answer, operation

AT_MESSAGE = "at is an ISO 8601 time such as 2026-12-01T14:30:00Z (with Z, an offset, or neither for UTC)"

Moment = Annotated[datetime | None, WithJsonSchema({
    "type": "string", "format": "date-time",
    "description": "ISO 8601, with Z, an offset or neither (then UTC); a date alone is its midnight"})]


class AtQuery(Query):
    at: Annotated[Moment, Field(description="The moment: the item as it was then")] = None

    @field_validator("at", mode="before")
    @classmethod
    def _iso(cls, raw):
        if raw is None or isinstance(raw, datetime):
            return raw
        try:
            return as_of.parse_moment(str(raw))
        except ValueError:
            raise PydanticCustomError("invalid_time", AT_MESSAGE) from None


class ItemAtOut(ApiModel):
    """The item as it was at the moment asked for, rebuilt from the ledger"""

    serial: Annotated[str, Field(description="Its serial now")]
    serial_then: Annotated[str, Field(description="Its serial at that moment (before a later correction)")]
    at: Annotated[Stamp, Field(description="The moment asked for (UTC)")]
    status: ItemStatus
    warehouse: str | None
    bin: str | None
    condition: Condition
    ownership: Ownership
    sku: str
    movement_id: Annotated[int, Field(description="The latest movement up to that moment: what made it so")]


def item_at_out(item: SerialItem, at: datetime) -> ItemAtOut:
    then = as_of.item_at(db.session, item, at)
    if then is None:
        raise NotFound(f"{item.serial} did not exist yet at {at:%Y-%m-%d %H:%M:%S} UTC: it was on no list then.",
                       code="not_yet_existing")
    return ItemAtOut(serial=item.serial, serial_then=then.serial, at=at, status=then.status,
                     warehouse=then.warehouse_code, bin=then.bin_code, condition=then.condition,
                     ownership=then.ownership, sku=item.product.sku, movement_id=then.movement_id)


class BinItemsQuery(PageQuery, AtQuery):
    after: Annotated[str | None, Field(description="The last serial of the previous page (its next_after)")] = None


class BinItemOut(ApiModel):
    serial: Annotated[str, Field(description="Its serial now")]
    serial_then: str
    sku: str
    status: ItemStatus
    condition: Condition
    ownership: Ownership


class BinItemsOut(ApiModel):
    """The items that were in the bin at the moment (now without 'at'), by serial"""

    warehouse: str
    bin: str
    at: Stamp
    items: list[BinItemOut]
    next_after: Annotated[str | None, Field(description="Pass as ?after= for the next page; null on the last")]


@bp.get("/warehouses/<code>/bins/<bin_code>/items")
@operation(tag="items", summary="What was in a bin at a moment (?at=<ISO time>; now without it), from the ledger",
           query=BinItemsQuery, answers={200: BinItemsOut})
def bin_items_at(code: str, bin_code: str, query: BinItemsQuery):
    warehouse = _warehouse(code)
    key = bin_code.strip().upper()
    bin_ = db.session.scalar(catalog.bins_for_warehouse(warehouse.id).where(Bin.code == key))
    if bin_ is None:
        raise NotFound(f"Warehouse {warehouse.code} has no bin {key}.")
    at = query.at or utcnow()
    statement = as_of.items_in_bins_at(at, select(Bin.id).where(Bin.id == bin_.id))
    after = (query.after or "").strip().upper()
    if after:
        statement = statement.where(SerialItem.serial_key > after)
    rows = db.session.execute(statement.limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items = [BinItemOut(serial=row.SerialItem.serial, serial_then=row.serial_then, sku=row.sku, status=row.status,
                        condition=row.condition, ownership=row.ownership) for row in rows]
    return answer(BinItemsOut(warehouse=warehouse.code, bin=bin_.code, at=at, items=items,
                              next_after=rows[-1].SerialItem.serial_key if more else None))
