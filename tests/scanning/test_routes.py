"""The scan pages and their endpoints through the test client."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Movement, SerialItem
from portal.scanning.models import ScanLog
from tests import factories

TASK_SLUGS = ["put-away", "move", "count", "ship", "defect", "lookup"]


@pytest.fixture
def world(app):
    with app.app_context():
        s = db.session
        wh = factories.warehouse(s, code="WH1")
        a = factories.bin_(s, warehouse_id=wh.id, code="A-01")
        b = factories.bin_(s, warehouse_id=wh.id, code="B-02")
        product = factories.product(s)
        supplier = factories.supplier(s)
        serials = []
        for n in range(5):
            item = factories.item(s, serial=f"EXP-{n}", status="expected", product_id=product.id,
                                  supplier_id=supplier.id)
            serials.append(item.serial)
        stock = factories.item(s, serial="STOCK-1", status="in_stock", bin_id=b.id, product_id=product.id,
                               supplier_id=supplier.id)
        s.commit()
        return {"wh": "WH1", "a": a.id, "b": b.id, "expected": serials, "stock": stock.serial}


def post_scan(client, task, code, *, session_key, scan_id=None):
    return client.post(f"/scan/{task}/scans", data={
        "client_scan_id": scan_id or uuid.uuid4().hex, "code": code, "session": session_key,
    })


def answer_of(response):
    return json.loads(response.headers["HX-Trigger"])["scan:result"]


@pytest.mark.parametrize("slug", TASK_SLUGS)
def test_every_task_page_has_one_focused_scan_field_with_no_soft_keyboard(client_as, slug):
    client = client_as("operator")
    page = client.get(f"/scan/{slug}").get_data(as_text=True)
    assert page.count('id="scan-code"') == 1
    assert 'inputmode="none"' in page and "autofocus" in page
    assert "Type by hand" in page and "Undo last scan" in page and "Camera" in page
    assert '<script type="module" src="/static/js/scan/station.js">' in page
    assert "<script>" not in page and "style=" not in page


def test_unknown_task_is_404_and_managers_only_pages_stay_closed(client_as):
    assert client_as("operator").get("/scan/juggle").status_code == 404
    # receivers may scan; the pages are behind login for everyone else
    assert client_as("receiver").get("/scan/put-away").status_code == 200


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get("/scan/put-away").status_code == 302
    assert client.post("/scan/put-away/scans", data={}).status_code in (302, 400)


def test_a_scan_needs_the_csrf_token(client_as, world):
    client = client_as("operator")
    response = client.post("/scan/put-away/scans", data={"client_scan_id": uuid.uuid4().hex, "code": "X",
                                                          "session": uuid.uuid4().hex}, csrf=False)
    assert response.status_code == 400


def test_put_away_through_the_page_answers_with_the_row(client_as, world, fresh):
    client = client_as("operator")
    key = uuid.uuid4().hex
    first = post_scan(client, "put-away", "BIN:WH1/A-01", session_key=key)
    assert answer_of(first)["context"]["bin"] == "WH1/A-01"
    response = post_scan(client, "put-away", world["expected"][0], session_key=key)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="scan-row scan-accepted"' in html and world["expected"][0] in html
    assert answer_of(response)["result"] == "accepted"
    with fresh() as s:
        assert s.scalar(select(SerialItem.status).where(SerialItem.serial == world["expected"][0])) == "in_stock"
    # the page lists it after a reload, newest on top
    page = client.get("/scan/put-away").get_data(as_text=True)
    assert page.index(world["expected"][0]) < page.index("BIN:WH1/A-01")


def test_a_resent_scan_returns_the_first_answer_and_records_nothing(client_as, world, fresh):
    client = client_as("operator")
    key = uuid.uuid4().hex
    post_scan(client, "put-away", "BIN:WH1/A-01", session_key=key)
    scan_id = uuid.uuid4().hex
    first = answer_of(post_scan(client, "put-away", world["expected"][1], session_key=key, scan_id=scan_id))
    again = answer_of(post_scan(client, "put-away", world["expected"][1], session_key=key, scan_id=scan_id))
    assert first["result"] == again["result"] == "accepted"
    assert again["message"] == first["message"] and again["replayed"] is True
    refused_id = uuid.uuid4().hex
    r1 = answer_of(post_scan(client, "put-away", "NOT-A-SERIAL", session_key=key, scan_id=refused_id))
    r2 = answer_of(post_scan(client, "put-away", "NOT-A-SERIAL", session_key=key, scan_id=refused_id))
    assert r1["result"] == r2["result"] == "refused" and r2["replayed"]
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(Movement).where(Movement.client_scan_id == scan_id)) == 1
        assert s.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.client_scan_id.in_(
            [scan_id, refused_id]))) == 2


def test_hostile_text_is_refused_and_shown_as_text(client_as, world):
    client = client_as("operator")
    key = uuid.uuid4().hex
    post_scan(client, "put-away", "BIN:WH1/A-01", session_key=key)
    for code in ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "'; DROP TABLE serial_items; --"]:
        response = post_scan(client, "put-away", code, session_key=key)
        assert response.status_code == 200 and answer_of(response)["result"] == "refused"
        assert "<script>" not in response.get_data(as_text=True)
    page = client.get("/scan/put-away").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_undo_through_the_page(client_as, world, fresh):
    client = client_as("operator")
    key = uuid.uuid4().hex
    post_scan(client, "move", "BIN:WH1/A-01", session_key=key)
    moved = answer_of(post_scan(client, "move", world["stock"], session_key=key))
    assert moved["undoable"] is True
    response = client.post(
        "/scan/move/undo", data={"client_scan_id": uuid.uuid4().hex, "target": moved["client_scan_id"]}
    )
    assert answer_of(response)["result"] == "accepted"
    with fresh() as s:
        item = s.scalars(select(SerialItem).where(SerialItem.serial == world["stock"])).one()
        assert item.bin_id == world["b"]
        kinds = s.scalars(select(Movement.kind).where(Movement.item_id == item.id).order_by(Movement.id)).all()
        assert kinds[-1] == "reversed"


def test_context_endpoint_shows_the_sticky_bin(client_as, world):
    client = client_as("operator")
    key = uuid.uuid4().hex
    post_scan(client, "move", "BIN:WH1/B-02", session_key=key)
    html = client.get(f"/scan/move/context?session={key}").get_data(as_text=True)
    assert "WH1/B-02" in html


def test_ship_new_order_then_serials(client_as, world, fresh):
    client = client_as("operator")
    key = uuid.uuid4().hex
    assert answer_of(post_scan(client, "ship", "SO-77", session_key=key))["context"]["order_ref"] == "SO-77"
    assert answer_of(post_scan(client, "ship", world["stock"], session_key=key))["result"] == "accepted"
    response = client.post("/scan/ship/new-order", data={"session": key, "client_scan_id": uuid.uuid4().hex})
    assert "Order SO-77 closed" in answer_of(response)["message"]
    with fresh() as s:
        assert s.scalar(select(SerialItem.order_ref).where(SerialItem.serial == world["stock"])) == "SO-77"


def test_count_finish_and_apply_through_the_page(client_as, world, fresh):
    client = client_as("operator")
    key = uuid.uuid4().hex
    post_scan(client, "count", "BIN:WH1/B-02", session_key=key)
    post_scan(client, "count", world["expected"][2], session_key=key)  # unexpected: not received yet
    html = client.post("/scan/count/finish", data={"session": key}).get_data(as_text=True)
    assert "1</strong> found" not in html
    assert world["stock"] in html and world["expected"][2] in html  # missing and unexpected
    count_id = html.split('data-count-id="')[1].split('"')[0]
    applied = client.post("/scan/count/apply", data={"session": key, "count_id": count_id},
                          headers={"HX-Request": "true"})
    assert applied.status_code == 200 and "applied" in applied.get_data(as_text=True)
    again = client.post("/scan/count/apply", data={"session": key, "count_id": count_id},
                        headers={"HX-Request": "true"})
    assert again.status_code == 422 and "already applied" in again.get_data(as_text=True)
    with fresh() as s:
        status = dict(s.execute(select(SerialItem.serial, SerialItem.status)).all())
        assert status[world["stock"]] == "missing" and status[world["expected"][2]] == "in_stock"


def test_device_check_page_has_three_printable_barcodes_and_reads_codes(client_as):
    client = client_as("operator")
    page = client.get("/scan/device-check").get_data(as_text=True)
    assert page.count('src="data:image/svg+xml;base64,') == 3
    assert "BIN:" in page and "(21)SN-GS1-0001" in page and "cdn" not in page.lower()
    read = client.get("/scan/device-check/read", query_string={"code": "]C10109501101530003\x1d21SN9"}).get_json()
    assert read["kind"] == "serial" and "SN9" in read["message"] and "GTIN 09501101530003" in read["message"]
    assert read["shown"] == "]C10109501101530003<GS>21SN9"
    assert client.get("/scan/device-check/read", query_string={"code": "BIN:WH1/A-1"}).get_json()["kind"] == "bin"


def test_fixed_number_of_statements_per_scan_whatever_the_database_size(app, client_as, world, statements):
    """The same scans cost the same SQL statements with 10 or 300 more items around."""
    client = client_as("operator")

    def statements_for(serial_code, bin_label, key):
        post_scan(client, "move", bin_label, session_key=key)
        with statements() as seen:
            response = post_scan(client, "move", serial_code, session_key=key)
        assert answer_of(response)["result"] == "accepted", answer_of(response)["message"]
        return len(seen), seen

    small, small_sql = statements_for(world["stock"], "BIN:WH1/A-01", uuid.uuid4().hex)
    with app.app_context():
        s = db.session
        product = factories.product(s)
        supplier = factories.supplier(s)
        for n in range(300):
            factories.item(s, serial=f"BULK-{n:04d}", status="in_stock", bin_id=world["a"],
                           product_id=product.id, supplier_id=supplier.id)
        s.commit()
    large, large_sql = statements_for(world["stock"], "BIN:WH1/B-02", uuid.uuid4().hex)
    assert small == large, (small_sql, large_sql)
    print("STATEMENTS", small, *[" ".join(q.split()[:5]) for q in small_sql], sep="\n")
    # 9, plus the running count shown in the header ("12 in this bin") and the feed's clock (portal.feed.clock)
    assert small <= 11, small_sql
