"""Issue 14.7: as it was on a date, rebuilt from the ledger (portal.items.as_of):
where a serial was (status, warehouse, bin, condition, ownership, the serial
it had then) at a moment, and what was in a bin or a warehouse then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.items import as_of, ledger
from portal.items.services import correct_serial
from portal.models import ItemStatus, MovementKind, SerialItem
from tests import factories

T0 = datetime(2026, 3, 1, 9, 0)  # listed
T1 = T0 + timedelta(days=1)  # received into WH-A / A-01
T2 = T0 + timedelta(days=2)  # condition regular -> sample
T3 = T0 + timedelta(days=3)  # moved to the other warehouse, B-01
T4 = T0 + timedelta(days=4)  # ownership owned -> consignment
T5 = T0 + timedelta(days=5)  # serial corrected STORY-O1 -> STORY-01
T6 = T0 + timedelta(days=6)  # sold
MINUTE = timedelta(minutes=1)


# --- the moment, as typed ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "moment"), [
    ("2026-03-01T10:00:00Z", datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01T12:00:00+02:00", datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01T12:00:00 02:00", datetime(2026, 3, 1, 10, 0)),  # the "+" of a query string read as a space
    ("2026-03-01T05:30-04:30", datetime(2026, 3, 1, 10, 0)),
    ("2026-03-01T10:00", datetime(2026, 3, 1, 10, 0)),  # no offset: UTC
    ("2026-03-01", datetime(2026, 3, 1, 0, 0)),  # a date alone: its midnight
    (" 2026-03-01T10:00:00.250Z ", datetime(2026, 3, 1, 10, 0, 0, 250000)),
])
def test_a_moment_is_read_as_naive_utc(text, moment):
    assert as_of.parse_moment(text) == moment


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01", "2026-03-01T25:00", "1700000000", "01/03/2026",
                                  "2026-03-01T10:00Z" + "0" * 50, "2026-03-01\x00"])
def test_a_malformed_moment_is_refused(text):
    with pytest.raises(ValueError):
        as_of.parse_moment(text)


# --- one item's story through the ledger --------------------------------------------------


@dataclass
class Story:
    item_id: int
    other_id: int
    warehouse_a: object
    warehouse_b: object
    bin_a: object
    bin_b: object


def write_story(session) -> Story:
    warehouse_a = factories.warehouse(session, code="WH-A")
    warehouse_b = factories.warehouse(session, code="WH-B")
    bin_a = factories.bin_(session, warehouse_id=warehouse_a.id, code="A-01")
    bin_b = factories.bin_(session, warehouse_id=warehouse_b.id, code="B-01")
    product, supplier = factories.product(session, sku="SKU-STORY"), factories.supplier(session)
    manager = factories.user(session, role="manager")

    def expected(serial):
        row = SerialItem(serial=serial, serial_key=serial.upper(), product_id=product.id, supplier_id=supplier.id,
                         status=ItemStatus.EXPECTED)
        session.add(row)
        session.flush()
        return row

    item, other = expected("STORY-O1"), expected("STORY-02")
    for row in (item, other):
        ledger.list_item(session, row, actor=manager, at=T0)
        ledger.transition(session, row, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RECEIVED, actor=manager,
                          to_bin=bin_a, at=T1)
    ledger.change_condition(session, item, condition="sample", actor=manager, at=T2)
    ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.MOVED, actor=manager,
                      to_bin=bin_b, at=T3)
    ledger.change_ownership(session, item, ownership="consignment", actor=manager, at=T4)
    correct_serial(session, item, serial="STORY-01", actor=manager, at=T5)
    ledger.transition(session, item, to_status=ItemStatus.SOLD, kind=MovementKind.SHIPPED, actor=manager, at=T6)
    session.flush()
    return Story(item.id, other.id, warehouse_a, warehouse_b, bin_a, bin_b)


def _then(session, story, at):
    return as_of.item_at(session, session.get(SerialItem, story.item_id), at)


def test_before_its_first_record_the_item_did_not_exist(session):
    story = write_story(session)
    assert _then(session, story, T0 - MINUTE) is None


@pytest.mark.parametrize(("at", "expected"), [
    (T0, ("expected", None, None, "regular", "owned", "STORY-O1")),
    (T1 + MINUTE, ("in_stock", "A-01", "WH-A", "regular", "owned", "STORY-O1")),
    (T2 + MINUTE, ("in_stock", "A-01", "WH-A", "sample", "owned", "STORY-O1")),
    (T3 + MINUTE, ("in_stock", "B-01", "WH-B", "sample", "owned", "STORY-O1")),
    (T4 + MINUTE, ("in_stock", "B-01", "WH-B", "sample", "consignment", "STORY-O1")),
    (T5 + MINUTE, ("in_stock", "B-01", "WH-B", "sample", "consignment", "STORY-01")),
    (T6 + MINUTE, ("sold", None, "WH-B", "sample", "consignment", "STORY-01")),
])
def test_an_item_at_each_moment_of_its_story(session, at, expected):
    story = write_story(session)
    then = _then(session, story, at)
    assert (then.status, then.bin_code, then.warehouse_code, then.condition, then.ownership, then.serial) == expected


def test_a_moment_between_two_changes_takes_the_value_before_the_later_one(session):
    """The as_of rule: a past condition, ownership or warehouse is the later change's from-value."""
    story = write_story(session)
    then = _then(session, story, T2 - MINUTE)
    assert then.condition == "regular" and then.warehouse_code == "WH-A" and then.ownership == "owned"


def _in(session, at, bins):
    return [(row.serial_then, row.status, row.bin, row.condition, row.ownership)
            for row in session.execute(as_of.items_in_bins_at(at, bins)).all()]


def test_what_was_in_a_bin_or_a_warehouse_at_a_moment(session):
    story = write_story(session)
    a_bins, b_bins = as_of.bins_of(story.warehouse_a.id), as_of.bins_of(story.warehouse_b.id)
    assert _in(session, T0 + MINUTE, a_bins) == []  # listed, not received yet
    # by the serial now (STORY-01 sorts before STORY-02), each with the serial it had then
    assert _in(session, T2 + MINUTE, a_bins) == [("STORY-O1", "in_stock", "A-01", "sample", "owned"),
                                                  ("STORY-02", "in_stock", "A-01", "regular", "owned")]
    assert _in(session, T3 + MINUTE, a_bins) == [("STORY-02", "in_stock", "A-01", "regular", "owned")]
    assert _in(session, T4 + MINUTE, b_bins) == [("STORY-O1", "in_stock", "B-01", "sample", "consignment")]
    assert _in(session, T5 + MINUTE, as_of.bins_of(story.warehouse_b.id, "b-01")) == [
        ("STORY-01", "in_stock", "B-01", "sample", "consignment")]
    assert _in(session, T6 + MINUTE, b_bins) == []  # sold: in no bin
    assert _in(session, T6 + MINUTE, as_of.bins_of(story.warehouse_a.id, "A-01")) == [
        ("STORY-02", "in_stock", "A-01", "regular", "owned")]


def test_the_listing_reads_a_fixed_number_of_statements(session, statements):
    story = write_story(session)
    warehouse_id = story.warehouse_a.id
    session.commit()
    with statements() as seen:
        session.execute(as_of.items_in_bins_at(T6, as_of.bins_of(warehouse_id))).all()
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def story(app):
    with app.app_context():
        written = write_story(db.session)
        db.session.commit()
        return written


def test_the_page_shows_a_serial_as_it_was(client_as, story):
    page = client_as("operator").get("/items/as-of", query_string={"serial": "story-01", "at": "2026-03-03T10:00Z"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "STORY-O1" in text and "now" in text  # the serial then, and its serial now
    assert 'data-as-of-bin>A-01<' in text and 'data-as-of-warehouse>WH-A<' in text
    assert 'data-as-of-condition>sample<' in text and 'data-as-of-ownership>owned<' in text


def test_the_page_says_when_the_item_did_not_exist_yet(client_as, story):
    page = client_as("receiver").get("/items/as-of", query_string={"serial": "STORY-01", "at": "2026-02-01"})
    assert page.status_code == 200
    assert "did not exist yet" in page.get_data(as_text=True)


def test_the_page_lists_a_warehouse_then(client_as, story):
    page = client_as("operator").get("/items/as-of", query_string={"warehouse": "wh-a", "at": "2026-03-03T10:00"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "STORY-O1" in text and "STORY-02" in text and "2 of 2 items" in text
    page = client_as("operator").get("/items/as-of", query_string={"warehouse": "WH-A", "bin": "A-01",
                                                                   "at": "2026-03-08T00:00"})
    text = page.get_data(as_text=True)
    assert "STORY-02" in text and "STORY-O1" not in text and "STORY-01" not in text


@pytest.mark.parametrize(("args", "status", "words"), [
    ({"serial": "STORY-01", "at": "yesterday"}, 422, "Not a moment"),
    ({"serial": "STORY-01"}, 422, "Give the moment"),
    ({"at": "2026-03-03"}, 422, "Give a serial, or a warehouse"),
    ({"serial": "NOPE-1", "at": "2026-03-03"}, 404, "No item has the serial"),
    ({"warehouse": "NOPE", "at": "2026-03-03"}, 404, "No warehouse has the code"),
    ({"warehouse": "WH-A", "bin": "Z-99", "at": "2026-03-03"}, 404, "has no bin Z-99"),
    ({"serial": "<script>alert(1)</script>", "at": "2026-03-03"}, 404, "&lt;script&gt;"),
])
def test_the_page_refuses_a_bad_question_clearly(client_as, story, args, status, words):
    page = client_as("operator").get("/items/as-of", query_string=args)
    assert page.status_code == status
    text = page.get_data(as_text=True)
    assert words in text and "<script>alert(1)" not in text


def test_the_page_needs_a_login(client, story):
    assert client.get("/items/as-of").status_code in (302, 401)


def test_the_empty_page_is_a_form(client_as):
    page = client_as("operator").get("/items/as-of")
    assert page.status_code == 200 and "data-as-of-form" in page.get_data(as_text=True)


def test_the_items_sold_stay_out_of_a_bin_listing(session):
    story = write_story(session)
    bins = select(as_of.bins_of(story.warehouse_b.id).subquery().c.id)  # a subquery of ids works as a list
    assert session.execute(as_of.items_in_bins_at(T6 + MINUTE, bins)).all() == []
    assert len(session.execute(as_of.items_in_bins_at(T5 + MINUTE, bins)).all()) == 1
