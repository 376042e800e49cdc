"""Catalog pages through the test client: roles enforced on the server,
active search, inline validation, 422 form fragments, bulk bins."""

import pytest
from sqlalchemy import func, select

from portal.models import Bin, Product, Supplier, Warehouse

HTMX = {"HX-Request": "true"}


def _count(fresh, model, *where):
    with fresh() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("role", ["receiver", "operator", "manager", "admin"])
def test_everyone_logged_in_may_view_the_lists(client_as, make_supplier, make_warehouse, role):
    make_supplier(code="NORD", name="Nordtek")
    warehouse = make_warehouse(code="AMS1")
    client = client_as(role)
    for url in ["/catalog/", "/catalog/suppliers", "/catalog/products", "/catalog/warehouses",
                f"/catalog/warehouses/{warehouse.id}/bins"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get("/catalog/suppliers").get_data(as_text=True)
    assert "Nordtek" in page
    assert ("New supplier" in page) == (role in ("manager", "admin"))


def test_anonymous_is_sent_to_login(client):
    response = client.get("/catalog/suppliers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["receiver", "operator"])
def test_receiver_and_operator_cannot_create_or_edit(client_as, make_supplier, make_warehouse, fresh, role):
    supplier = make_supplier(code="KEEP", name="Unchanged")
    warehouse = make_warehouse()
    client = client_as(role)
    attempts = [
        ("/catalog/suppliers/new", {"code": "NEW", "name": "New"}),
        ("/catalog/suppliers/validate", {"code": "NEW", "name": "New"}),
        (f"/catalog/suppliers/{supplier.id}/edit", {"code": "KEEP", "name": "Changed", "trusted": "y"}),
        ("/catalog/products/new", {"sku": "NEW", "name": "New"}),
        ("/catalog/warehouses/new", {"code": "NEWWH", "name": "New"}),
        (f"/catalog/warehouses/{warehouse.id}/bins/new", {"segment1": "A-B", "separator": "-"}),
    ]
    for url, data in attempts:
        assert client.post(url, data=data).status_code == 403, url
        assert client.get(url).status_code in (403, 405), url
    with fresh() as s:
        kept = s.get(Supplier, supplier.id)
        assert (kept.name, kept.trusted) == ("Unchanged", False)
        assert s.scalar(select(func.count()).select_from(Supplier)) == 1
        assert s.scalar(select(func.count()).select_from(Product)) == 0
        assert s.scalar(select(func.count()).select_from(Warehouse)) == 1
        assert s.scalar(select(func.count()).select_from(Bin)) == 2


def test_active_search_answers_only_the_table_fragment(client_as, make_supplier):
    make_supplier(code="NORD", name="Nordtek Distribution")
    make_supplier(code="SGE", name="Société Générale d'Électronique")
    client = client_as("receiver")
    response = client.get("/catalog/suppliers?q=nord", headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert text.lstrip().startswith('<div id="suppliers-table"') and "<html" not in text
    assert "Nordtek" in text and "Société" not in text
    # the same search without JavaScript: the whole page, the box keeps the text
    page = client.get("/catalog/suppliers?q=nord").get_data(as_text=True)
    assert "<html" in page and 'value="nord"' in page and "Société" not in page


def test_search_treats_wildcards_and_hostile_text_literally(client_as, make_supplier):
    make_supplier(code="A_B", name="Under_score")
    make_supplier(code="AXB", name="Plain")
    client = client_as("operator")
    text = client.get("/catalog/suppliers", query_string={"q": "_"}).get_data(as_text=True)
    assert "Under_score" in text and "Plain" not in text
    hostile = client.get("/catalog/suppliers", query_string={"q": "<script>alert(1)</script>' OR 1=1"})
    assert hostile.status_code == 200
    assert "<script>alert(1)</script>" not in hostile.get_data(as_text=True)


def test_lists_are_paginated(client_as, app):
    from portal.catalog.services import create_supplier
    from portal.extensions import db

    with app.app_context():
        for n in range(120):
            create_supplier(db.session, code=f"S{n:03d}", name=f"Supplier {n:03d}")
        db.session.commit()
    client = client_as("operator")
    first = client.get("/catalog/suppliers").get_data(as_text=True)
    assert "1–50 of 120 suppliers" in first and "S000" in first and "S050" not in first
    assert "Page 1 of 3" in first
    third = client.get("/catalog/suppliers?page=3").get_data(as_text=True)
    assert "101–120 of 120" in third and "S119" in third
    # nonsense page numbers land on a real page
    assert "Page 3 of 3" in client.get("/catalog/suppliers?page=999").get_data(as_text=True)
    # a page that is not a whole number is refused with a message, not guessed
    for bad in ("abc", "²", "-1", "1e3"):
        refused = client.get(f"/catalog/suppliers?page={bad}")
        assert refused.status_code == 422, bad
        assert "page must be a whole number" in refused.get_data(as_text=True)
    narrowed = client.get("/catalog/suppliers?q=S11&page=1").get_data(as_text=True)
    assert "10 suppliers" in narrowed and "Page 1" not in narrowed


def test_manager_creates_a_supplier(client_as, fresh):
    client = client_as("manager")
    response = client.post(
        "/catalog/suppliers/new",
        data={"code": " sge ", "name": "Société Générale d'Électronique", "trusted": "y"},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Supplier SGE created." in page
    with fresh() as s:
        supplier = s.scalar(select(Supplier).where(Supplier.code == "SGE"))
        assert supplier.name == "Société Générale d'Électronique" and supplier.trusted


def test_htmx_create_redirects_with_hx_redirect(client_as, fresh):
    client = client_as("admin")
    response = client.post("/catalog/warehouses/new", data={"code": "lyo1", "name": "Lyon"}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/catalog/warehouses"
    with fresh() as s:
        warehouse = s.scalar(select(Warehouse).where(Warehouse.code == "LYO1"))
        codes = set(s.scalars(select(Bin.code).where(Bin.warehouse_id == warehouse.id)))
    assert codes == {"DOCK", "QUARANTINE"}


def test_duplicate_sku_answers_422_with_the_form_fragment(client_as, make_product, fresh):
    make_product(sku="LAP-T14")
    client = client_as("manager")
    response = client.post(
        "/catalog/products/new",
        data={"sku": "lap-t14", "name": "Another laptop", "unit_cost": "-3", "warranty_months": "12"},
        headers=HTMX,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert text.lstrip().startswith('<form id="product-form"') and "<html" not in text
    assert "A product with SKU LAP-T14 already exists." in text
    assert "The unit cost cannot be negative." in text
    assert 'value="Another laptop"' in text  # nothing the user typed is lost
    assert _count(fresh, Product) == 1


def test_failed_submit_without_htmx_answers_the_whole_page_with_422(client_as):
    client = client_as("manager")
    response = client.post("/catalog/warehouses/new", data={"code": "bad code!", "name": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in text
    assert "uses only letters" in text and "name of 1 to 200 characters" in text


def test_hostile_input_is_shown_escaped(client_as, fresh):
    client = client_as("manager")
    hostile = '<script>alert("x")</script>'
    response = client.post("/catalog/suppliers/new", data={"code": hostile, "name": hostile}, headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>" not in text and "&lt;script&gt;" in text
    # a formula-looking name is stored as typed and shown escaped, never run
    response = client.post("/catalog/suppliers/new", data={"code": "F1", "name": "=cmd|' /C calc'!A0 <b>"})
    assert response.status_code == 303
    listing = client.get("/catalog/suppliers").get_data(as_text=True)
    assert "=cmd|&#39; /C calc&#39;!A0 &lt;b&gt;" in listing


def test_inline_validation_answers_the_form_with_messages_and_writes_nothing(client_as, make_supplier, fresh):
    make_supplier(code="NORD")
    client = client_as("manager")
    response = client.post("/catalog/suppliers/validate", data={"code": "nord", "name": "x"}, headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="field-code"' in text and "A supplier with code NORD already exists." in text
    ok = client.post("/catalog/suppliers/validate", data={"code": "NEW", "name": "x"}, headers=HTMX)
    assert "field-error" not in ok.get_data(as_text=True)
    assert _count(fresh, Supplier) == 1


def test_edit_validation_does_not_flag_the_own_code(client_as, make_supplier):
    supplier = make_supplier(code="NORD")
    client = client_as("manager")
    response = client.post(f"/catalog/suppliers/{supplier.id}/validate",
                           data={"code": "NORD", "name": "Renamed", "active": "y"}, headers=HTMX)
    assert "field-error" not in response.get_data(as_text=True)


def test_manager_edits_a_supplier_trusted_flag_and_a_product(client_as, make_supplier, make_product, fresh):
    supplier = make_supplier(code="NORD", name="Nordtek")
    product = make_product(sku="TON-1", unit_cost="10.00")
    client = client_as("manager")
    form = client.get(f"/catalog/suppliers/{supplier.id}/edit").get_data(as_text=True)
    assert 'value="Nordtek"' in form
    response = client.post(f"/catalog/suppliers/{supplier.id}/edit",
                           data={"code": "NORD", "name": "Nordtek GmbH", "trusted": "y", "active": "y"})
    assert response.status_code == 303
    response = client.post(f"/catalog/products/{product.id}/edit",
                           data={"sku": "TON-1", "name": "Toner black", "unit_cost": "12.30",
                                 "warranty_months": "0", "shelf_life_days": "730", "active": "y"})
    assert response.status_code == 303
    with fresh() as s:
        saved = s.get(Supplier, supplier.id)
        assert (saved.name, saved.trusted, saved.active) == ("Nordtek GmbH", True, True)
        toner = s.get(Product, product.id)
        assert (str(toner.unit_cost), toner.shelf_life_days) == ("12.30", 730)


def test_unknown_ids_answer_404(client_as):
    client = client_as("manager")
    assert client.get("/catalog/suppliers/999999/edit").status_code == 404
    assert client.get("/catalog/warehouses/999999/bins").status_code == 404


def test_missing_csrf_token_changes_nothing(client_as, fresh):
    client = client_as("manager")
    response = client.post("/catalog/suppliers/new", data={"code": "X", "name": "X"}, csrf=False)
    assert response.status_code == 400
    assert _count(fresh, Supplier) == 0


# --- bins ---------------------------------------------------------------------


def test_bins_list_shows_item_counts(client_as, make_warehouse, make_bin, make_item):
    warehouse = make_warehouse(code="AMS1")
    full = make_bin(warehouse_id=warehouse.id, code="A-01-1")
    make_bin(warehouse_id=warehouse.id, code="A-01-2")
    for _ in range(3):
        make_item(bin_id=full.id)
    client = client_as("receiver")
    text = client.get(f"/catalog/warehouses/{warehouse.id}/bins?q=a-01", headers=HTMX).get_data(as_text=True)
    rows = text.split("<tr")[2:]
    assert len(rows) == 2
    assert "A-01-1" in rows[0] and '<td data-label="Items" class="num">3</td>' in rows[0]
    assert "A-01-2" in rows[1] and '<td data-label="Items" class="num">0</td>' in rows[1]


def test_preview_counts_the_pattern_and_the_clashes(client_as, make_warehouse, make_bin):
    warehouse = make_warehouse()
    make_bin(warehouse_id=warehouse.id, code="A-01-1")
    client = client_as("manager")
    response = client.post(f"/catalog/warehouses/{warehouse.id}/bins/preview",
                           data={"segment1": "A-D", "segment2": "01-10", "segment3": "1-5", "separator": "-"},
                           headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>200 bins</strong>" in text and "A-01-1, A-01-2, A-01-3 … D-10-5" in text
    assert "1 of them exist already" in text
    bad = client.post(f"/catalog/warehouses/{warehouse.id}/bins/preview",
                      data={"segment1": "A-D", "segment2": "10-01", "separator": "-"}, headers=HTMX)
    assert "Segment 2: the range 10-01 runs backwards." in bad.get_data(as_text=True)


def test_bulk_create_200_bins_in_one_step(client_as, make_warehouse, fresh):
    warehouse = make_warehouse(code="AMS1")
    client = client_as("manager")
    response = client.post(f"/catalog/warehouses/{warehouse.id}/bins/new",
                           data={"segment1": "A-D", "segment2": "01-10", "segment3": "1-5", "separator": "-"})
    assert response.status_code == 303
    assert "Created 200 bins in AMS1." in client.get(response.headers["Location"]).get_data(as_text=True)
    with fresh() as s:
        codes = set(s.scalars(select(Bin.code).where(Bin.warehouse_id == warehouse.id)))
    assert len(codes) == 202 and {"A-01-1", "D-10-5", "DOCK", "QUARANTINE"} <= codes


def test_bulk_create_with_existing_bins_is_refused_unless_skipping(client_as, make_warehouse, make_bin, fresh):
    warehouse = make_warehouse(code="AMS1")
    make_bin(warehouse_id=warehouse.id, code="B-02-3")
    client = client_as("manager")
    data = {"segment1": "A-B", "segment2": "01-02", "segment3": "1-3", "separator": "-"}
    refused = client.post(f"/catalog/warehouses/{warehouse.id}/bins/new", data=data, headers=HTMX)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "1 of these 12 bins already exist in AMS1 (B-02-3); nothing was created." in text
    assert _count(fresh, Bin, Bin.warehouse_id == warehouse.id) == 3
    done = client.post(f"/catalog/warehouses/{warehouse.id}/bins/new", data={**data, "skip_existing": "y"},
                       headers=HTMX)
    assert done.status_code == 200 and "HX-Redirect" in done.headers
    assert _count(fresh, Bin, Bin.warehouse_id == warehouse.id) == 14


def test_too_big_a_pattern_is_refused_with_a_clear_message(client_as, make_warehouse, fresh):
    warehouse = make_warehouse()
    client = client_as("manager")
    response = client.post(f"/catalog/warehouses/{warehouse.id}/bins/new",
                           data={"segment1": "A-Z", "segment2": "001-999", "separator": "-"}, headers=HTMX)
    assert response.status_code == 422
    assert "This pattern makes 25,974 bins; at most 5,000" in response.get_data(as_text=True)
    assert _count(fresh, Bin, Bin.warehouse_id == warehouse.id) == 2


def test_edit_bin_refuses_a_duplicate_code(client_as, make_warehouse, make_bin, fresh):
    warehouse = make_warehouse()
    make_bin(warehouse_id=warehouse.id, code="A-1")
    other = make_bin(warehouse_id=warehouse.id, code="A-2")
    client = client_as("manager")
    response = client.post(f"/catalog/bins/{other.id}/edit", data={"code": "a-1", "active": "y"}, headers=HTMX)
    assert response.status_code == 422
    assert "Bin A-1 already exists in this warehouse." in response.get_data(as_text=True)
    ok = client.post(f"/catalog/bins/{other.id}/edit", data={"code": "A-3"})
    assert ok.status_code == 303
    with fresh() as s:
        assert s.get(Bin, other.id).code == "A-3" and s.get(Bin, other.id).active is False


def test_nul_and_control_characters_get_a_message_not_a_database_error(client_as, make_supplier, fresh):
    make_supplier(code="NORD", name="Nordtek")
    client = client_as("manager")
    response = client.post("/catalog/suppliers/new", data={"code": "NUL\x00", "name": "Bad\x00name"}, headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "uses only letters" in text and "cannot contain control characters" in text
    assert client.get("/catalog/suppliers", query_string={"q": "No\x00rd"}).status_code == 200
    assert client.post("/catalog/products/validate", data={"sku": "A\x00", "gtin": "1\x00"}).status_code == 200
    assert _count(fresh, Supplier) == 1
