"""A manager in Chromium: changes a filter on the preview (HTMX swaps the
report in place and pushes the URL), then downloads the PDF."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_filter_updates_preview_then_pdf_downloads(page, live_server, fixed_warehouse, make_user, browser_login,
                                                    tmp_path, pdf_text):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    browser_login(page, live_server, make_user(role="manager"))
    page.goto(f"{live_server}/reports/stock-aging")
    expect(page.locator("#fact-units dd")).to_have_text("8")
    marker = page.evaluate("() => { window.__samePage = true; return true; }")
    assert marker

    page.select_option("#f-warehouse", "WH2")
    expect(page.locator("#fact-units dd")).to_have_text("2")
    expect(page).to_have_url(re.compile(r"/reports/stock-aging\?.*warehouse=WH2"))
    assert page.evaluate("() => window.__samePage === true")  # swapped in place, not reloaded
    expect(page.locator("#table-by_warehouse tbody tr")).to_have_count(1)

    with page.expect_download() as info:
        page.get_by_role("link", name="PDF", exact=True).click()
    download = info.value
    assert download.suggested_filename.startswith("stock-aging-") and download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    body = path.read_bytes()
    assert body.startswith(b"%PDF")
    text = " ".join(pdf_text(body, tmp_path))
    assert "Warehouse: WH2 (North)" in text and "Units in stock 2" in re.sub(r"\s+", " ", text)
    assert errors == []
