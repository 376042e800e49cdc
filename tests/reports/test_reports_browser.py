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


CHART_TEXTS_INSIDE = r"""() => [...document.querySelectorAll('.report-chart svg')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => {
    const box = svg.viewBox.baseVal;
    const line = svg.querySelector('path[stroke-dasharray]');
    const spans = line ? [...line.getAttribute('d').matchAll(/M([\d.]+) ([\d.]+)V([\d.]+)/g)]
      .map(m => ({x: +m[1], top: +m[2], bottom: +m[3]})) : [];
    return {
      width: svg.getBoundingClientRect().width,
      scale: svg.getBoundingClientRect().width / box.width,
      texts: [...svg.querySelectorAll('text')].map(t => {
        const b = t.getBBox();
        return {text: t.textContent, x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height,
                inside: b.x >= box.x - 0.5 && b.y >= box.y - 0.5 && b.x + b.width <= box.x + box.width + 0.5
                        && b.y + b.height <= box.y + box.height + 0.5,
                crossed: spans.some(s => s.x > b.x - 1 && s.x < b.x + b.width + 1
                                         && b.y + b.height > s.top && b.y < s.bottom)};
      }),
    };
  })"""


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("path", ["/reports/stock-aging", "/reports/defects-by-supplier?date_from={start}"])
def test_charts_readable_and_nothing_clipped(page, live_server, fixed_warehouse, make_user, make_item,
                                             make_supplier, browser_login, width, path):
    """The widths where the manager read them: every chart text inside its
    picture (bounding boxes in the browser), none crossed by the dashed
    overall line, text no smaller than 9 px on screen, no sideways scrolling
    of the report itself."""
    long_name = make_supplier(code="LONGNAME", name="Guangdong Shenzhen Electronics Manufacturing Group Intl.")
    make_item(supplier_id=long_name.id, unit_cost="654716.20")
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(page, live_server, make_user(role="manager"))
    page.goto(live_server + path.format(start=fixed_warehouse.days_ago(364).isoformat()))
    charts = page.evaluate(CHART_TEXTS_INSIDE)
    assert charts, "no chart shown"
    for chart in charts:
        assert chart["width"] <= width
        for text in chart["texts"]:
            assert text["inside"], text
            if not text["text"].startswith("overall"):
                assert not text["crossed"], text
        assert chart["scale"] * 11 >= 9, chart["scale"]  # the 11 px legend stays readable
    report = page.locator("#report")
    overflow = report.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 1
    assert errors == []
