"""The item page's timeline shows every event after put-away (issue 13 point
7), with who and when, in the warehouse's words; hostile text in notes, RMA
and credit note numbers is rendered escaped. Through the services and the
page, on both databases."""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal.customer_returns.services import take_return
from portal.defects import services as defects
from portal.extensions import db
from portal.items import ledger
from portal.items.timeline import item_timeline
from portal.models import ItemStatus, MovementKind, SerialItem, utcnow
from portal.supplier_returns import replacements
from portal.supplier_returns import services as returns
from portal.warranty import add_months
from tests import factories
from tests.supplier_returns import returned_items

HOSTILE_NOTE = '<script>alert("note")</script>'
HOSTILE_RMA = "<b>RMA&1</b>"
HOSTILE_CREDIT = "<i onmouseover=x>CN-9</i>"


def _sell(s, item, order_ref: str, actor) -> None:
    """As the ship scan sells it: the movement, then the sale's facts."""
    ledger.transition(s, item, to_status=ItemStatus.SOLD, kind=MovementKind.SHIPPED, actor=actor,
                      note=f"order {order_ref}")
    item.sold_at, item.order_ref = utcnow(), order_ref
    item.warranty_ends_on = add_months(item.sold_at.date(), 12)


@pytest.fixture
def story(app):
    """Everything issue 13 can do to an item, done by user 'rita' (a receiver) or 'max' (a manager)."""
    with app.app_context():
        s = db.session
        rita, max_ = factories.user(s, role="receiver", username="rita"), factories.user(s, role="manager",
                                                                                           username="max")
        # OLD-1: flagged, on a return, taken off, on another, shipped, closed; replaced by NEW-1
        returned_items(s, warehouse="WH-T", serials=("OLD-1",), replacements=("NEW-1",), rma=HOSTILE_RMA,
                       actor=rita)
        shelf = s.scalars(select(SerialItem).where(SerialItem.serial == "NEW-1")).one().bin
        first = s.scalars(select(SerialItem).where(SerialItem.serial == "OLD-1")).one()
        replacements.link_replacement(s, serial="OLD-1", replacement_serial="NEW-1", actor=max_)
        return_id = returns.open_return(s, supplier="ACME", warehouse="WH-T", rma_number=None, actor=rita).id
        # (the fixture's return was #1: it is closed now, with a hostile credit note)
        returns.close(s, return_id=1, credit_note=HOSTILE_CREDIT, actor=max_)
        # TAKEN-1: flagged with a hostile note, put on the new return and taken off again
        taken = factories.item(s, serial="TAKEN-1", bin_id=shelf.id, supplier_id=first.supplier_id)
        defects.flag_defect(s, item=taken, reason="functional", stage="receiving", note=HOSTILE_NOTE, actor=rita)
        returns.add_item(s, return_id=return_id, serial="TAKEN-1", actor=rita)
        returns.remove_item(s, return_id=return_id, serial="TAKEN-1", actor=max_)
        # FIXED-1 repaired into A-01-1; SCRAP-1 scrapped
        for serial in ("FIXED-1", "SCRAP-1"):
            item = factories.item(s, serial=serial, bin_id=shelf.id)
            defects.flag_defect(s, item=item, reason="missing_parts", stage="storage", actor=rita)
        defects.repair(s, item=s.scalars(select(SerialItem).where(SerialItem.serial == "FIXED-1")).one(),
                       warehouse="WH-T", bin_code="A-01-1", actor=rita)
        defects.scrap(s, item=s.scalars(select(SerialItem).where(SerialItem.serial == "SCRAP-1")).one(),
                      note=HOSTILE_NOTE, actor=max_)
        # CUST-1 sold, brought back in warranty, restocked damaged; CUST-2 sold, exchanged for SWAP-1
        product = factories.product(s, sku="TAB-1")
        for serial in ("CUST-1", "CUST-2", "SWAP-1"):
            factories.item(s, serial=serial, bin_id=shelf.id, product_id=product.id)
        for serial, order in (("CUST-1", "SO-1"), ("CUST-2", "SO-2")):
            _sell(s, s.scalars(select(SerialItem).where(SerialItem.serial == serial)).one(), order, rita)
        take_return(s, serial="CUST-1", order_ref="SO-1", outcome="restock", condition="damaged", warehouse="WH-T",
                    bin_code="A-01-1", actor=rita)
        take_return(s, serial="CUST-2", outcome="exchange", reason="dead_on_arrival", replacement_serial="SWAP-1",
                    actor=max_)
        s.commit()


def _timeline(s, serial):
    item = s.scalars(select(SerialItem).where(SerialItem.serial == serial)).one()
    return [(e.what, e.by, e.link_words, e.other, tuple(e.facts)) for e in item_timeline(s, item.id)]


def test_the_timeline_tells_each_items_story_newest_first(app, story):
    with app.app_context():
        s = db.session
        old = _timeline(s, "OLD-1")
        assert [e[0] for e in old][:5] == [
            "Return to supplier #1, RMA <b>RMA&1</b> closed", "Replacement linked", "Returned to the supplier",
            "Put on return to supplier #1, RMA <b>RMA&1</b>", "Flagged defective"]
        closed, linked, shipped, put_on, flagged = old[:5]
        assert closed[1] == "max" and closed[4] == (f"credit note {HOSTILE_CREDIT}",)
        assert linked[1:4] == ("max", "replaced by", "NEW-1")
        assert shipped[1] == "rita" and shipped[4] == ("return to supplier #1, RMA <b>RMA&1</b>",)
        assert put_on[1] == "rita"
        assert flagged[1] == "rita" and flagged[4] == ("reason: cosmetic, found at storage", "moved to quarantine")
        assert _timeline(s, "NEW-1")[0][:4] == ("Replacement linked", "max", "replaces", "OLD-1")

        taken = _timeline(s, "TAKEN-1")
        assert [(e[0], e[1]) for e in taken[:3]] == [
            ("Taken off return to supplier #2", "max"), ("Put on return to supplier #2", "rita"),
            ("Flagged defective", "rita")]
        assert taken[2][4] == ("reason: functional, found at receiving", f"note: {HOSTILE_NOTE}",
                               "moved to quarantine")

        fixed = _timeline(s, "FIXED-1")[0]
        assert fixed[:2] == ("Repaired: back in stock", "rita") and "condition regular → refurbished" in fixed[4]
        assert _timeline(s, "SCRAP-1")[0][:2] == ("Scrapped", "max") and HOSTILE_NOTE in _timeline(s, "SCRAP-1")[0][4]

        back = _timeline(s, "CUST-1")
        assert back[0][0] == "Customer return of order SO-1" and back[0][1] == "rita"
        assert back[0][4][0].startswith("in warranty until ") and back[0][4][1] == "outcome: back in stock"
        assert back[1][0] == "Back in stock (customer return)" and "condition regular → damaged" in back[1][4]
        swapped = _timeline(s, "CUST-2")
        assert swapped[0][:4] == ("Customer return of order SO-2", "max", "exchanged for", "SWAP-1")
        assert swapped[0][4][1] == "outcome: defective, into quarantine, exchanged"
        assert swapped[1][0] == "Flagged defective (customer return)"
        assert swapped[1][4][:2] == ("reason: dead on arrival, found at customer return", "moved to quarantine")
        given = _timeline(s, "SWAP-1")
        assert {e[0] for e in given[:2]} == {"Given to the customer in exchange", "Sold"}
        assert next(e for e in given if e[0].startswith("Given"))[2:4] == ("for the returned", "CUST-2")


def _text(page: str) -> str:
    """The timeline as a reader sees it: tags dropped, entities decoded, blanks folded."""
    timeline = page.split('id="timeline-heading"', 1)[1].split("</ol>", 1)[0]
    inline = re.sub(r"</?(strong|a|span)\b[^>]*>", "", timeline)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_the_item_pages_show_it_all_escaped(client_as, story):
    manager = client_as("manager")
    old = manager.get("/items/OLD-1").text
    for raw in (HOSTILE_RMA, HOSTILE_CREDIT):
        assert raw not in old and escape(raw) in old
    text = _text(old)
    for words in (f"Return to supplier #1, RMA {HOSTILE_RMA} closed", f"credit note {HOSTILE_CREDIT} by max",
                  "Replacement linked replaced by NEW-1 by max", "Returned to the supplier: defective → returned to "
                  "supplier", f"return to supplier #1, RMA {HOSTILE_RMA}",
                  f"Put on return to supplier #1, RMA {HOSTILE_RMA}", "Flagged defective: in stock → defective",
                  "reason: cosmetic, found at storage moved to quarantine by rita"):
        assert words in text, words
    assert 'href="/items/NEW-1"' in old and 'data-replaced-by' in old
    assert 'href="/supplier-returns/1"' in old  # the return, for those who may open it
    new = manager.get("/items/NEW-1").text
    assert "Replacement linked replaces OLD-1 by max" in _text(new) and 'href="/items/OLD-1"' in new

    taken = manager.get("/items/TAKEN-1").text
    assert HOSTILE_NOTE not in taken and escape(HOSTILE_NOTE) in taken
    text = _text(taken)
    assert "Taken off return to supplier #2 by max" in text and "Put on return to supplier #2 by rita" in text
    assert f"reason: functional, found at receiving note: {HOSTILE_NOTE} moved to quarantine" in text
    assert "condition regular → refurbished" in _text(manager.get("/items/FIXED-1").text)
    scrapped = manager.get("/items/SCRAP-1").text
    assert HOSTILE_NOTE not in scrapped and "Scrapped: defective → scrapped" in _text(scrapped)
    assert re.search(r"Customer return of order SO-1 in warranty until \S+ \(\d+ days left\) outcome: back in "
                     r"stock by rita", _text(manager.get("/items/CUST-1").text))
    assert "Customer return of order SO-2 exchanged for SWAP-1" in _text(manager.get("/items/CUST-2").text)
    assert "Given to the customer in exchange for the returned CUST-2" in _text(manager.get("/items/SWAP-1").text)
    operator = client_as("operator")
    assert 'href="/supplier-returns/1"' not in operator.get("/items/OLD-1").text
