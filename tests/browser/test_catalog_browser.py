"""The catalog in Debian's Chromium: active search as you type, inline
validation without a reload, and every page readable on a 360 px handheld."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _mark_page(page):
    """A marker that a full page load would wipe out."""
    page.evaluate("window.__notReloaded = true")


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def test_active_search_narrows_the_supplier_list_as_you_type(page, live_server, make_user, make_supplier,
                                                             browser_login):
    make_supplier(code="NORDTEK", name="Nordtek Distribution GmbH")
    make_supplier(code="SGE", name="Société Générale d'Électronique")
    make_supplier(code="PACIFIC", name="Pacific Rim Trading Ltd.")
    browser_login(page, live_server, make_user(role="receiver"))
    page.goto(f"{live_server}/catalog/suppliers")
    rows = page.locator("#suppliers-table tbody tr")
    expect(rows).to_have_count(3)
    _mark_page(page)
    page.locator("#catalog-q").click()
    page.keyboard.type("géné", delay=30)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Société Générale d'Électronique")
    expect(page).to_have_url(f"{live_server}/catalog/suppliers?q=g%C3%A9n%C3%A9")
    page.locator("#catalog-q").fill("")
    page.locator("#catalog-q").type("x")  # "input changed" with nothing matching
    expect(page.locator("#suppliers-table")).to_contain_text("No suppliers found.")
    assert _not_reloaded(page)


def test_duplicate_sku_shows_the_inline_error_without_reloading(page, live_server, make_user, make_product,
                                                                browser_login):
    make_product(sku="LAP-T14G4", name="Lenovo ThinkPad T14 Gen 4")
    browser_login(page, live_server, make_user(role="manager"))
    page.goto(f"{live_server}/catalog/products/new")
    _mark_page(page)
    page.fill("#sku", "lap-t14g4")
    page.locator("#sku").press("Tab")  # change fires: the field validates itself
    expect(page.locator("#field-sku .field-error")).to_have_text("A product with SKU LAP-T14G4 already exists.")
    expect(page.locator("#sku")).to_have_attribute("aria-invalid", "true")
    # the other fields are untouched, and submitting keeps everything typed
    page.fill("#name", "Another laptop")
    page.fill("#unit_cost", "-1")
    page.click("#product-form button[type=submit]")
    expect(page.locator("#field-unit_cost .field-error")).to_have_text("The unit cost cannot be negative.")
    expect(page.locator("#field-sku .field-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Another laptop")
    assert _not_reloaded(page)
    # fixed, it saves and lands on the list
    page.fill("#sku", "LAP-T14G5")
    page.fill("#unit_cost", "1049.00")
    page.click("#product-form button[type=submit]")
    expect(page.locator(".message-success")).to_have_text("Product LAP-T14G5 created.")


def test_pages_fit_a_360_px_handheld_without_sideways_scrolling(
        page, live_server, make_user, make_supplier, make_product, make_warehouse, make_bin, make_item,
        browser_login):
    supplier = make_supplier(code="SGE", name="Société Générale d'Électronique et de Télécommunications")
    product = make_product(sku="PHN-APL-IP15P-256", name="Apple iPhone 15 Pro, 256 GB, natural titanium",
                           gtin="4006381333931", shelf_life_days=730)
    warehouse = make_warehouse(code="AMS1", name="Amsterdam Central Warehouse")
    bin_ = make_bin(warehouse_id=warehouse.id, code="A-01-1")
    item = make_item(serial="357882082400508-LONG-SERIAL-FROM-A-SUPPLIER", product_id=product.id,
                     supplier_id=supplier.id, bin_id=bin_.id)
    errors = []  # CSP violations and script errors show up as console errors
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 360, "height": 640})
    browser_login(page, live_server, make_user(role="admin"))  # the most navigation and every home section
    for path in ["/", "/catalog/", "/catalog/suppliers", "/catalog/products", "/catalog/warehouses",
                 f"/catalog/warehouses/{warehouse.id}/bins", f"/catalog/warehouses/{warehouse.id}/bins/new",
                 "/catalog/products/new", f"/items/{item.serial}"]:
        page.goto(live_server + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{path} scrolls sideways at 360 px: {widths}"
    assert errors == []
