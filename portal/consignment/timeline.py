"""A consignment unit's sale paid to its supplier, on the unit's timeline: the
settlement that covered the sale's day (the first one on or after it, as a
statement marks it), with its reference and the unit's cost."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Ownership, SerialItem
from . import queries
from .services import paid_by


def settlement_entries(session: Session, item: SerialItem, entry) -> list:
    """``entry``: the timeline's Entry class (passed in: the timeline imports this module)."""
    if item.ownership != Ownership.CONSIGNMENT and item.sold_at is None:
        return []
    settlements = queries.settlements(session, item.supplier_id)
    if not settlements:
        return []
    by_reference = {s.reference: s for s in settlements}
    entries = []
    for sale in paid_by(queries.sales_of_item(session, item), settlements):
        paid = by_reference.get(sale.settled_in)
        if paid is not None:
            entries.append(entry(at=paid.created_at, by=paid.created_by, what="Paid to the supplier",
                                 facts=[f"settlement {paid.reference}, sales up to {paid.until.isoformat()}",
                                        f"{sale.unit_cost:.2f}"]))
    return entries
