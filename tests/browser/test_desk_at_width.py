"""The desk at 1280 px over the demo warehouse, in Chromium: what issue 12
fixed where a manager or a receiver sits (12.1 labels, 12.8 home counts,
12.10 finding things), each tried the way a person would."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.reports.test_labels import _decode

pytestmark = pytest.mark.browser

DESK = {"width": 1280, "height": 900}


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _listed_total(page) -> int:
    """The total of the item list's count line ("1–50 of 1,234 items")."""
    line = page.locator("#item-list .count").inner_text()
    return _count(re.search(r"of ([\d,]+) items", line).group(1))


def _download(page, click) -> bytes:
    with page.expect_download() as info:
        click()
    return Path(info.value.path()).read_bytes()


def test_a_manager_clicks_a_home_count_and_lands_on_the_items_it_counts(page, demo_server):
    """Issue 12.8: home counts lead to the items; the value names its currency."""
    page.set_viewport_size(DESK)
    demo_server.log_in(page, "manager")
    stock = page.locator(".warehouse-stock", has=page.locator("h3", has_text="AMS1"))
    expect(stock.locator("thead")).to_contain_text("Value at cost (EUR)")
    for status in ("in_stock", "defective", "sold"):
        link = stock.locator("tr", has=page.locator(f".status-{status}")).locator("a.count")
        shown = _count(link.inner_text())
        link.click()
        page.wait_for_url(f"**/items/?status={status}&warehouse=AMS1")
        assert _listed_total(page) == shown, status
        expect(page.locator("#status")).to_have_value(status)  # the filters say what is listed
        expect(page.locator("#warehouse")).to_have_value("AMS1")
        page.wait_for_load_state("networkidle")  # the favicon too: a request cut off leaves a file open
        page.go_back()


def test_bin_labels_print_from_the_labels_page_and_every_one_scans(page, demo_server, tmp_path):
    """Issue 12.1 at 1280 px: chosen bins print, and each label decodes with
    zbarimg from a 200 dpi render as the warehouse and the bin."""
    page.set_viewport_size(DESK)
    demo_server.log_in(page, "manager")
    page.goto(demo_server.url + "/reports/labels")
    page.select_option("#l-warehouse", "LYO1")
    choices = page.locator("#bin-choices input[name=bin]")
    expect(choices.first).to_be_visible()
    bins = [choices.nth(n).get_attribute("value") for n in range(3)]
    for n in range(3):
        choices.nth(n).check()
    pdf = _download(page, lambda: page.get_by_role("button", name="Print bin labels (PDF)").click())
    assert pdf.startswith(b"%PDF")
    assert _decode(pdf, tmp_path) == sorted(f"BIN:LYO1/{code}" for code in bins)


def test_a_receiver_prints_serial_labels_from_the_receipt_page_and_they_scan(page, demo_server, tmp_path):
    """Issue 12.1 at 1280 px: the receipt page's "print serial labels" form
    prints the items still expected; every label of the sheet decodes to a
    serial of that receipt."""
    page.set_viewport_size(DESK)
    demo_server.log_in(page, "receiver")
    page.goto(demo_server.url + demo_server.pages["open receipt"])
    reference = page.locator("h1").inner_text().rsplit(" · ", 1)[1]
    form = page.locator("form.serial-labels-form")
    form.get_by_label("Serial labels for").select_option("expected")
    expected = _count(page.locator('[data-count="expected"]').first.inner_text())
    assert expected > 0
    pdf = _download(page, lambda: form.get_by_role("button", name="Print serial labels (PDF)").click())
    decoded = _decode(pdf, tmp_path)
    assert len(decoded) == min(expected, 24)  # the first sheet of the stock's 24 labels
    for serial in decoded:
        item = page.request.get(f"{demo_server.url}/items/{serial}").text()
        assert reference in item and "expected" in item, serial


def test_the_receipts_list_reaches_an_older_receipt_by_paging_and_by_search(page, demo_server):
    """Issue 12.10 at 1280 px: older pages and the search box both lead to a
    receipt that is not on the first page."""
    page.set_viewport_size(DESK)
    demo_server.log_in(page, "receiver")
    page.goto(demo_server.url + "/receiving/")
    first_page = set(page.locator("#receipts tbody td:nth-child(3)").all_inner_texts())
    pages = 1
    while page.locator("#receipts .pager a", has_text="Older").count():
        page.locator("#receipts .pager a", has_text="Older").click()
        pages += 1
        expect(page).to_have_url(re.compile(rf"page={pages}"))
    assert pages >= 3  # the demo's 150 receipts, 50 a page
    oldest = page.locator("#receipts tbody tr").last
    reference = oldest.locator("td:nth-child(3)").inner_text()
    assert reference not in first_page
    oldest.locator("a").click()
    page.wait_for_url("**/receiving/receipts/*")
    expect(page.locator("h1")).to_contain_text(reference)

    page.goto(demo_server.url + "/receiving/")
    page.locator("#receipts-q").fill(reference)
    expect(page.locator("#receipts tbody tr")).to_have_count(1)
    expect(page.locator("#receipts tbody td:nth-child(3)")).to_have_text(reference)
    page.locator("#receipts tbody a").click()
    page.wait_for_url("**/receiving/receipts/*")
    expect(page.locator("h1")).to_contain_text(reference)


def test_the_item_pages_receipt_and_supplier_links_go_where_they_say(page, demo_server):
    """Issue 12.10 at 1280 px: a sold unit's receipt link opens that receipt
    (which lists the unit), its supplier link that supplier alone."""
    page.set_viewport_size(DESK)
    demo_server.log_in(page, "manager")
    item_url = demo_server.url + demo_server.pages["item sold"]
    page.goto(item_url)
    serial = page.locator("h1").inner_text()
    facts = page.locator("dl.facts")

    receipt = facts.locator("dt:text-is('Receipt') + dd a")
    reference = receipt.inner_text()
    receipt.click()
    page.wait_for_url("**/receiving/receipts/*")
    expect(page.locator("h1")).to_contain_text(reference)
    page.locator("#item-q").fill(serial)
    expect(page.locator("#items a.serial", has_text=serial)).to_have_count(1)

    page.goto(item_url)
    supplier = facts.locator("dt:text-is('Supplier') + dd a")
    name = supplier.inner_text()
    supplier.click()
    page.wait_for_url("**/catalog/suppliers*")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(name)


def test_the_item_pages_order_link_lists_the_units_of_that_order(page, demo_server):
    """Issue 12.10 at 1280 px: a sold unit's order link lists that order's
    units, the unit among them, and nothing shipped on another order."""
    page.set_viewport_size(DESK)
    demo_server.log_in(page, "manager")
    page.goto(demo_server.url + demo_server.pages["item sold"])
    serial = page.locator("h1").inner_text()
    order = page.locator("dl.facts dt:text-is('Sold') + dd a")
    order_ref = order.inner_text()
    order.click()
    page.wait_for_load_state()
    listed = page.locator("main table tbody tr")
    expect(listed.locator("a", has_text=serial)).to_have_count(1)
    shipped = listed.count()
    assert shipped <= 50, f"{shipped} rows for order {order_ref}: the order's units, not every item"
    for n in range(shipped):  # every unit listed was shipped on that order
        unit = page.request.get(demo_server.url + "/items/" + listed.nth(n).locator("a").first.inner_text()).text()
        assert order_ref in unit


def test_the_unexpected_serial_form_has_no_product_chosen_before_or_after_an_add(page, demo_server):
    """Issue 12.10 at 1280 px: the unexpected-serial form preselects no SKU,
    and after one is added the next starts empty again."""
    page.set_viewport_size(DESK)
    demo_server.log_in(page, "receiver")
    page.goto(demo_server.url + demo_server.pages["open receipt"])
    product = page.locator("#unexpected-product")
    expect(product).to_have_value("")
    expect(product).to_have_attribute("placeholder", "Choose the product")
    sku = page.locator("#unexpected-skus option").first.get_attribute("value")
    page.locator("#unexpected-serial").fill("UNEXPECTED-AT-1280")
    product.fill(sku)
    page.get_by_role("button", name="Add unexpected").click()
    expect(page.locator("#unexpected .message-success")).to_be_visible()
    expect(page.locator("#unexpected-product")).to_have_value("")
    expect(page.locator("#unexpected-serial")).to_have_value("")
