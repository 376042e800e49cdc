"""An item returned to the supplier linked to the unit the supplier sent in
its place: the same product, received later on another receipt, replacing no
other item. The item page and the API use the same function; nothing here
commits. Linking changes no status, bin or condition, so it writes no
movement: the link is its own row (item_replacements), which the timeline shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..defects.services import item_by_serial
from ..errors import Conflict
from ..items import ledger
from ..models import ItemStatus, SerialItem, User, utcnow
from .models import ItemReplacement
from .services import RETURN_ROLES

#: Who links replacements (admins always may): those who work returns to the supplier.
REPLACEMENT_ROLES = RETURN_ROLES
REPLACEABLE = ItemStatus.RETURNED_TO_SUPPLIER


@dataclass(frozen=True)
class Links:
    """The serials an item is linked to: the unit it replaces, the unit that replaced it."""

    replaces: str | None = None
    replaced_by: str | None = None


def links(session: Session, item_id: int) -> Links:
    """Both directions in one query."""
    original, replacement = aliased(SerialItem), aliased(SerialItem)
    rows = session.execute(
        select(ItemReplacement.item_id, original.serial, replacement.serial)
        .join(original, original.id == ItemReplacement.item_id)
        .join(replacement, replacement.id == ItemReplacement.replacement_item_id)
        .where(or_(ItemReplacement.item_id == item_id, ItemReplacement.replacement_item_id == item_id))
    ).all()
    replaces = next((orig for item, orig, _ in rows if item != item_id), None)
    replaced_by = next((repl for item, _, repl in rows if item == item_id), None)
    return Links(replaces=replaces, replaced_by=replaced_by)


def _link_of(session: Session, *, item_id: int | None = None, replacement_id: int | None = None):
    column, value = ((ItemReplacement.item_id, item_id) if item_id is not None
                     else (ItemReplacement.replacement_item_id, replacement_id))
    return session.scalars(select(ItemReplacement).where(column == value)).first()


def _serial(session: Session, item_id: int) -> str:
    return session.scalar(select(SerialItem.serial).where(SerialItem.id == item_id))


def _refusal(session: Session, original: SerialItem, replacement: SerialItem) -> Conflict | None:
    """Why ``replacement`` cannot replace ``original`` (None if it can): what each is and what is allowed."""
    if original.status != REPLACEABLE:
        return Conflict(f"{original.serial} is {ledger.human(original.status)}: only an item returned to the "
                        "supplier can be replaced.", code="status_not_allowed")
    if original.id == replacement.id:
        return Conflict(f"{original.serial} cannot replace itself: scan the unit the supplier sent.",
                        code="same_item")
    taken = _link_of(session, item_id=original.id)
    if taken is not None:
        return Conflict(f"{original.serial} is already replaced by {_serial(session, taken.replacement_item_id)}: "
                        "an item is replaced once.", code="already_replaced")
    if replacement.product_id != original.product_id:
        return Conflict(f"{replacement.serial} is a {replacement.product.sku}, not a {original.product.sku}: the "
                        f"replacement is a unit of {original.product.sku}.", code="other_product")
    busy = _link_of(session, replacement_id=replacement.id)
    if busy is not None:
        return Conflict(f"{replacement.serial} already replaces {_serial(session, busy.item_id)}: a unit replaces "
                        "one item only.", code="already_replacing")
    if replacement.received_at is None:
        return Conflict(f"{replacement.serial} is {ledger.human(replacement.status)} and not received yet: the "
                        "replacement is a unit received after the original.", code="not_received")
    if original.receipt_id is not None and replacement.receipt_id == original.receipt_id:
        return Conflict(f"{replacement.serial} came on the same receipt as {original.serial}: the replacement "
                        "comes on a later receipt.", code="same_receipt")
    if original.received_at is not None and replacement.received_at <= original.received_at:
        return Conflict(f"{replacement.serial} was received on {replacement.received_at:%Y-%m-%d}, before "
                        f"{original.serial} ({original.received_at:%Y-%m-%d}): the replacement is a unit "
                        "received after the original.", code="received_earlier")
    return None


def link_replacement(session: Session, *, serial: str, replacement_serial: str,
                     actor: User | None) -> SerialItem:
    """Link the unit ``replacement_serial`` to the item ``serial`` it replaces
    and answer the original. The same pair again changes nothing. Both items are
    locked (in id order: no deadlock), and the table's primary key and unique
    replacement refuse a second link that would slip past the checks anyway."""
    original = item_by_serial(session, serial)
    replacement = item_by_serial(session, replacement_serial)
    session.scalars(select(SerialItem.id).where(SerialItem.id.in_({original.id, replacement.id}))
                    .order_by(SerialItem.id).with_for_update()).all()
    session.refresh(original)
    session.refresh(replacement)
    existing = _link_of(session, item_id=original.id)
    if existing is not None and existing.replacement_item_id == replacement.id:
        return original
    refused = _refusal(session, original, replacement)
    if refused is not None:
        raise refused
    try:
        with session.begin_nested():
            session.add(ItemReplacement(item_id=original.id, replacement_item_id=replacement.id,
                                        linked_at=utcnow(), linked_by_id=actor.id if actor else None))
    except IntegrityError:
        # a link committed meanwhile (a database without row locks): say which one
        refused = _refusal(session, original, replacement)
        raise refused or Conflict(f"{original.serial} was linked meanwhile: look again.",
                                  code="already_replaced") from None
    return original
