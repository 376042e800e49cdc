"""Lots and expiry after receipt: what put-away keeps from a scanned GS1 code,
which unit shipping suggests, and the refusal of an expired unit.

The rules (also in the README):

- Put-away stores the scanned code's batch (AI 10) and expiry (AI 17) on an
  item that has none. Where the supplier's list gave a different value, the
  list's is kept and the scan answers a warning naming both: the list is the
  supplier's statement for the whole delivery, a label may be misprinted, and
  a manager can see both in the answer and decide.
- Shipping suggests the unit that expires first, then the first in (first in,
  first out), among the in-stock units of the same product in the same
  warehouse; units without an expiry come after those with one, and expired
  units are never suggested. The FIFO setting (``FIFO_ENFORCED``) decides
  whether a better unit only warns or refuses, as before.
- An expired unit (its expiry date before today) is refused for shipping,
  naming the date. A manager may ship it anyway with a note: the note, the
  date and the override are recorded in the shipment movement's note, which
  the timeline shows with who did it. Anyone else sending an override gets a
  refused scan saying only a manager may.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid
from ..lots import BadLot, clean_lot, is_expired
from ..models import Bin, ItemStatus, SerialItem, User, Warehouse

#: The words a shipment movement's note carries when a manager shipped an expired unit.
OVERRIDE_WORDS = "shipped although expired"
MAX_OVERRIDE_NOTE = 500


def expired_message(item: SerialItem, *, doing: str = "shipped") -> str:
    return f"{item.serial} expired on {item.expires_at:%Y-%m-%d}: it cannot be {doing}."


def refuse_expired(item: SerialItem, today: date, *, doing: str = "shipped") -> None:
    """Conflict ``expired`` for an expired unit (the replacement of a customer exchange)."""
    if is_expired(item.expires_at, today):
        raise Conflict(f"{expired_message(item, doing=doing)} Choose another unit.", code="expired")


@dataclass(frozen=True)
class ShippingCheck:
    """An expired unit's shipping: ``refusal`` (not shipped) or the ``note`` the shipment
    movement carries (a manager's override); both None for a unit that has not expired."""

    refusal: str | None = None
    note: str | None = None
    may_override: bool = False


def check_shipping(item: SerialItem, *, today: date, actor: User | None, override: str | None) -> ShippingCheck:
    """May this unit ship today (see the module docstring); ``override`` is the manager's note."""
    if not is_expired(item.expires_at, today):
        return ShippingCheck()
    manager = actor is not None and actor.has_role("manager")
    note = (override or "").strip()
    if not note:
        ask = " A manager may ship it anyway with a note." if manager else " Give it to a manager."
        return ShippingCheck(refusal=f"Not shipped: {expired_message(item)}{ask}", may_override=manager)
    if not manager:
        return ShippingCheck(refusal=f"Not shipped: {item.serial} expired on {item.expires_at:%Y-%m-%d}, and only a "
                                     "manager may ship an expired unit.")
    if len(note) > MAX_OVERRIDE_NOTE:
        raise Invalid(f"An override note has at most {MAX_OVERRIDE_NOTE} characters.", code="invalid_note")
    return ShippingCheck(note=f"{OVERRIDE_WORDS} on {item.expires_at:%Y-%m-%d}, manager's override: {note}")


def is_override(note: str | None) -> bool:
    """Whether a shipment movement's note records an expired unit shipped by override."""
    return bool(note) and OVERRIDE_WORDS in note


@dataclass(frozen=True)
class Suggestion:
    serial: str
    bin: str
    warehouse: str
    expires_at: date | None

    def advice(self, item: SerialItem, *, sku: str, where: str) -> tuple[str, str]:
        """What the ship scan says about it (``where``: its bin's name), and the banner's word for it."""
        if self.expires_at is not None and (item.expires_at is None or self.expires_at < item.expires_at):
            return (f"A {sku} that expires first is in stock: {self.serial} in {where} (expires "
                    f"{self.expires_at:%Y-%m-%d}; first expiry, then first in, first out).", "Expires first")
        return f"An older {sku} is in stock: {self.serial} in {where} (first in, first out).", "Older"


def first_to_ship(session: Session, item: SerialItem, *, today: date) -> Suggestion | None:
    """The in-stock unit of the same product in the same warehouse that should ship
    before ``item``: the one that expires first (not expired yet), then the first
    received; None when ``item`` is that unit. Two indexed reads at most
    (ix_serial_items_expiry for units with an expiry, ix_serial_items_fifo without)."""
    if item.received_at is None or is_expired(item.expires_at, today):
        return None
    same = (SerialItem.product_id == item.product_id, SerialItem.status == ItemStatus.IN_STOCK,
            SerialItem.warehouse_id == item.warehouse_id, SerialItem.id != item.id)
    columns = (SerialItem.serial, Bin.code, Warehouse.code, SerialItem.expires_at)

    def first(*where, order):
        row = session.execute(
            select(*columns).join(Bin, SerialItem.bin_id == Bin.id).join(Warehouse, Bin.warehouse_id == Warehouse.id)
            .where(*same, *where).order_by(*order).limit(1)).first()
        return Suggestion(*row) if row else None

    by_expiry = (SerialItem.expires_at, SerialItem.received_at)
    dated = (SerialItem.expires_at.is_not(None), SerialItem.expires_at >= today)
    if item.expires_at is not None:
        return first(*dated, or_(SerialItem.expires_at < item.expires_at,
                                 and_(SerialItem.expires_at == item.expires_at,
                                      SerialItem.received_at < item.received_at)), order=by_expiry)
    return first(*dated, order=by_expiry) or first(
        SerialItem.expires_at.is_(None), SerialItem.received_at < item.received_at, order=(SerialItem.received_at,))


def keep_scanned(item: SerialItem, *, batch: str | None, expiry: date | None) -> list[str]:
    """Put-away: the scanned code's batch (AI 10) and expiry (AI 17) stored where the item
    has none; where it has a different one (from the supplier's list), the list's stays
    and the returned words say both."""
    differs = []
    try:
        lot = clean_lot(batch)
    except BadLot:
        lot = None  # AI 10 is at most 20 printable characters: a code that breaks this is not read for it
    if lot is not None:
        if item.lot is None:
            item.lot = lot
        elif item.lot != lot:
            differs.append(f"the code's batch {lot} is not the list's lot {item.lot} (the list's is kept)")
    if expiry is not None:
        if item.expires_at is None:
            item.expires_at = expiry
        elif item.expires_at != expiry:
            differs.append(f"the code's expiry {expiry:%Y-%m-%d} is not the list's {item.expires_at:%Y-%m-%d} "
                           "(the list's is kept)")
    return differs
