"""The item page links to everything it names, says how long the unit has
been in its bin and stops its age when it left stock (issue 12.10); the home
page's receipt rows open their receipt, and "expected" means one thing."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.items import ageing
from portal.items.services import transition
from portal.models import Bin, ItemStatus, Movement, SerialItem, utcnow
from tests.items.receipts import HX, open_receipt_url

# --- the rules, without a database ------------------------------------------------

NOW = datetime(2026, 6, 1, 12, 0)


class Unit:
    def __init__(self, status, received_days_ago=None, bin_id=None, sold_at=None):
        self.status = status
        self.received_at = NOW - timedelta(days=received_days_ago) if received_days_ago is not None else None
        self.bin_id = bin_id
        self.sold_at = sold_at


class Step:
    def __init__(self, id, days_ago, to_status, to_bin_id=None):  # noqa: A002 - as the model
        self.id, self.at, self.to_status, self.to_bin_id = id, NOW - timedelta(days=days_ago), to_status, to_bin_id


def test_a_unit_on_hand_ages_to_today_and_a_defective_one_too():
    for status in (ItemStatus.IN_STOCK, ItemStatus.DEFECTIVE):
        age = ageing.item_age(Unit(status, 40, bin_id=1), [Step(1, 40, status, 1)], NOW)
        assert (age.days, age.left_at) == (40, None)


@pytest.mark.parametrize("status", [ItemStatus.SOLD, ItemStatus.RETURNED_TO_SUPPLIER, ItemStatus.MISSING])
def test_a_unit_that_left_stock_stops_aging_on_the_day_it_left(status):
    steps = [Step(1, 40, ItemStatus.IN_STOCK, 1), Step(2, 10, status)]
    age = ageing.item_age(Unit(status, 40), steps, NOW)
    assert age.days == 30 and age.left_at == NOW - timedelta(days=10)


def test_a_unit_not_received_has_no_age():
    assert ageing.item_age(Unit(ItemStatus.EXPECTED), [Step(1, 3, ItemStatus.EXPECTED)], NOW) is None


def test_time_in_bin_counts_from_the_last_movement_into_it():
    steps = [Step(1, 40, ItemStatus.IN_STOCK, 7), Step(2, 20, ItemStatus.IN_STOCK, 8),
             Step(3, 12, ItemStatus.IN_STOCK, 7)]
    assert ageing.in_bin_since(Unit(ItemStatus.IN_STOCK, 40, bin_id=7), steps) == NOW - timedelta(days=12)
    assert ageing.in_bin_since(Unit(ItemStatus.SOLD, 40), steps) is None


# --- the pages -----------------------------------------------------------------------


def _move(app, serial, *, to_status, kind, days_ago, to_bin_code=None, order_ref=None):
    with app.app_context():
        item = db.session.scalars(select(SerialItem).where(SerialItem.serial == serial)).one()
        target = db.session.scalars(select(Bin).where(Bin.code == to_bin_code)).one() if to_bin_code else None
        transition(db.session, item, to_status=to_status, kind=kind, actor=None, to_bin=target,
                   at=utcnow() - timedelta(days=days_ago))
        if order_ref:
            item.order_ref, item.sold_at = order_ref, utcnow() - timedelta(days=days_ago)
        db.session.commit()


def test_item_page_says_how_long_the_unit_is_in_its_bin_and_links_everything(
        app, client_as, make_supplier, make_warehouse, make_bin, make_item, fresh):
    supplier = make_supplier(code="ACME", name="Acme Phones")
    warehouse = make_warehouse(code="AMS1")
    first = make_bin(warehouse_id=warehouse.id, code="A-01-1")
    make_bin(warehouse_id=warehouse.id, code="B-02-3")
    make_item(serial="SN-AGE-1", supplier_id=supplier.id, bin_id=first.id,
              received_at=utcnow() - timedelta(days=40))
    _move(app, "SN-AGE-1", to_status="in_stock", kind="moved", days_ago=12, to_bin_code="B-02-3")
    page = client_as("operator").get("/items/SN-AGE-1").get_data(as_text=True)
    assert "for 12 days" in page and ">B-02-3</a>" in page and "40 days" in page
    assert f'href="/catalog/warehouses/{warehouse.id}/bins?q=B-02-3"' in page  # the bin, and in the timeline
    assert page.count(f"/catalog/warehouses/{warehouse.id}/bins?q=A-01-1") == 2  # received into, moved out of
    assert 'href="/catalog/suppliers?q=ACME">Acme Phones</a>' in page


def test_sold_unit_stops_aging_and_links_its_order_and_receipt(app, client_as, make_item, fresh):
    item = make_item(serial="SN-SOLD-1", received_at=utcnow() - timedelta(days=50))
    _move(app, "SN-SOLD-1", to_status="sold", kind="shipped", days_ago=20, order_ref="ORD-77")
    client = client_as("manager")
    page = client.get("/items/SN-SOLD-1").get_data(as_text=True)
    assert "30 days" in page and "stopped aging when sold" in page
    assert ">ORD-77</a>" in page
    order_link = page.split(">ORD-77</a>")[0].rsplit('href="', 1)[1].split('"')[0]
    order_page = client.get(order_link.replace("&amp;", "&"))
    assert order_page.status_code == 200 and ">SN-SOLD-1</a>" in order_page.get_data(as_text=True)
    with fresh() as s:
        assert s.scalar(select(Movement.to_status).where(Movement.item_id == item.id)
                        .order_by(Movement.id.desc()).limit(1)) == "sold"


def test_the_receipt_is_a_link_for_those_who_may_open_it(client_as, make_supplier, make_warehouse,
                                                        make_product):
    make_supplier(code="ACME", name="Acme Phones", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    url = open_receipt_url(client_as("receiver"))
    assert f'<a href="{url}">PO-77</a>' in client_as("manager").get("/items/SN-1").get_data(as_text=True)
    operator_page = client_as("operator").get("/items/SN-1").get_data(as_text=True)
    assert "PO-77" in operator_page and f'href="{url}"' not in operator_page  # they may not open it


def test_home_receipt_rows_open_the_receipt_and_expected_means_not_yet_received(
        client_as, make_supplier, make_warehouse, make_product):
    make_supplier(code="ACME", name="Acme Phones", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    desk = client_as("receiver")
    url = open_receipt_url(desk, serials=("SN-1", "SN-2", "SN-3", "SN-4"))
    desk.post(url + "/unexpected", data={"serial": "EXTRA-1", "product": "PHONE-1"}, headers=HX)
    page = desk.get("/").get_data(as_text=True)
    assert f'<a href="{url}">PO-77</a>' in page
    assert "Still expected" not in page
    row = page[page.index(f'<a href="{url}">'):].split("</tr>")[0]
    # the receipt page's counts: 4 on the list (the extra is not), none received, 4 expected
    assert 'data-label="Listed" class="num">4<' in row
    assert 'data-label="Received" class="num">0<' in row
    assert 'data-label="Expected" class="num">4<' in row
