"""Consignment statements and settlements through the services, on both
databases: what is owed, on hand, settled; refusals with their codes."""

from decimal import Decimal

import pytest

from portal.consignment import services
from portal.errors import Conflict, Invalid, NotFound
from portal.items import ledger
from portal.items.timeline import item_timeline
from portal.models import ItemStatus, MovementKind
from tests.consignment import consignment_stock, day, days_ago, restock, sell
from tests.supplier_returns import at_once


def _statement(s, **period):
    return services.statement(s, supplier="cons", **period)


def test_the_statement_lists_consignment_sales_and_values_the_units_on_hand(session):
    s = session
    unit = consignment_stock(s, cost="100.00")
    unit("ON-1")
    unit("ON-2", unit_cost="40.50")
    unit("OWNED-1", ownership="owned")
    sell(s, unit("SOLD-1", unit_cost="70.00"), at=days_ago(5), order="SO-1")
    sell(s, unit("SOLD-2"), at=days_ago(3), order="SO-2")
    sell(s, unit("OWNED-SOLD", ownership="owned"), at=days_ago(3), order="SO-3")
    bought = unit("BOUGHT-OUT")
    ledger.change_ownership(s, bought, ownership="owned", actor=None, note="bought out", at=days_ago(9))
    sell(s, bought, at=days_ago(2), order="SO-4")  # ours when sold: not owed
    later = unit("BOUGHT-LATER")
    sell(s, later, at=days_ago(4), order="SO-5")
    with pytest.raises(Conflict):  # once sold, the sale is settled under the ownership it had
        ledger.change_ownership(s, later, ownership="owned", actor=None, note="bought after the sale")
    other = consignment_stock(s, supplier="OTHER")
    sell(s, other("ELSEWHERE"), at=days_ago(3), order="SO-6")

    found = _statement(s)
    assert (found.on_hand, found.on_hand_value) == (2, Decimal("140.50"))
    assert [(x.serial, x.order_ref, x.unit_cost) for x in found.sold] == [
        ("SOLD-1", "SO-1", Decimal("70.00")), ("BOUGHT-LATER", "SO-5", Decimal("100.00")),
        ("SOLD-2", "SO-2", Decimal("100.00"))]
    assert found.owed == Decimal("270.00") and found.date_from is None and found.settled_until is None
    first = _statement(s, limit=1)  # the page lists the first sales only, its totals count them all
    assert [x.serial for x in first.sold] == ["SOLD-1"] and (first.totals.count, first.owed) == (3, found.owed)
    narrow = _statement(s, date_from=day(4).isoformat(), date_to=day(3).isoformat())
    assert [x.serial for x in narrow.sold] == ["BOUGHT-LATER", "SOLD-2"]


def test_settling_pays_each_sale_once_and_the_next_statement_starts_after_it(session):
    s = session
    unit = consignment_stock(s)
    sell(s, unit("A"), at=days_ago(10), order="SO-A")
    sell(s, unit("B"), at=days_ago(8), order="SO-B")
    hostile = '=HYPERLINK("x")<script>'
    made = services.settle(s, supplier="CONS", until=day(9).isoformat(), reference=f"  {hostile} ", actor=None)
    assert (made.units, made.amount, made.reference, made.until) == (1, Decimal("100.00"), hostile, day(9))
    sell(s, unit("C"), at=days_ago(2), order="SO-C")
    found = _statement(s)
    assert found.date_from == day(8) and found.settled_until == day(9)
    assert [x.serial for x in found.sold] == ["B", "C"] and found.owed == Decimal("200.00")
    everything = _statement(s, date_from=day(30).isoformat())
    assert [(x.serial, x.settled_in) for x in everything.sold] == [("A", hostile), ("B", None), ("C", None)]
    assert everything.owed == Decimal("200.00")
    second = services.settle(s, supplier="CONS", until=day(1).isoformat(), reference="R2", actor=None)
    assert (second.units, second.amount) == (2, Decimal("200.00"))
    assert _statement(s).sold == [] and _statement(s).owed == Decimal("0.00")


@pytest.mark.parametrize(("until", "status", "code"), [
    (1, Conflict, "already_settled"), (5, Conflict, "already_settled"), (0, Invalid, "day_not_over"),
    (-1, Invalid, "invalid_date"), ("2026-02-30", Invalid, "invalid_date"), ("04/12/2026", Invalid, "invalid_date"),
    ("", Invalid, "field_required")])
def test_settling_twice_up_to_a_day_or_before_it_or_a_day_not_over_is_refused(session, until, status, code):
    s = session
    consignment_stock(s)
    services.settle(s, supplier="CONS", until=day(1).isoformat(), reference="R1", actor=None)
    with pytest.raises(status) as refused:
        services.settle(s, supplier="CONS", until=day(until).isoformat() if isinstance(until, int) else until,
                        reference="R2", actor=None)
    assert refused.value.code == code
    if status is Invalid:
        assert refused.value.details["field"] == "until"


def test_bad_days_name_their_field(session):
    consignment_stock(session)
    for period, field in [({"date_from": "2026-13-01"}, "from"), ({"date_to": "yesterday"}, "to"),
                          ({"date_to": day(-1).isoformat()}, "to"),
                          ({"date_from": day(1).isoformat(), "date_to": day(3).isoformat()}, "from")]:
        with pytest.raises(Invalid) as refused:
            _statement(session, **period)
        assert refused.value.details["field"] == field and refused.value.message.startswith(field), period
    with pytest.raises(Invalid) as refused:
        services.settle(session, supplier="CONS", until=day(1).isoformat(), reference="  ", actor=None)
    assert refused.value.code == "field_required" and refused.value.details["field"] == "reference"
    with pytest.raises(NotFound):
        services.statement(session, supplier="NOPE")


def test_a_unit_sold_again_after_a_customer_return_is_not_owed_again_and_an_undone_sale_not_at_all(session):
    s = session
    unit = consignment_stock(s)
    back = unit("BACK")
    sell(s, back, at=days_ago(20), order="SO-1")
    services.settle(s, supplier="CONS", until=day(19).isoformat(), reference="R1", actor=None)
    restock(s, back, at=days_ago(10))
    sell(s, back, at=days_ago(5), order="SO-2")
    twice = unit("TWICE")  # returned and sold again within the open period: owed once, for its first sale
    sell(s, twice, at=days_ago(9), order="SO-3")
    restock(s, twice, at=days_ago(8))
    sell(s, twice, at=days_ago(7), order="SO-4")
    undone = unit("UNDONE")
    sell(s, undone, at=days_ago(6), order="SO-5")
    ledger.reverse_last_movement(s, undone, actor=None)
    found = _statement(s)
    assert [(x.serial, x.order_ref) for x in found.sold] == [("TWICE", "order SO-3")]
    assert found.owed == Decimal("100.00")
    assert found.on_hand == 1  # UNDONE is back in stock; BACK was paid and is with its customer again


def test_on_hand_at_the_end_of_a_past_period_is_rebuilt_from_the_ledger(session):
    s = session
    unit = consignment_stock(s)
    sold, bought, kept = (unit(serial, status=ItemStatus.EXPECTED) for serial in ("SOLD", "BOUGHT", "KEPT"))
    for listed in (sold, bought, kept):
        ledger.transition(s, listed, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RECEIVED, actor=None,
                          to_bin=unit.shelf, at=days_ago(30))
    ledger.change_ownership(s, bought, ownership="owned", actor=None, note="bought out", at=days_ago(3))
    sell(s, sold, at=days_ago(2), order="SO-1")
    assert _statement(s).on_hand == 1
    assert _statement(s, date_to=day(5).isoformat()).on_hand == 3
    assert _statement(s, date_to=day(3).isoformat()).on_hand == 2
    assert _statement(s, date_to=day(40).isoformat()).on_hand == 0


def test_two_settlements_at_once_end_with_one(app):
    from portal.extensions import db

    with app.app_context():
        unit = consignment_stock(db.session)
        sell(db.session, unit("A"), at=days_ago(5), order="SO-A")
        db.session.commit()
    codes = at_once(app, [lambda s, n=n: services.settle(s, supplier="CONS", until=day(n).isoformat(),
                                                          reference=f"R{n}", actor=None) for n in (2, 2, 3)])
    assert codes.count("done") >= 1 and set(codes) <= {"done", "already_settled"}
    with app.app_context():
        from portal.consignment.queries import settlements
        from portal.consignment.services import supplier_by_code

        rows = settlements(db.session, supplier_by_code(db.session, "CONS").id)
        assert sum(r.units for r in rows) == 1 and len({r.until for r in rows}) == len(rows)


def test_the_timeline_shows_the_settlement_that_paid_a_consignment_sale(session):
    """Issue 14.8: the item's timeline shows its sale paid to the supplier, under which reference."""
    s = session
    unit = consignment_stock(s)
    paid, owed = unit("PAID-1"), unit("OWED-1")
    sell(s, paid, at=days_ago(10), order="SO-P")
    sell(s, owed, at=days_ago(2), order="SO-O")
    services.settle(s, supplier="CONS", until=day(5).isoformat(), reference="CN-<b>77</b>", actor=None)
    s.flush()
    words = [(e.what, tuple(e.facts)) for e in item_timeline(s, paid.id)]
    assert ("Paid to the supplier", (f"settlement CN-<b>77</b>, sales up to {day(5).isoformat()}",
                                     "100.00")) in words
    assert not [w for w in item_timeline(s, owed.id) if w.what == "Paid to the supplier"]
