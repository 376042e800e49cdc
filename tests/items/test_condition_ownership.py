"""Condition and ownership changes (issue 14 point 4): the service with the
ledger's rule of which statuses allow them, the item page's forms (roles, CSRF,
HTMX) and the timeline that tells them, hostile notes stored as typed and
shown escaped. Both databases."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.items import condition_changes, ledger
from portal.items.timeline import item_timeline
from portal.models import ItemStatus, Movement, MovementKind, SerialItem
from tests import factories

HOSTILE_NOTE = "<script>alert('x')</script> =cmd|' /C calc'!A0 & \"quoted\""


def _item(serial: str) -> SerialItem:
    return db.session.scalars(select(SerialItem).where(SerialItem.serial == serial)).one()


def changed_bin(app, serial: str) -> str:
    with app.app_context():
        return _item(serial).bin.code


def _movements(item_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item_id))


# --- the service and the ledger's rule ---------------------------------------------------------


def test_a_condition_change_records_from_to_who_and_the_note_as_typed(app):
    with app.app_context():
        s = db.session
        user = factories.user(s, role="operator")
        item = factories.item(s, status=ItemStatus.IN_STOCK)
        bin_id = item.bin_id
        movement = condition_changes.change(s, item=item, attribute="condition", value=" damaged ",
                                            note=f"  {HOSTILE_NOTE}  ", actor=user)
        s.commit()
        assert (item.condition, item.status, item.bin_id) == ("damaged", "in_stock", bin_id)
        assert (movement.kind, movement.from_condition, movement.to_condition) == ("condition_changed", "regular",
                                                                                   "damaged")
        assert movement.note == HOSTILE_NOTE and movement.actor_id == user.id


@pytest.mark.parametrize(("status", "condition_ok", "ownership_ok"), [
    (ItemStatus.EXPECTED, True, True),
    (ItemStatus.IN_STOCK, True, True),
    (ItemStatus.DEFECTIVE, True, True),
    (ItemStatus.MISSING, False, True),
    (ItemStatus.IN_TRANSIT, False, True),
    (ItemStatus.SOLD, False, False),
    (ItemStatus.RETURNED_TO_SUPPLIER, False, False),
    (ItemStatus.SCRAPPED, False, False),
])
def test_which_statuses_allow_a_change(app, status, condition_ok, ownership_ok):
    with app.app_context():
        s = db.session
        item = factories.item(s, status=status, ownership="consignment")
        before = _movements(item.id)
        for attribute, value, ok in (("condition", "sample", condition_ok), ("ownership", "owned", ownership_ok)):
            if ok:
                condition_changes.change(s, item=item, attribute=attribute, value=value, actor=None)
                assert getattr(item, attribute) == value
            else:
                with pytest.raises(Conflict) as refused:
                    condition_changes.change(s, item=item, attribute=attribute, value=value, actor=None)
                assert refused.value.code == "status_not_allowed"
                assert item.status.replace("_", " ") in refused.value.message
        s.flush()
        assert _movements(item.id) == before + condition_ok + ownership_ok


def test_refusals_unknown_unchanged_and_a_note_too_long_change_nothing(app):
    with app.app_context():
        s = db.session
        item = factories.item(s, status=ItemStatus.IN_STOCK)
        before = _movements(item.id)
        with pytest.raises(Invalid) as unknown:
            condition_changes.change(s, item=item, attribute="condition", value="<b>broken</b>", actor=None)
        assert unknown.value.code == "unknown_condition"
        with pytest.raises(Invalid) as unknown:
            condition_changes.change(s, item=item, attribute="ownership", value="borrowed", actor=None)
        assert unknown.value.code == "unknown_ownership"
        with pytest.raises(Conflict) as unchanged:
            condition_changes.change(s, item=item, attribute="condition", value="regular", actor=None)
        assert unchanged.value.code == "condition_unchanged"
        with pytest.raises(Invalid) as long_note:
            condition_changes.change(s, item=item, attribute="condition", value="sample", note="x" * 2001,
                                     actor=None)
        assert long_note.value.code == "invalid_note"
        s.flush()
        assert (item.condition, _movements(item.id)) == ("regular", before)


def test_an_ownership_change_can_be_undone_and_the_ledger_says_so(app):
    with app.app_context():
        s = db.session
        item = factories.item(s, status=ItemStatus.IN_STOCK, ownership="consignment")
        condition_changes.change(s, item=item, attribute="ownership", value="owned", note="bought out", actor=None)
        s.flush()
        back = ledger.reverse_last_movement(s, item, actor=None)
        s.flush()
        assert item.ownership == "consignment"
        assert (back.kind, back.from_ownership, back.to_ownership) == (MovementKind.REVERSED, "owned", "consignment")


def test_the_timeline_reads_condition_from_to_with_who_when_and_note(app):
    with app.app_context():
        s = db.session
        rita = factories.user(s, role="operator", username="rita")
        item = factories.item(s, status=ItemStatus.IN_STOCK, ownership="consignment")
        condition_changes.change(s, item=item, attribute="condition", value="damaged", note="dropped", actor=rita)
        condition_changes.change(s, item=item, attribute="ownership", value="owned", actor=None)
        s.flush()
        entries = item_timeline(s, item.id)
        assert [(e.what, e.by, e.facts) for e in entries[:2]] == [
            ("Ownership: consignment → owned", None, []),
            ("Condition: regular → damaged", "rita", ["note: dropped"]),
        ]
        assert entries[1].at is not None


# --- the item page ------------------------------------------------------------------------------


def _forms(page: str) -> set[str]:
    return set(re.findall(r'data-change="(\w+)"', page))


def test_who_sees_which_form(client_as, make_item):
    item = make_item(status=ItemStatus.IN_STOCK)
    assert _forms(client_as("operator").get(f"/items/{item.serial}").text) == {"condition"}
    assert _forms(client_as("receiver").get(f"/items/{item.serial}").text) == {"condition"}
    assert _forms(client_as("manager").get(f"/items/{item.serial}").text) == {"condition", "ownership"}
    sold = make_item(status=ItemStatus.SOLD, order_ref="SO-1")
    assert _forms(client_as("manager").get(f"/items/{sold.serial}").text) == set()
    moving = make_item(status=ItemStatus.IN_TRANSIT)
    assert _forms(client_as("manager").get(f"/items/{moving.serial}").text) == {"ownership"}


def test_the_page_form_offers_the_other_values_and_carries_its_token(client_as, make_item):
    item = make_item(status=ItemStatus.IN_STOCK)
    page = client_as("manager").get(f"/items/{item.serial}").text
    form = re.search(r'<form[^>]*data-change="condition".*?</form>', page, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', form) == ["sample", "damaged", "refurbished"]
    assert 'name="condition-csrf_token"' in form and "hx-post=" in form and "<script" not in form


def test_an_operator_changes_the_condition_and_the_page_shows_it_escaped(app, client_as, make_item):
    item = make_item(status=ItemStatus.IN_STOCK)
    operator = client_as("operator")
    answer = operator.post(f"/items/{item.serial}/condition",
                           data={"condition-value": "damaged", "condition-note": HOSTILE_NOTE})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/items/{item.serial}")
    page = operator.get(f"/items/{item.serial}").text
    assert HOSTILE_NOTE not in page and str(escape(HOSTILE_NOTE)) in page
    timeline = page.split('id="timeline-heading"', 1)[1]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", timeline)).split())
    assert (f"Condition: regular → damaged in bin {changed_bin(app, item.serial)} note: {HOSTILE_NOTE} "
            f"by {operator.user.username}") in text
    with app.app_context():
        changed = _item(item.serial)
        assert changed.condition == "damaged"
        last = db.session.scalars(select(Movement).where(Movement.item_id == changed.id)
                                  .order_by(Movement.id.desc())).first()
        assert last.note == HOSTILE_NOTE


def test_ownership_is_for_managers_only_on_the_server(app, client_as, make_item):
    item = make_item(status=ItemStatus.IN_STOCK, ownership="consignment")
    for role in ("operator", "receiver"):
        assert client_as(role).post(f"/items/{item.serial}/ownership",
                                    data={"ownership-value": "owned"}).status_code == 403
    answer = client_as("manager").post(f"/items/{item.serial}/ownership", data={"ownership-value": "owned"},
                                       headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer.headers["HX-Redirect"].endswith(f"/items/{item.serial}")
    with app.app_context():
        assert _item(item.serial).ownership == "owned"


def test_a_post_without_its_token_is_refused(app, client_as, make_item):
    item = make_item(status=ItemStatus.IN_STOCK)
    answer = client_as("operator").post(f"/items/{item.serial}/condition", data={"condition-value": "damaged"},
                                        csrf=False)
    assert answer.status_code == 400
    with app.app_context():
        assert _item(item.serial).condition == "regular"


def test_refusals_on_the_page_are_flashed_and_change_nothing(app, client_as, make_item):
    item = make_item(status=ItemStatus.IN_STOCK)
    sold = make_item(status=ItemStatus.SOLD, order_ref="SO-9")
    operator = client_as("operator")
    for serial, data, words in (
        (item.serial, {"condition-value": "regular"}, "already regular"),
        (item.serial, {"condition-value": "<b>x</b>"}, "Not a valid choice"),
        (sold.serial, {"condition-value": "damaged"}, "its condition cannot change"),
    ):
        answer = operator.post(f"/items/{serial}/condition", data=data, follow_redirects=True)
        assert answer.status_code == 200 and words in html.unescape(answer.text)
        assert "<b>x</b>" not in answer.text
    with app.app_context():
        assert (_item(item.serial).condition, _item(sold.serial).condition) == ("regular", "regular")
    assert client_as("operator").post("/items/NO-SUCH-1/condition", data={"condition-value": "damaged"}
                                      ).status_code == 404
