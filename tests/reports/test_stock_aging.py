"""Stock aging figures against the hand-worked fixed warehouse (conftest).

In stock today (T): age = days from the receipt day to T.
  S-TODAY  P-100 ACME  WH1/A-01  age 0    10.00    0-30 (received today)
  S-B30    P-100 ACME  WH1/A-01  age 30   10.00    0-30 (on the boundary, 23:59:59)
  S-B31    P-100 ACME  WH1/A-02  age 31   10.00    31-60 (00:00:00)
  S-E1     P-100 EVIL  WH1/A-01  age 60   12.00    31-60 (upper boundary; own cost)
  S-EXP    P-200 CLEAN WH1/A-02  age 95   25.00    91-180, expires T+5 (near)
  S-EXPD   P-200 EVIL  WH2/B-01  age 120  25.00    91-180, expired T-20
  S-SOLO   P-300 SOLO  WH1/A-01  age 200   4.00    181-365, consignment
  S-OLD    P-300 CLEAN WH2/B-01  age 400   3.50    over 365 (own cost)
  8 units, 99.50, ages sum 936 -> average 117.0, oldest 400.
FIFO (30 days): 4 shipments, 2 oldest-first (see conftest).
"""

from datetime import timedelta

import pytest

from portal.extensions import db
from tests.reports.conftest import EVIL_NAME


def _rows(body, table):
    return body["tables"][table]["rows"]


def test_figures_equal_the_hand_worked_ones(fixed_warehouse, manager):
    body = manager.get("/reports/stock-aging.json").get_json()
    summary = body["summary"]
    assert summary["units"] == 8
    assert summary["value"] == pytest.approx(99.50)
    assert summary["average_age"] == pytest.approx(117.0)
    assert summary["oldest_age"] == 400
    assert summary["expired_units"] == 1
    assert summary["near_expiry_units"] == 1
    assert summary["fifo"] == {"value": 0.5, "numerator": 2, "denominator": 4}
    buckets = {r["bucket"]: (r["units"], r["value"]) for r in _rows(body, "buckets")}
    assert buckets == {
        "0–30 days": (2, 20.0), "31–60 days": (2, 22.0), "61–90 days": (0, 0.0),
        "91–180 days": (2, 50.0), "181–365 days": (1, 4.0), "over 365 days": (1, 3.5),
    }


def test_breakdowns_by_product_supplier_and_warehouse(fixed_warehouse, manager):
    body = manager.get("/reports/stock-aging.json").get_json()
    products = {r["sku"]: r for r in _rows(body, "by_product")}
    assert products["P-100"]["units"] == 4 and products["P-100"]["value"] == pytest.approx(42.0)
    assert products["P-100"]["average_age"] == pytest.approx(30.2)  # (0+30+31+60)/4 = 30.25, shown to 0.1
    assert products["P-100"]["oldest_age"] == 60
    assert [products["P-100"][f"b{i}"] for i in range(6)] == [2, 2, 0, 0, 0, 0]
    assert products["P-300"]["average_age"] == pytest.approx(300.0)
    assert [products["P-300"][f"b{i}"] for i in range(6)] == [0, 0, 0, 0, 1, 1]
    suppliers = {r["supplier_code"]: r for r in _rows(body, "by_supplier")}
    assert {k: v["units"] for k, v in suppliers.items()} == {"ACME": 3, "EVIL": 2, "CLEAN": 2, "SOLO": 1}
    assert suppliers["EVIL"]["supplier_name"] == EVIL_NAME
    assert suppliers["SOLO"]["average_age"] == 200 and suppliers["SOLO"]["oldest_age"] == 200
    warehouses = {r["warehouse_code"]: r for r in _rows(body, "by_warehouse")}
    assert warehouses["WH1"]["units"] == 6 and warehouses["WH1"]["value"] == pytest.approx(71.0)
    assert warehouses["WH2"]["units"] == 2 and warehouses["WH2"]["value"] == pytest.approx(28.5)
    assert warehouses["WH2"]["oldest_age"] == 400


def test_oldest_units_are_the_fifo_pick_list_with_bins(fixed_warehouse, manager):
    body = manager.get("/reports/stock-aging.json").get_json()
    oldest = _rows(body, "oldest")
    assert [(r["serial"], r["bin"], r["age_days"]) for r in oldest] == [
        ("S-OLD", "B-01", 400), ("S-SOLO", "A-01", 200), ("S-EXPD", "B-01", 120), ("S-EXP", "A-02", 95),
        ("S-E1", "A-01", 60), ("S-B31", "A-02", 31), ("S-B30", "A-01", 30), ("S-TODAY", "A-01", 0),
    ]


def test_units_past_or_near_expiry(fixed_warehouse, manager):
    body = manager.get("/reports/stock-aging.json").get_json()
    expiry = _rows(body, "expiry")
    assert [(r["serial"], r["days_left"]) for r in expiry] == [("S-EXPD", -20), ("S-EXP", 5)]
    assert expiry[0]["expires_on"] == fixed_warehouse.days_ago(20).isoformat()
    # a window of 4 days leaves S-EXP (5 days left) out
    narrow = manager.get("/reports/stock-aging.json?near_expiry_days=4").get_json()
    assert narrow["summary"]["near_expiry_units"] == 0
    assert [r["serial"] for r in _rows(narrow, "expiry")] == ["S-EXPD"]


def test_fifo_compliance_by_product(fixed_warehouse, manager):
    body = manager.get("/reports/stock-aging.json").get_json()
    fifo = {r["sku"]: (r["shipped"], r["oldest_first"]) for r in _rows(body, "fifo")}
    # P-100: S-SHIP3 (S-SHIP4 older, still in stock then), S-SHIP4 (oldest), S-SHIP1 (S-E1 older) -> 1 of 3
    # P-300: S-SHIP2 oldest in WH1 -> 1 of 1. S-SHIP-OLD shipped 45 days ago is outside the period.
    assert fifo == {"P-100": (3, 1), "P-300": (1, 1)}
    longer = manager.get("/reports/stock-aging.json?fifo_days=46").get_json()
    assert longer["summary"]["fifo"]["denominator"] == 5  # S-SHIP-OLD now inside
    shorter = manager.get("/reports/stock-aging.json?fifo_days=6").get_json()
    # T-5 (S-SHIP1, not oldest) and T-3 (S-SHIP2, oldest)
    assert shorter["summary"]["fifo"] == {"value": 0.5, "numerator": 1, "denominator": 2}


@pytest.mark.parametrize(
    "query, units, value",
    [
        ("warehouse=WH2", 2, 28.5),
        ("warehouse=wh1", 6, 71.0),
        ("supplier=SOLO", 1, 4.0),
        ("product=P-200", 2, 50.0),
        ("ownership=consignment", 1, 4.0),
        ("condition=damaged", 0, 0.0),
        ("warehouse=WH1&supplier=EVIL", 1, 12.0),
    ],
)
def test_filters(fixed_warehouse, manager, query, units, value):
    body = manager.get(f"/reports/stock-aging.json?{query}").get_json()
    assert body["summary"]["units"] == units
    assert body["summary"]["value"] == pytest.approx(value)


def test_as_of_a_past_date_reads_the_ledger(fixed_warehouse, manager):
    """At the end of T-10: S-TODAY not yet received, S-SHIP3 shipped that morning,
    S-SHIP1, S-SHIP2, S-SHIP4 still in stock, defective and missing units gone."""
    as_of = fixed_warehouse.days_ago(10).isoformat()
    body = manager.get(f"/reports/stock-aging.json?as_of={as_of}").get_json()
    summary = body["summary"]
    assert summary["units"] == 10
    assert summary["value"] == pytest.approx(113.5)
    assert summary["average_age"] == pytest.approx(146.6)  # 1466 / 10
    assert summary["oldest_age"] == 490  # S-SHIP2, received 500 days before T
    assert [r["units"] for r in _rows(body, "buckets")] == [2, 2, 2, 1, 1, 2]
    oldest = _rows(body, "oldest")
    assert (oldest[0]["serial"], oldest[0]["bin"]) == ("S-SHIP2", "A-01")


def test_today_through_the_ledger_agrees_with_item_status(fixed_warehouse, app):
    """The two ways of finding stock (item status, ledger) agree on the same moment."""
    from portal.reports import queries
    from portal.reports.filters import AgingFilters

    with app.app_context():
        today = fixed_warehouse.today
        current = queries.aging_groups(db.session, AgingFilters(as_of=today), [30, 60, 90, 180, 365])
        queries_today = queries.today
        try:
            queries.today = lambda: today.replace(year=today.year + 1)  # force the ledger path
            ledger = queries.aging_groups(db.session, AgingFilters(as_of=today), [30, 60, 90, 180, 365])
        finally:
            queries.today = queries_today
    key = ["product_id", "supplier_id", "warehouse_id"]
    measures = ["units", "age_days", "oldest_age", "expired_units", "near_expiry_units", *[f"b{i}" for i in range(6)]]
    assert len(current) == 6  # (product, supplier, warehouse) holding stock
    assert current.sort_values(key).reset_index(drop=True)[key + measures].equals(
        ledger.sort_values(key).reset_index(drop=True)[key + measures]
    )


def test_configured_buckets(fixed_warehouse, app, manager):
    app.config["AGING_BUCKETS"] = [7, 100]
    body = manager.get("/reports/stock-aging.json").get_json()
    assert {r["bucket"]: r["units"] for r in _rows(body, "buckets")} == {
        "0–7 days": 1, "8–100 days": 4, "over 100 days": 3,
    }


def test_queries_do_not_grow_with_the_data(fixed_warehouse, statements, manager, make_item):
    def count_queries():
        with statements() as seen:
            assert manager.get("/reports/stock-aging.json").status_code == 200
        return len(seen)

    before = count_queries()
    for _ in range(5):
        make_item()
    assert count_queries() == before


@pytest.mark.parametrize(
    "query, field",
    [
        ("as_of=yesterday", "as_of"),
        ("as_of=2999-01-01", "as_of"),
        ("warehouse=NOPE", "warehouse"),
        ("condition=broken", "condition"),
        ("near_expiry_days=-1", "near_expiry_days"),
        ("fifo_days=1000", "fifo_days"),
        ("product=%27%3B%20DROP%20TABLE%20products%3B--", "product"),
    ],
)
def test_bad_filters_get_a_clear_message(fixed_warehouse, manager, client, query, field):
    api = client.get(f"/api/v1/reports/stock-aging?{query}",
                     headers={"Authorization": f"Bearer {fixed_warehouse.manager_token}"})
    assert api.status_code == 422
    assert api.get_json()["error"]["details"] == {"field": field}
    page = manager.get(f"/reports/stock-aging?{query}")
    assert page.status_code == 422
    assert 'role="alert"' in page.get_data(as_text=True)
    fragment = manager.get(f"/reports/stock-aging?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 422
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="report"') and "<form" not in html


@pytest.mark.parametrize("query", ["supplier=AC%00ME", "as_of=2026-01-01%00", "product=%1B%5B2J"])
def test_control_characters_are_refused_not_a_database_error(fixed_warehouse, manager, client, query):
    assert manager.get(f"/reports/stock-aging?{query}").status_code == 422
    assert manager.get(f"/reports/stock-aging.pdf?{query}").status_code == 422
    api = client.get(f"/api/v1/reports/stock-aging?{query}",
                     headers={"Authorization": f"Bearer {fixed_warehouse.manager_token}"})
    assert api.status_code in (400, 422) and api.get_json()["error"]["message"]


def test_nothing_to_report(app, manager):
    body = manager.get("/reports/stock-aging.json").get_json()
    assert body["empty"] is True
    assert body["summary"]["units"] == 0
    assert all(table["rows"] == [] or key == "buckets" for key, table in body["tables"].items())
    page = manager.get("/reports/stock-aging")
    assert page.status_code == 200
    assert "Nothing to report" in page.get_data(as_text=True)


def test_preview_page_and_fragment(fixed_warehouse, manager):
    page = manager.get("/reports/stock-aging?warehouse=WH2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'hx-get="/reports/stock-aging"' in html and 'hx-push-url="true"' in html
    assert '<option value="WH2" selected>' in html
    assert "/reports/stock-aging.pdf?" in html and "warehouse=WH2" in html
    assert "<svg" in html  # the chart
    fragment = manager.get("/reports/stock-aging?warehouse=WH2", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"]
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="report"' in text
    assert 'id="fact-units"' in text
    # the headline figure links to the items behind it, with the report's filters
    assert '<dd><a href="/items/?status=in_stock&amp;warehouse=WH2">2</a></dd>' in text


def test_supplier_name_is_escaped_in_html(fixed_warehouse, manager):
    html = manager.get("/reports/stock-aging").get_data(as_text=True)
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("role, status", [("operator", 403), ("receiver", 403), ("manager", 200), ("admin", 200)])
def test_only_managers_see_reports(app, client_as, role, status):
    client = client_as(role)
    for path in ["/reports/", "/reports/stock-aging", "/reports/stock-aging.csv", "/reports/defects-by-supplier",
                 "/reports/labels"]:
        assert client.get(path).status_code == status, path


def test_anonymous_users_are_sent_to_log_in(app, client):
    assert client.get("/reports/stock-aging.pdf").status_code == 302


def test_oldest_units_read_through_the_group_minima_bound(fixed_warehouse, manager, monkeypatch):
    """With more groups than listed units, only the oldest slice is read: same answer."""
    from portal.reports import aging

    monkeypatch.setattr(aging, "OLDEST_LIMIT", 3)
    body = manager.get("/reports/stock-aging.json").get_json()
    assert [r["serial"] for r in _rows(body, "oldest")] == ["S-OLD", "S-SOLO", "S-EXPD"]


def _put_in_stock(app, serial, sku, received_at, *, expires_at=None, stored_as_text=None):
    """A unit of ``sku`` in stock in WH1/A-01, received at ``received_at``.
    ``stored_as_text``: on SQLite, the timestamp exactly as another writer
    stored it (e.g. without fractional seconds)."""
    from sqlalchemy import select, text

    from portal.models import Bin, Movement, Product, SerialItem, Supplier

    with app.app_context():
        s = db.session
        product = s.scalar(select(Product).where(Product.sku == sku))
        supplier = s.scalar(select(Supplier).where(Supplier.code == "ACME"))
        bin_ = s.scalar(select(Bin).where(Bin.code == "A-01"))
        item = SerialItem(serial=serial, serial_key=serial, product_id=product.id, supplier_id=supplier.id,
                          status="in_stock", bin_id=bin_.id, warehouse_id=bin_.warehouse_id,
                          received_at=received_at, expires_at=expires_at)
        s.add(item)
        s.flush()
        s.add(Movement(item_id=item.id, kind="received", from_status="expected", to_status="in_stock",
                       to_bin_id=bin_.id, at=received_at))
        if stored_as_text and s.get_bind().dialect.name == "sqlite":
            s.execute(text("UPDATE serial_items SET received_at = :at WHERE id = :id"),
                      {"at": stored_as_text, "id": item.id})
        s.commit()


@pytest.mark.parametrize("grouping", ["packed", "filtered"])
def test_receipts_at_midnight_and_just_before_count_whole_days(fixed_warehouse, app, manager, monkeypatch,
                                                               grouping):
    """Ages are whole calendar days, whatever the time of day or the stored
    precision: received at 00:00:00 thirty days ago (stored without fractional
    seconds, as a bulk load may write it) is 30 days old, in 0-30; received
    at 23:59:59.999999 thirty-one days ago is 31 days old, in 31-60. Both ways
    of grouping (see the next test) agree."""
    from datetime import datetime, time, timedelta

    from portal.catalog import services as catalog
    from portal.reports import queries

    if grouping == "filtered":
        monkeypatch.setattr(queries, "_id_ranges", lambda session, top=64: None)

    with app.app_context():
        catalog.create_product(db.session, sku="P-900", name="Fuse", unit_cost="1.00")
        db.session.commit()
    day30, day31 = fixed_warehouse.days_ago(30), fixed_warehouse.days_ago(31)
    _put_in_stock(app, "M-30", "P-900", datetime.combine(day30, time()),
                  stored_as_text=f"{day30.isoformat()} 00:00:00")
    _put_in_stock(app, "M-31", "P-900", datetime.combine(day31, time()) + timedelta(days=1, microseconds=-1))
    body = manager.get("/reports/stock-aging.json?product=P-900").get_json()
    fuse = _rows(body, "by_product")[0]
    assert (fuse["units"], fuse["b0"], fuse["b1"], fuse["oldest_age"]) == (2, 1, 1, 31)
    assert fuse["average_age"] == pytest.approx(30.5)
    assert [(r["bucket"], r["units"]) for r in _rows(body, "buckets")][:2] == [("0–30 days", 1), ("31–60 days", 1)]
    assert [(r["serial"], r["age_days"]) for r in _rows(body, "oldest")] == [("M-31", 31), ("M-30", 30)]


def test_a_young_unit_with_its_own_expiry_date_is_listed(fixed_warehouse, app, manager):
    """The expiry list reads only units received up to the youngest expiring
    one: a unit received today that expires in two days is still found, and a
    unit of a shelf-life product whose own expiry date is far off is not."""
    from datetime import datetime, timedelta

    today = fixed_warehouse.today
    _put_in_stock(app, "S-NEW", "P-100", datetime.combine(today, datetime.min.time()),
                  expires_at=today + timedelta(days=2))
    _put_in_stock(app, "S-LONG", "P-200", datetime.combine(fixed_warehouse.days_ago(150), datetime.min.time()),
                  expires_at=today + timedelta(days=300))
    body = manager.get("/reports/stock-aging.json").get_json()
    assert [(r["serial"], r["days_left"]) for r in _rows(body, "expiry")] == [
        ("S-EXPD", -20), ("S-NEW", 2), ("S-EXP", 5)]
    assert (body["summary"]["expired_units"], body["summary"]["near_expiry_units"]) == (1, 2)


def test_the_report_is_the_same_however_the_database_groups(fixed_warehouse, manager, monkeypatch):
    """SQLite groups by one packed integer key unless the ids are too large to
    pack; then it groups like PostgreSQL, by filtered sums per bucket. Same
    figures either way (on PostgreSQL both requests take the second way)."""
    from portal.reports import queries

    packed = manager.get("/reports/stock-aging.json?near_expiry_days=40").get_json()
    monkeypatch.setattr(queries, "_id_ranges", lambda session, top=64: None)
    filtered = manager.get("/reports/stock-aging.json?near_expiry_days=40").get_json()
    for body in (packed, filtered):
        body.pop("generated_at", None)
    assert packed == filtered
    assert packed["summary"]["units"] == 8 and packed["summary"]["near_expiry_units"] == 1


def test_totals_rows_and_expiry_in_words(fixed_warehouse, manager):
    html = manager.get("/reports/stock-aging").get_data(as_text=True)
    section = html.split('id="table-by_supplier"', 1)[1].split("</section>", 1)[0]
    assert "<tfoot>" in section and "Total (4 rows)" in section and ">99.50<" in section
    buckets = html.split('id="table-buckets"', 1)[1].split("</section>", 1)[0]
    assert "100.00 %" in buckets.split("<tfoot>", 1)[1]
    expiry = html.split('id="table-expiry"', 1)[1].split("</section>", 1)[0]
    assert "expired 20 days ago" in expiry and "5 days left" in expiry and ">-20<" not in expiry
    totals = manager.get("/reports/stock-aging.json").get_json()["tables"]["by_product"]["totals"]
    assert totals["units"] == 8 and totals["value"] == 99.5 and totals["oldest_age"] == 400


def test_headline_figures_link_to_the_records(fixed_warehouse, manager):
    html = manager.get("/reports/stock-aging?supplier=ACME").get_data(as_text=True)
    assert '<a href="/items/?status=in_stock&amp;supplier=ACME">' in html
    fifo = html.split('id="fact-fifo"', 1)[1].split("</div>", 1)[0]
    start = (fixed_warehouse.today - timedelta(days=29)).isoformat()
    assert f"/items/?shipped_from={start}&amp;shipped_to={fixed_warehouse.today}" in fifo
    assert 'href="#table-expiry"' in html
    past = manager.get(f"/reports/stock-aging?as_of={fixed_warehouse.days_ago(10)}").get_data(as_text=True)
    units = past.split('id="fact-units"', 1)[1].split("</div>", 1)[0]
    assert "<a " not in units  # today's item list is not what was in stock then
