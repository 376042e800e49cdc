"""Changing an item's condition (regular, sample, damaged, refurbished) or its
ownership (owned, consignment) where it stands: from the item page, the scan
station's condition task and the API alike. Who may, and the note, are checked
here; which statuses allow it, the from/to movement and "unchanged" are the
ledger's (:func:`portal.items.ledger.change_condition`). Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import Condition, Movement, Ownership, SerialItem, User
from . import ledger

#: Who may change what (admins always may). Ownership decides what the supplier is paid: managers only.
ROLES = {"condition": ("operator", "receiver", "manager"), "ownership": ("manager",)}
#: The values offered, in the order the enums list them.
VALUES = {"condition": tuple(c.value for c in Condition), "ownership": tuple(o.value for o in Ownership)}
_WRITERS = {"condition": ledger.change_condition, "ownership": ledger.change_ownership}


def may_change(user: User | None, attribute: str) -> bool:
    return user is not None and user.is_authenticated and user.has_role(*ROLES[attribute])


def change(session: Session, *, item: SerialItem, attribute: str, value: str, actor: User | None,
           note: str | None = None, client_scan_id: str | None = None, at: datetime | None = None) -> Movement:
    """Set ``item``'s ``attribute`` (condition or ownership) to ``value``: one
    movement with from and to, and the note stored as typed (trimmed). Refused:
    an unknown value (422 unknown_condition / unknown_ownership), a status that
    does not allow it (409 status_not_allowed), no change (409 condition_unchanged)."""
    from ..defects.services import clean_note  # defects builds on items: imported when used

    if attribute not in _WRITERS:
        raise Invalid(f"{attribute!r} cannot be changed here.", code="invalid_field")
    note = clean_note(note)
    return _WRITERS[attribute](session, item, **{attribute: (value or "").strip()}, actor=actor, note=note,
                               client_scan_id=client_scan_id, at=at)


def changeable(item: SerialItem, attribute: str) -> bool:
    """Whether the item's status lets ``attribute`` change (for offering the form)."""
    return ledger.in_place_refusal(item, attribute) is None
