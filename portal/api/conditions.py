"""API endpoints: changing a serial item's condition or ownership where it
stands, with a note. The same service as the item page and the scan station
(:mod:`portal.items.condition_changes`)."""

from __future__ import annotations

from typing import ClassVar

from ..defects.services import item_by_serial
from ..extensions import db
from ..items import condition_changes
from ..models import Condition, Ownership
from . import bp
from .auth import current_api_user
from .defects import Note, item_out
from .schema import Request, answer, operation
from .serials import ItemOut


class ConditionChange(Request):
    condition: Condition
    note: Note | None = None

    error_codes: ClassVar[dict] = {**Request.error_codes, "condition": "unknown_condition",
                                   ("condition", "missing"): "condition_required"}


class OwnershipChange(Request):
    ownership: Ownership
    note: Note | None = None

    error_codes: ClassVar[dict] = {**Request.error_codes, "ownership": "unknown_ownership",
                                   ("ownership", "missing"): "ownership_required"}


def _change(serial: str, attribute: str, value: str, note: str | None):
    item = item_by_serial(db.session, serial, lock=True)
    condition_changes.change(db.session, item=item, attribute=attribute, value=value, note=note,
                             actor=current_api_user())
    return answer(item_out(item))


_REFUSALS = ("The item's status does not allow it (status_not_allowed: {allowed}), or it is already so "
             "({attribute}_unchanged)")


@bp.post("/serials/<path:serial>/condition")
@operation(tag="items", roles=condition_changes.ROLES["condition"], body=ConditionChange, answers={200: ItemOut},
           errors={404: "No such serial", 409: _REFUSALS.format(allowed="only expected, in stock or defective",
                                                               attribute="condition"),
                   422: "Unknown condition (unknown_condition), or a bad field"},
           summary="Change the item's condition (regular, sample, damaged, refurbished), with a note",
           description="One condition_changed movement: the item's movements show from_condition and "
                       "to_condition. Status and bin stay as they are.")
def serial_condition(serial: str, body: ConditionChange):
    return _change(serial, "condition", body.condition, body.note)


@bp.post("/serials/<path:serial>/ownership")
@operation(tag="items", roles=condition_changes.ROLES["ownership"], body=OwnershipChange, answers={200: ItemOut},
           errors={404: "No such serial",
                   409: _REFUSALS.format(allowed="not when sold, returned to the supplier or scrapped",
                                         attribute="ownership"),
                   422: "Unknown ownership (unknown_ownership), or a bad field"},
           summary="Change the item's ownership (owned, consignment: a consignment unit bought out), with a note",
           description="Managers only: ownership decides what the supplier is paid. One ownership_changed "
                       "movement: the item's movements show from_ownership and to_ownership.")
def serial_ownership(serial: str, body: OwnershipChange):
    return _change(serial, "ownership", body.ownership, body.note)
