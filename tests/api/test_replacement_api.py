"""Linking a replacement to the item returned to the supplier it replaces
(issue 13 points 4 and 8), through the API; every answer checked against the
OpenAPI document."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ItemStatus, Receipt, SerialItem
from portal.supplier_returns import replacements
from portal.supplier_returns.models import ItemReplacement
from tests import factories
from tests.supplier_returns import at_once, returned_items


@pytest.fixture
def returned(app):
    """Warehouse WH-R: OLD-1 and OLD-2 of PHONE-9 returned to supplier ACME; NEW-1, NEW-2 and NEW-3
    of PHONE-9 received later on another receipt, in stock."""
    with app.app_context():
        returned_items(db.session, warehouse="WH-R", serials=("OLD-1", "OLD-2"),
                       replacements=("NEW-1", "NEW-2", "NEW-3"))
        db.session.commit()


def _link(client, serial, replacement):
    return client.post(f"/api/v1/serials/{serial}/replacement", json={"replacement_serial": replacement})


def test_a_replacement_is_linked_both_ways_and_linking_again_changes_nothing(app, api_as, returned):
    receiver = api_as("receiver")
    linked = _link(receiver, "old-1", " new-1 ")
    assert linked.status_code == 200, linked.json
    assert (linked.json["serial"], linked.json["status"], linked.json["replaced_by"], linked.json["replaces"]) == (
        "OLD-1", "returned_to_supplier", "NEW-1", None)
    new = receiver.get("/api/v1/serials/NEW-1").json
    assert (new["replaces"], new["replaced_by"], new["status"]) == ("OLD-1", None, "in_stock")
    assert receiver.get("/api/v1/serials/OLD-1").json["replaced_by"] == "NEW-1"
    assert receiver.get("/api/v1/serials/OLD-2").json["replaced_by"] is None
    again = _link(receiver, "OLD-1", "NEW-1")
    assert again.status_code == 200 and again.json["replaced_by"] == "NEW-1"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemReplacement)) == 1
    # the return's page data shows it per shipped item
    returns = receiver.get("/api/v1/supplier-returns/1").json
    assert {line["serial"]: line["replaced_by"] for line in returns["items"]} == {"OLD-1": "NEW-1", "OLD-2": None}


def test_every_refusal_has_its_code_and_says_what_is_allowed(app, api_as, returned):
    manager = api_as("manager")
    with app.app_context():
        s = db.session
        phone = s.scalars(select(SerialItem).where(SerialItem.serial == "NEW-1")).one()
        factories.item(s, serial="OTHER-1", bin_id=phone.bin_id)  # another product
        factories.item(s, serial="SAME-PO", bin_id=phone.bin_id, product_id=phone.product_id,
                       receipt_id=s.scalars(select(Receipt.id).where(Receipt.reference == "PO-1")).one())
        factories.item(s, serial="LISTED-1", status=ItemStatus.EXPECTED, product_id=phone.product_id)
        s.commit()
    assert _link(manager, "OLD-1", "NEW-1").status_code == 200
    refusals = {
        ("NEW-2", "NEW-3"): "status_not_allowed",  # in stock, not returned to the supplier
        ("OLD-1", "NEW-2"): "already_replaced",
        ("OLD-2", "OTHER-1"): "other_product",
        ("OLD-2", "NEW-1"): "already_replacing",
        ("OLD-2", "OLD-2"): "same_item",
        ("OLD-2", "SAME-PO"): "same_receipt",
        ("OLD-2", "LISTED-1"): "not_received",
    }
    for (serial, replacement), code in refusals.items():
        refused = _link(manager, serial, replacement)
        assert (refused.status_code, refused.json["error"]["code"]) == (409, code), (serial, replacement)
    message = _link(manager, "NEW-2", "NEW-3").json["error"]["message"]
    assert "NEW-2 is in stock" in message and "only an item returned to the supplier" in message
    assert "already replaced by NEW-1" in _link(manager, "OLD-1", "NEW-2").json["error"]["message"]
    assert "PHONE-9" in _link(manager, "OLD-2", "OTHER-1").json["error"]["message"]
    for serial, replacement in (("NOPE", "NEW-2"), ("OLD-2", "NOPE")):
        missing = _link(manager, serial, replacement)
        assert (missing.status_code, missing.json["error"]["code"]) == (404, "not_found")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemReplacement)) == 1


def test_a_replacement_received_before_the_original_is_refused(app, api_as, returned):
    with app.app_context():
        s = db.session
        phone = s.scalars(select(SerialItem).where(SerialItem.serial == "NEW-1")).one()
        old = s.scalars(select(SerialItem).where(SerialItem.serial == "OLD-1")).one()
        factories.item(s, serial="OLDER-1", bin_id=phone.bin_id, product_id=phone.product_id,
                       received_at=old.received_at.replace(year=old.received_at.year - 1))
        s.commit()
    refused = _link(api_as("receiver"), "OLD-1", "OLDER-1")
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "received_earlier")
    assert "received after the original" in refused.json["error"]["message"]


def test_only_receivers_managers_and_admins_link(api_as, returned):
    assert _link(api_as("operator"), "OLD-1", "NEW-1").status_code == 403
    assert _link(api_as("admin"), "OLD-1", "NEW-1").status_code == 200


@pytest.mark.parametrize("pairs, refusal", [
    ((("OLD-1", "NEW-1"), ("OLD-1", "NEW-2")), "already_replaced"),
    ((("OLD-1", "NEW-1"), ("OLD-2", "NEW-1")), "already_replacing"),
])
def test_two_links_at_once_cannot_both_win(app, dialect, returned, pairs, refusal):
    if dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    writes = [lambda s, pair=pair: replacements.link_replacement(s, serial=pair[0], replacement_serial=pair[1],
                                                                 actor=None) for pair in pairs]
    assert at_once(app, writes) == [refusal, "done"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemReplacement)) == 1
