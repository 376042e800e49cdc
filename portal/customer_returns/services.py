"""A customer brings a sold item back: refused unless it was sold (under the
order given, if one is), then back in stock with a condition, defective into
quarantine (stage customer_return), or exchanged for a unit from stock sold
under the same order whose warranty ends when the original's would have. The
sale stays in the item's history (its movements), and each return leaves a
record of its order, warranty and outcome for the timeline; nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ..defects import queries as defect_queries
from ..defects import services as defects
from ..errors import Conflict, Invalid, NotFound
from ..items import expiry, ledger
from ..models import Condition, DefectStage, ItemStatus, MovementKind, SerialItem, User, utcnow
from ..recalls import services as recalls
from ..warranty import WarrantyState, warranty_state
from .models import OUTCOMES, CustomerReturnEntry

CONDITIONS = tuple(c.value for c in Condition)
#: Who takes customer returns: whoever may scan (admins always may).
RETURN_ROLES = ("operator", "receiver", "manager")


@dataclass
class CustomerReturn:
    item: SerialItem
    warranty: WarrantyState  # as it was when the customer brought it back
    replacement: SerialItem | None = None


def _required(value: str | None, field: str, outcome: str) -> str:
    if not (value or "").strip():
        raise Invalid(f"A {outcome} needs {field}.", code="field_required")
    return value.strip()


def _check_sale(item: SerialItem, order_ref: str | None) -> None:
    if item.status != ItemStatus.SOLD:
        last = f" (last sold on {item.sold_at:%Y-%m-%d}, order {item.order_ref})" if item.sold_at else " and never sold"
        raise Conflict(f"{item.serial} is {ledger.human(item.status)}{last}: only a sold item can be returned "
                       "by a customer.", code="not_sold")
    given = (order_ref or "").strip()
    if given and given.upper() != (item.order_ref or "").upper():
        raise Conflict(f"{item.serial} was sold under order {item.order_ref}, not {given}: take it back "
                       f"under {item.order_ref}.", code="order_mismatch")


def _warehouse(session: Session, item: SerialItem, code: str | None):
    if (code or "").strip():
        found = defect_queries.warehouse_by_code(session, code)
        if found is None:
            raise NotFound(f"There is no warehouse {code.strip().upper()[:40]}.")
        return found
    return item.warehouse or (item.receipt.warehouse if item.receipt else None)


def returnable(session: Session, *, serial: str, order_ref: str | None = None, today: date | None = None,
               lock: bool = False) -> CustomerReturn:
    """The sold item a customer brings back, with its warranty on ``today``;
    refused (404, not_sold, order_mismatch) otherwise. Changes nothing: the
    scan station's warranty check before the outcome is chosen."""
    item = defects.item_by_serial(session, serial, lock=lock)
    _check_sale(item, order_ref)
    return CustomerReturn(item=item, warranty=warranty_state(item, today or utcnow().date()))


def take_return(session: Session, *, serial: str, outcome: str, actor: User | None, order_ref: str | None = None,
                condition: str | None = None, warehouse: str | None = None, bin_code: str | None = None,
                reason: str | None = None, replacement_serial: str | None = None, note: str | None = None,
                today: date | None = None, client_scan_id: str | None = None) -> CustomerReturn:
    """``client_scan_id``: the scan station's scan that took it back (the returned item's movement carries it)."""
    if outcome not in OUTCOMES:
        raise Invalid(f"{outcome!r} is not an outcome: one of {', '.join(OUTCOMES)}.", code="unknown_outcome")
    checked = returnable(session, serial=serial, order_ref=order_ref, today=today, lock=True)
    item, state = checked.item, checked.warranty
    sale = f"customer return of order {item.order_ref}"
    if outcome == "restock":
        condition = _required(condition, "a condition", outcome).lower()
        if condition not in CONDITIONS:
            raise Invalid(f"{condition!r} is not a condition: one of {', '.join(CONDITIONS)}.",
                          code="unknown_condition")
        target = defects.storage_bin(session, warehouse=_required(warehouse, "a warehouse", outcome),
                                     bin_code=_required(bin_code, "a bin", outcome), who="a returned item")
        cleaned = defects.clean_note(note)
        ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RESTOCKED, actor=actor,
                          to_bin=target, to_condition=condition, note=f"{sale}: {cleaned}" if cleaned else sale,
                          client_scan_id=client_scan_id)
        return _recorded(session, CustomerReturn(item=item, warranty=state), outcome, actor)
    reason = _required(reason, "a reason", outcome)
    replacement = None
    if outcome == "exchange":
        replacement = defects.item_by_serial(session, _required(replacement_serial, "a replacement_serial", outcome),
                                             lock=True)
        if replacement.status != ItemStatus.IN_STOCK or replacement.product_id != item.product_id:
            raise Conflict(f"{replacement.serial} is {ledger.human(replacement.status)}: the replacement is a unit "
                           f"of {item.product.sku} in stock.", code="replacement_not_allowed")
        if recalled := recalls.shipping_refusal(session, replacement):
            raise Conflict(recalled, code="recalled")
        expiry.refuse_expired(replacement, today or utcnow().date(), doing="given in exchange")
    there = _warehouse(session, item, warehouse)
    if there is None:
        raise Invalid("Say which warehouse takes the item back.", code="field_required")
    defects.flag_defect(session, item=item, reason=reason, stage=DefectStage.CUSTOMER_RETURN, actor=actor,
                        note=note, returned_to=there, client_scan_id=client_scan_id)
    if replacement is not None:
        # the warranty does not restart: the replacement's ends with the original's
        ledger.sell(session, replacement, order_ref=item.order_ref, warranty_ends_on=item.warranty_ends_on,
                    actor=actor, note=f"order {item.order_ref}: exchange for {item.serial}")
    return _recorded(session, CustomerReturn(item=item, warranty=state, replacement=replacement), outcome, actor)


def _recorded(session: Session, taken: CustomerReturn, outcome: str, actor: User | None) -> CustomerReturn:
    """The return's record: its order, the warranty that day, the outcome (and the exchange's unit)."""
    session.add(CustomerReturnEntry(
        item_id=taken.item.id, order_ref=taken.warranty.order_ref, outcome=outcome,
        in_warranty=taken.warranty.in_warranty, warranty_ends_on=taken.warranty.ends_on,
        days_left=taken.warranty.days_left, returned_at=utcnow(), returned_by_id=actor.id if actor else None,
        replacement_item_id=taken.replacement.id if taken.replacement is not None else None))
    return taken
