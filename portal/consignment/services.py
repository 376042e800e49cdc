"""Consignment statements and settlements: the same functions serve the page,
the downloads and the API. Nothing here commits.

A statement covers the days ``from`` to ``to`` (inclusive, UTC days, like the
reports): ``from`` defaults to the day after the last settlement (or the
beginning), ``to`` to today. Settling up to a day pays every sale since the
last settlement up to that day; it is refused for a day on or before the last
settlement (409) and for a day that is not over yet (422: today's sales are
still coming, and the next statement starts the day after)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import false, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid, NotFound
from ..models import Supplier, User, utcnow
from ..reports.filters import _date as parse_day
from ..reports.filters import day_start, next_day_start, today
from . import queries
from .models import Settlement
from .queries import Sale, SalesTotals, SettlementRow

#: Who reads statements and settles (admins always may). Receivers do not: a
#: statement is what the portal owes a supplier, a manager's business.
STATEMENT_ROLES = ("manager",)
SETTLE_ROLES = ("manager",)
MAX_REFERENCE = 100


@dataclass
class Statement:
    supplier: Supplier
    date_from: date | None
    date_to: date
    on_hand: int
    on_hand_value: Decimal
    #: the sales in the period (every one, or the first ``limit``), oldest first;
    #: those a settlement paid carry its reference
    sold: list[Sale]
    totals: SalesTotals
    settled_until: date | None
    settlements: list[SettlementRow] = field(default_factory=list)
    #: the sales as the API answers them, one JSON object each (``as_json``)
    sold_json: list[str] | None = None

    @property
    def owed(self) -> Decimal:
        return self.totals.owed


def supplier_by_code(session: Session, code: str | None, *, lock: bool = False) -> Supplier:
    wanted = (code or "").strip().upper()
    stmt = select(Supplier).where(Supplier.code == wanted)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalars(stmt).first() if wanted and len(wanted) <= 32 else None
    if found is None:
        raise NotFound(f"There is no supplier {wanted[:40]}.")
    return found


def paid_by(sales: list[Sale], settlements: list[SettlementRow]) -> list[Sale]:
    """Each sale with the reference of the settlement that paid it: the first
    one whose day is on or after the sale's day (settlement days only increase)."""
    if not settlements:
        return sales
    days = [s.until for s in settlements]
    marked = []
    for sale in sales:
        index = bisect.bisect_left(days, sale.sold_at.date())
        paid = settlements[index].reference if index < len(days) else None
        marked.append(sale if paid is None else sale._replace(settled_in=paid))
    return marked


def statement(session: Session, *, supplier: str, date_from: str | None = None,
              date_to: str | None = None, limit: int | None = None, as_json: bool = False) -> Statement:
    """The supplier's statement for a period (days as YYYY-MM-DD text, as a
    form or a query string sends them; a bad one is a 422 naming its field).
    ``limit``: list only the first sales (the page, the PDF); the totals count
    them all. ``as_json``: the sales as JSON text in ``sold_json`` (the API)."""
    found = supplier_by_code(session, supplier)
    past = queries.settlements(session, found.id)
    settled = past[-1].until if past else None
    end = parse_day({"to": date_to}, "to", "to", today())
    start = parse_day({"from": date_from}, "from", "from", None)
    if start is None and settled is not None:
        start = min(settled + timedelta(days=1), end)
    if start is not None and start > end:
        raise Invalid("from: the period's start comes after its end.", code="invalid_period",
                      details={"field": "from"})
    period = _period(found.id, start, end)
    owed_from = next_day_start(settled) if settled else None
    sold_json = None
    if as_json:
        sold, (sold_json, totals) = [], queries.sales_json(session, **period, owed_from=owed_from, settlements=past)
    else:
        sold, totals = queries.sales(session, **period, owed_from=owed_from, limit=limit)
    count, value = queries.on_hand(session, supplier_id=found.id,
                                   at=None if end >= today() else queries.day_end(end))
    return Statement(supplier=found, date_from=start, date_to=end, on_hand=count, on_hand_value=value,
                     sold=paid_by(sold, past), totals=totals, sold_json=sold_json, settled_until=settled,
                     settlements=past)


def _period(supplier_id: int, start: date | None, end: date) -> dict:
    return {"supplier_id": supplier_id, "start": day_start(start) if start else None, "end": next_day_start(end)}


def _reference(value: str | None) -> str:
    """The supplier's reference, stored as typed (surrounding blanks aside)."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise Invalid("reference: give the supplier's reference for this settlement.", code="field_required",
                      details={"field": "reference"})
    if len(text) > MAX_REFERENCE:
        raise Invalid(f"reference: at most {MAX_REFERENCE} characters.", code="invalid_reference",
                      details={"field": "reference"})
    return text


def settle(session: Session, *, supplier: str, until: str | None, reference: str | None,
           actor: User | None) -> Settlement:
    """Pay every sale since the last settlement up to ``until`` (inclusive):
    the settlement records their amount and number. The supplier is locked,
    so two settlements at once cannot both pass the check on the last one."""
    found = supplier_by_code(session, supplier, lock=True)
    if session.get_bind().dialect.name == "sqlite":  # FOR UPDATE means nothing there: take the write lock now
        session.execute(update(Settlement).where(false()).values(units=Settlement.units))
    if not (until or "").strip():
        raise Invalid("until: give the last day the settlement pays.", code="field_required",
                      details={"field": "until"})
    day = parse_day({"until": until}, "until", "until", None)
    if day >= today():
        raise Invalid(f"until: {day.isoformat()} is not over yet; settle up to yesterday at the latest.",
                      code="day_not_over", details={"field": "until"})
    settled = queries.settled_until(session, found.id)
    if settled is not None and day <= settled:
        raise Conflict(f"{found.code} is settled up to {settled.isoformat()}: settle a later day "
                       f"(not {day.isoformat()}).", code="already_settled")
    text = _reference(reference)
    start = day_start(settled + timedelta(days=1)) if settled else None
    owed = queries.sales_totals(session, supplier_id=found.id, start=start, end=next_day_start(day))
    created = Settlement(supplier_id=found.id, until=day, reference=text, amount=owed.owed, units=owed.owed_count,
                         created_by_id=actor.id if actor else None, created_at=utcnow())
    session.add(created)
    try:
        session.flush()
    except IntegrityError:  # the same day settled at the same moment
        raise Conflict(f"{found.code} is already settled up to {day.isoformat()}.", code="already_settled") from None
    return created
