"""Lots and expiry after receipt (issue 14.1), through the scan service on both
databases: put-away keeps a GS1 code's batch (AI 10) and expiry (AI 17), shipping
suggests the unit that expires first and refuses an expired one unless a manager
overrides with a note, a customer exchange refuses an expired replacement, and the
timeline, the item page and the API show it all."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.auth.services import issue_token
from portal.extensions import db
from portal.items import expiry
from portal.items.timeline import EXPIRED_OVERRIDE_HEADLINE, item_timeline
from portal.models import Movement, SerialItem, utcnow
from portal.scanning import services
from portal.scanning.services import ReturnScan
from tests import factories

TODAY = utcnow().date()
GTIN = "09501101530003"


def gs1(serial: str, *, batch: str | None = None, expires: date | None = None) -> str:
    """A GS1 code in the bracketed form a scanner's human-readable line shows."""
    return (f"(01){GTIN}" + (f"(17){expires:%y%m%d}" if expires else "") + (f"(10){batch}" if batch else "")
            + f"(21){serial}")


@pytest.fixture
def as_user(floor):
    """``as_user(role)(task, code, **kw)``: a scan by a new user of that role, one session per task."""
    def make(role):
        user = factories.user(floor.session, role=role)
        keys = {}

        def do(task, code, **kwargs):
            answer = services.record_scan(
                floor.session, actor=user, client_scan_id=uuid.uuid4().hex, task=task, code=code,
                session_key=keys.setdefault(task, uuid.uuid4().hex),
                settings=kwargs.pop("settings", services.ScanSettings()), **kwargs)
            floor.session.flush()
            return answer
        do.user = user
        return do
    return make


def stocked(floor, *, days_ago: int, expires: date | None = None, bin=None, lot=None):  # noqa: A002
    item = floor.item(status="in_stock", bin=bin, received_at=utcnow() - timedelta(days=days_ago))
    item.expires_at, item.lot = expires, lot
    floor.session.flush()
    return item


def last_movement(floor, item) -> Movement:
    return floor.session.scalars(select(Movement).where(Movement.item_id == item.id)
                                 .order_by(Movement.id.desc()).limit(1)).one()


# --- put-away ------------------------------------------------------------------------------


def test_put_away_stores_the_codes_batch_and_expiry(floor, scan):
    item = floor.item(status="expected")
    scan("put_away", floor.label(floor.bin_a))
    answer = scan("put_away", gs1(item.serial, batch="LOT42", expires=date(2028, 12, 31)))
    assert answer["result"] == "accepted", answer["message"]
    assert (answer["item"]["lot"], answer["item"]["expires_at"]) == ("LOT42", "2028-12-31")
    floor.session.refresh(item)
    assert (item.status, item.lot, item.expires_at) == ("in_stock", "LOT42", date(2028, 12, 31))


def test_gs1_day_00_is_the_months_last_day(floor, scan):
    item = floor.item(status="expected")
    scan("put_away", floor.label(floor.bin_a))
    code = f"(01){GTIN}(17)280200(21){item.serial}"
    assert scan("put_away", code)["result"] == "accepted"
    floor.session.refresh(item)
    assert item.expires_at == date(2028, 2, 29)


def test_the_lists_lot_and_expiry_are_kept_and_a_different_label_warns_naming_both(floor, scan):
    item = floor.item(status="expected")
    item.lot, item.expires_at = "L-LIST", date(2028, 1, 31)
    floor.session.flush()
    scan("put_away", floor.label(floor.bin_a))
    answer = scan("put_away", gs1(item.serial, batch="L-LABEL", expires=date(2028, 6, 30)))
    assert answer["result"] == "warning"
    assert "received into" in answer["message"]
    assert "L-LABEL" in answer["message"] and "L-LIST" in answer["message"]
    assert "2028-06-30" in answer["message"] and "2028-01-31" in answer["message"]
    floor.session.refresh(item)
    assert (item.status, item.lot, item.expires_at) == ("in_stock", "L-LIST", date(2028, 1, 31))


def test_the_same_values_or_a_plain_serial_change_nothing_and_do_not_warn(floor, scan):
    same = floor.item(status="expected")
    same.lot, same.expires_at = "LOT7", date(2028, 3, 31)
    plain = floor.item(status="expected")
    plain.lot = "KEPT"
    floor.session.flush()
    scan("put_away", floor.label(floor.bin_a))
    assert scan("put_away", gs1(same.serial, batch="LOT7", expires=date(2028, 3, 31)))["result"] == "accepted"
    assert scan("put_away", plain.serial)["result"] == "accepted"
    floor.session.refresh(plain)
    assert (plain.lot, plain.expires_at) == ("KEPT", None)


# --- the shipping suggestion ----------------------------------------------------------------


def test_ship_suggests_the_unit_that_expires_first_over_the_oldest(floor, scan):
    oldest = stocked(floor, days_ago=90)  # no expiry: after every unit that has one
    soon = stocked(floor, days_ago=5, expires=TODAY + timedelta(days=30), bin=floor.bin_b)
    later = stocked(floor, days_ago=60, expires=TODAY + timedelta(days=300))
    stocked(floor, days_ago=1, expires=TODAY - timedelta(days=1))  # expired: never suggested
    scan("ship", "SO-1")
    answer = scan("ship", later.serial)
    assert answer["result"] == "warning"
    assert f"{soon.serial} in {floor.warehouse.code}/B-02" in answer["message"]
    assert "expires first" in answer["message"] and f"{soon.expires_at:%Y-%m-%d}" in answer["message"]
    assert answer["older_unit"]["serial"] == soon.serial
    assert answer["headline"].startswith(f"{later.serial} shipped. Expires first: {soon.serial}")
    # a unit without expiry: those with one go first
    assert scan("ship", oldest.serial)["older_unit"]["serial"] == soon.serial
    # the unit that expires first ships without a word
    assert scan("ship", soon.serial)["result"] == "accepted"


def test_same_expiry_then_first_in_first_out_and_the_fifo_setting_still_refuses(floor, scan):
    day = TODAY + timedelta(days=100)
    first_in = stocked(floor, days_ago=50, expires=day, bin=floor.bin_b)
    second = stocked(floor, days_ago=10, expires=day)
    enforced = services.ScanSettings(fifo_enforced=True)
    scan("ship", "SO-2")
    answer = scan("ship", second.serial, settings=enforced)
    assert answer["result"] == "refused" and answer["message"].startswith("Not shipped.")
    assert f"An older {floor.product.sku} is in stock: {first_in.serial}" in answer["message"]
    assert "first in, first out" in answer["message"]
    floor.session.refresh(second)
    assert second.status == "in_stock"
    assert scan("ship", first_in.serial, settings=enforced)["result"] == "accepted"


def test_units_without_expiry_keep_first_in_first_out(floor, scan):
    old = stocked(floor, days_ago=90, bin=floor.bin_b)
    new = stocked(floor, days_ago=2)
    scan("ship", "SO-3")
    answer = scan("ship", new.serial)
    assert answer["result"] == "warning" and answer["older_unit"]["serial"] == old.serial
    assert "(first in, first out)" in answer["message"]


def test_the_suggestion_stays_in_the_warehouse_and_the_product(floor, scan):
    other_wh = factories.warehouse(floor.session, code="WHX")
    far = factories.bin_(floor.session, warehouse_id=other_wh.id, code="X-01")
    stocked(floor, days_ago=9, expires=TODAY + timedelta(days=3), bin=far)
    other_product = floor.item(status="in_stock", product_id=factories.product(floor.session).id)
    other_product.expires_at = TODAY + timedelta(days=2)
    mine = stocked(floor, days_ago=1, expires=TODAY + timedelta(days=200))
    scan("ship", "SO-4")
    assert scan("ship", mine.serial)["result"] == "accepted"


# --- an expired unit --------------------------------------------------------------------------


def test_an_expired_unit_is_refused_naming_the_date(floor, scan):
    gone = stocked(floor, days_ago=30, expires=TODAY - timedelta(days=3))
    on_the_day = stocked(floor, days_ago=30, expires=TODAY)
    scan("ship", "SO-5")
    answer = scan("ship", gone.serial)
    assert answer["result"] == "refused"
    assert answer["message"] == (f"Not shipped: {gone.serial} expired on {gone.expires_at:%Y-%m-%d}: it cannot be "
                                 "shipped. Give it to a manager.")
    assert "expired" not in answer  # an operator is offered no override
    floor.session.refresh(gone)
    assert gone.status == "in_stock" and gone.order_ref is None
    # on its expiry date a unit still ships
    assert scan("ship", on_the_day.serial)["result"] == "accepted"


def test_only_a_manager_overrides_and_the_note_goes_into_the_sale(floor, scan, as_user):
    gone = stocked(floor, days_ago=30, expires=TODAY - timedelta(days=3))
    scan("ship", "SO-6")
    refused = scan("ship", gone.serial, expiry_override="customer agreed")
    assert refused["result"] == "refused" and "only a manager may ship an expired unit" in refused["message"]
    floor.session.refresh(gone)
    assert gone.status == "in_stock"

    manager = as_user("manager")
    manager("ship", "SO-6")
    offered = manager("ship", gone.serial)
    assert offered["result"] == "refused" and "A manager may ship it anyway with a note." in offered["message"]
    assert offered["expired"] == {"serial": gone.serial, "expires_at": gone.expires_at.isoformat()}
    blank = manager("ship", gone.serial, expiry_override="   ")
    assert blank["result"] == "refused"

    note = 'customer takes it for parts <b>="=1+1"</b>'
    shipped = manager("ship", gone.serial, expiry_override=note)
    assert shipped["result"] == "accepted", shipped["message"]
    assert "shipped by a manager's override" in shipped["message"]
    floor.session.refresh(gone)
    assert (gone.status, gone.order_ref) == ("sold", "SO-6")
    movement = last_movement(floor, gone)
    assert movement.kind == "shipped" and movement.actor_id == manager.user.id
    assert movement.note == (f"order SO-6; shipped although expired on {gone.expires_at:%Y-%m-%d}, manager's "
                             f"override: {note}")

    entry = item_timeline(floor.session, gone.id)[0]
    assert entry.what == EXPIRED_OVERRIDE_HEADLINE and entry.by == manager.user.username
    assert any(note in fact for fact in entry.facts)


def test_an_override_note_on_a_unit_that_has_not_expired_changes_nothing(floor, as_user):
    fine = stocked(floor, days_ago=3, expires=TODAY + timedelta(days=3))
    manager = as_user("manager")
    manager("ship", "SO-7")
    assert manager("ship", fine.serial, expiry_override="not needed")["result"] == "accepted"
    assert last_movement(floor, fine).note == "order SO-7"


def test_a_customer_exchange_refuses_an_expired_replacement(floor, scan):
    sold = stocked(floor, days_ago=40)
    scan("ship", "SO-8")
    assert scan("ship", sold.serial)["result"] == "accepted"
    old_unit = stocked(floor, days_ago=40, expires=TODAY - timedelta(days=1), bin=floor.bin_b)
    answer = scan("return", sold.serial, customer_return=ReturnScan(
        outcome="exchange", reason="dead_on_arrival", replacement_serial=old_unit.serial))
    assert answer["result"] == "refused"
    assert f"{old_unit.serial} expired on {old_unit.expires_at:%Y-%m-%d}" in answer["message"]
    floor.session.refresh(sold)
    floor.session.refresh(old_unit)
    assert (sold.status, old_unit.status) == ("sold", "in_stock")


def test_check_shipping_is_the_one_rule():
    class Item:
        serial, expires_at = "X", date(2026, 1, 31)

    class Someone:
        def __init__(self, role):
            self.role = role

        def has_role(self, *roles):
            return self.role in roles

    assert expiry.check_shipping(Item, today=date(2026, 1, 31), actor=None, override=None) == expiry.ShippingCheck()
    refused = expiry.check_shipping(Item, today=date(2026, 2, 1), actor=Someone("manager"), override=None)
    assert refused.may_override and "expired on 2026-01-31" in refused.refusal
    allowed = expiry.check_shipping(Item, today=date(2026, 2, 1), actor=Someone("manager"), override=" ok ")
    assert allowed.refusal is None and allowed.note.endswith("manager's override: ok")
    assert expiry.is_override(allowed.note) and not expiry.is_override("order SO-1")


# --- the API and the item page ------------------------------------------------------------------


@pytest.fixture
def api_stock(app):
    """An expired unit in stock, and tokens for an operator and a manager."""
    from tests.scanning.stock import wh1_stock

    with app.app_context():
        s = db.session
        _, item = wh1_stock(s, sku="SKU-EXP")
        unit = s.scalars(select(SerialItem).where(SerialItem.serial == item("API-OLD-1", "in_stock"))).one()
        unit.expires_at, unit.lot = TODAY - timedelta(days=10), "=cmd|' /C calc'!A0"
        tokens = {role: issue_token(s, user=factories.user(s, role=role), name="t")[1]
                  for role in ("operator", "manager")}
        s.commit()
    client = app.test_client()

    def post(role, **body):
        return client.post("/api/v1/scans", json={"client_scan_id": uuid.uuid4().hex, **body},
                           headers={"Authorization": f"Bearer {tokens[role]}"})
    post.client, post.tokens = client, tokens
    return post


def test_the_scans_api_refuses_an_expired_unit_and_takes_a_managers_override(api_stock, fresh):
    refused = api_stock("operator", action="ship", serial="API-OLD-1", order_ref="SO-9",
                        expiry_override="please")
    assert refused.status_code == 200
    assert refused.get_json()["result"] == "refused"
    assert "only a manager" in refused.get_json()["message"]
    offered = api_stock("manager", action="ship", serial="API-OLD-1", order_ref="SO-9").get_json()
    assert offered["result"] == "refused" and offered["expired"]["serial"] == "API-OLD-1"
    assert offered["item"]["lot"] == "=cmd|' /C calc'!A0"
    too_long = api_stock("manager", action="ship", serial="API-OLD-1", order_ref="SO-9",
                         expiry_override="x" * 501)
    assert too_long.status_code == 422 and too_long.get_json()["error"]["code"] == "invalid_note"
    shipped = api_stock("manager", action="ship", serial="API-OLD-1", order_ref="SO-9",
                        expiry_override="sold as is").get_json()
    assert shipped["result"] == "accepted", shipped["message"]
    with fresh() as s:
        note = s.scalars(select(Movement.note).order_by(Movement.id.desc()).limit(1)).one()
        assert note.endswith("manager's override: sold as is")


def test_the_item_api_and_page_show_lot_and_expiry(api_stock, app, client_as):
    answer = api_stock.client.get("/api/v1/serials/api-old-1",
                                  headers={"Authorization": f"Bearer {api_stock.tokens['operator']}"}).get_json()
    assert answer["lot"] == "=cmd|' /C calc'!A0"
    assert answer["expires_at"] == (TODAY - timedelta(days=10)).isoformat() and answer["expired"] is True
    page = client_as("operator").get("/items/API-OLD-1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "data-lot>=cmd|&#39; /C calc&#39;!A0</dd>" in html
    assert "data-expired>expired</strong>" in html
