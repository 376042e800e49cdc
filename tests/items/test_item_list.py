"""The item list: where report figures and home counts lead. Filters by
status, place, supplier, product and dates; paged; bad input is a message."""

from tests.reports.conftest import EVIL_NAME


def _serials(html: str) -> set[str]:
    import re

    return set(re.findall(r'<a class="serial" href="/items/[^"]+">([^<]+)</a>', html))


def test_filters_match_the_report_figures(fixed_warehouse, manager):
    in_stock = manager.get("/items/?status=in_stock").get_data(as_text=True)
    assert _serials(in_stock) >= {"S-TODAY", "S-OLD", "S-EXPD"} and "S-SHIP1" not in _serials(in_stock)
    acme_wh1 = manager.get("/items/?status=in_stock&supplier=acme&warehouse=WH1").get_data(as_text=True)
    assert {"S-TODAY", "S-B30", "S-B31"} <= _serials(acme_wh1) and "S-OLD" not in _serials(acme_wh1)
    assert _serials(manager.get("/items/?warehouse=WH1&bin=A-02&product=P-200").get_data(as_text=True)) == {"S-EXP"}
    start = fixed_warehouse.days_ago(29).isoformat()
    shipped = manager.get(f"/items/?status=sold&shipped_from={start}&shipped_to={fixed_warehouse.today}")
    assert _serials(shipped.get_data(as_text=True)) == {"S-SHIP1", "S-SHIP2", "S-SHIP3", "S-SHIP4"}  # the 4 FIFO
    received_from = fixed_warehouse.days_ago(364).isoformat()
    defective = manager.get(f"/items/?defect=yes&received_from={received_from}&received_to={fixed_warehouse.today}")
    assert len(_serials(defective.get_data(as_text=True))) == 9  # the report's figure, never-received D-E2 too


def test_paged(fixed_warehouse, make_item, manager):
    for n in range(60):
        make_item(serial=f"PG-{n:03d}")
    first = manager.get("/items/?status=in_stock").get_data(as_text=True)
    assert "Page 1 of 2" in first and 'href="/items/?page=2&amp;status=in_stock"' in first
    second = manager.get("/items/?status=in_stock&page=2").get_data(as_text=True)
    assert not (_serials(first) & _serials(second))


def test_bad_filters_say_what_is_wrong(fixed_warehouse, manager):
    bad_date = manager.get("/items/?received_from=yesterday")
    assert bad_date.status_code == 422 and "Not a valid date value" in bad_date.get_data(as_text=True)
    hostile = manager.get("/items/?supplier=%27%20OR%201%3D1--&status=in_stock")
    assert hostile.status_code == 200 and "No items found." in hostile.get_data(as_text=True)
    script = manager.get(f"/items/?product={EVIL_NAME}").get_data(as_text=True)
    assert EVIL_NAME not in script
    assert manager.get("/items/?status=nonsense").status_code == 422
    assert manager.get("/items/?bin=" + "X" * 100).status_code == 422


def test_an_order_lists_its_units_and_nothing_else(fixed_warehouse, make_item, manager):
    """Issue 12.10: the item page's order link leads to that order's units
    (before, the item list had no order filter and listed every item)."""
    for n, order_ref in enumerate(("SO-100", "SO-100", "SO-200", "so-100")):
        make_item(serial=f"ORD-{n}", status="sold", order_ref=order_ref)
    listed = manager.get("/items/?order_ref=SO-100")
    assert listed.status_code == 200 and _serials(listed.get_data(as_text=True)) == {"ORD-0", "ORD-1"}
    page = manager.get("/items/ORD-0").get_data(as_text=True)
    assert 'href="/items/?order_ref=SO-100"' in page
    assert manager.get("/items/?order_ref=" + "X" * 101).status_code == 422
