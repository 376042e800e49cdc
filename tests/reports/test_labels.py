"""Label sheets: bin labels (Code128 of the bin prefix + code) and serial
labels for a receipt, laid out on A4 sheets of 3 x 8 labels."""

import re
import shutil
import subprocess

import pytest

from portal.reports.labels import SHEETS, barcode_data_uri

MM = 72 / 25.4  # PDF points per millimetre


def _code_boxes(pdf: bytes, tmp_path, codes: set[str]) -> dict[str, tuple[float, float, float, float]]:
    """Where each label's large-print code sits on page 1, in mm (xMin, yMin, xMax, yMax)."""
    if not shutil.which("pdftotext"):
        pytest.skip("!!! pdftotext (poppler-utils) is needed to measure labels !!!")
    path = tmp_path / "boxes.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    boxes = {}
    for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)</word>', out):
        if word in codes and word not in boxes:
            boxes[word] = tuple(float(v) / MM for v in (x0, y0, x1, y1))
    return boxes


@pytest.mark.parametrize("sheet_key", sorted(SHEETS))
def test_every_bin_label_of_a_full_sheet_decodes_where_the_stock_has_it(
        sheet_key, app, make_warehouse, make_bin, manager, tmp_path, weasyprint_warnings):
    """A full sheet of each layout: every barcode decodes at 200 dpi, and each
    label's text is centred on its label of the stock (the A4 3 x 8 sheet had
    its columns 76 mm apart, so the third fell off the page)."""
    sheet = SHEETS[sheet_key]
    warehouse = make_warehouse(code="WHL", name="Labels")
    codes = [f"R{n:02d}-{n % 7}" for n in range(sheet.per_sheet - 2)]  # + the dock and quarantine bins
    for code in codes:
        make_bin(warehouse_id=warehouse.id, code=code)
    response = manager.get(f"/reports/labels/bins.pdf?warehouse=WHL&all=1&sheet={sheet_key}")
    assert response.status_code == 200
    decoded = _decode(response.data, tmp_path)
    assert len(decoded) == sheet.per_sheet
    assert all(text.startswith("BIN:WHL/") for text in decoded)
    assert {f"BIN:WHL/{c}" for c in codes} <= set(decoded)
    assert weasyprint_warnings == []
    boxes = _code_boxes(response.data, tmp_path, set(codes))
    ordered = sorted(set(codes) | {d.removeprefix("BIN:WHL/") for d in decoded})
    for index, code in enumerate(ordered):
        if code not in boxes:
            continue
        left, top, width, height = sheet.label_box(index % sheet.columns, index // sheet.columns)
        x0, y0, x1, y1 = boxes[code]
        assert abs((x0 + x1) / 2 - (left + width / 2)) < 1.0, (code, x0, x1, left)
        assert top <= y0 and y1 <= top + height, (code, y0, y1, top)
        assert left + width <= 210.01 and top + height <= 297.01  # the stock fits the page


@pytest.mark.parametrize("sheet_key", sorted(SHEETS))
def test_every_serial_label_of_a_full_sheet_decodes(sheet_key, fixed_warehouse, make_item, manager, tmp_path):
    sheet = SHEETS[sheet_key]
    serials = [f"35693803564{n:04d}" if n % 2 else f"4CU0460D0G{n:010d}" for n in range(sheet.per_sheet - 2)]
    for serial in serials:
        make_item(serial=serial, receipt_id=fixed_warehouse.receipt_id)
    response = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}&sheet={sheet_key}")
    assert response.status_code == 200
    assert _decode(response.data, tmp_path) == sorted(serials + ["S-B30", "S-TODAY"])


def _decode(pdf: bytes, tmp_path) -> list[str]:
    """Rasterise page 1 at 200 dpi (what a plain office printer gives) and
    read every barcode with zbar (optional tools)."""
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("!!! pdftoppm (poppler-utils) and zbarimg (zbar-tools) are needed to decode labels !!!")
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    for old in tmp_path.glob("page*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    image = next(tmp_path.glob("page*.png"))
    out = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True)
    return sorted(out.stdout.split())


def test_bin_labels_for_chosen_bins(fixed_warehouse, manager, pdf_text, tmp_path, weasyprint_warnings):
    response = manager.get("/reports/labels/bins.pdf?warehouse=WH1&bin=A-02&bin=a-01")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="bin-labels-WH1.pdf"' in response.headers["Content-Disposition"]
    pages = pdf_text(response.data, tmp_path)
    assert len(pages) == 1
    assert "A-01" in pages[0] and "A-02" in pages[0] and "WH1 · Main" in pages[0]
    assert "B-01" not in pages[0]
    assert weasyprint_warnings == []
    assert _decode(response.data, tmp_path) == ["BIN:WH1/A-01", "BIN:WH1/A-02"]  # the warehouse, always


def test_all_bins_fill_sheets_of_24(app, make_warehouse, make_bin, manager, pdf_text, tmp_path):
    warehouse = make_warehouse(code="BIG")
    for n in range(30):
        make_bin(warehouse_id=warehouse.id, code=f"R-{n:02d}")
    response = manager.get("/reports/labels/bins.pdf?warehouse=BIG&all=1")
    pages = pdf_text(response.data, tmp_path)
    assert len(pages) == 2  # 32 bins (30 + dock + quarantine): 24 + 8
    assert "R-00" in pages[0] and "R-29" in pages[1]


def test_skip_used_labels_and_other_sheet(fixed_warehouse, manager, pdf_text, tmp_path):
    skipped = manager.get("/reports/labels/bins.pdf?warehouse=WH1&bin=A-01&skip=23")
    assert len(pdf_text(skipped.data, tmp_path)) == 1  # the 24th position, still on sheet one
    response = manager.get("/reports/labels/bins.pdf?warehouse=WH1&bin=A-01&sheet=a4-2x7")
    assert response.status_code == 200
    assert "A-01" in pdf_text(response.data, tmp_path)[0]


def test_custom_prefix(fixed_warehouse, app, manager, tmp_path):
    app.config["BIN_LABEL_PREFIX"] = "LOC-"
    response = manager.get("/reports/labels/bins.pdf?warehouse=WH2&bin=B-01")
    assert _decode(response.data, tmp_path) == ["LOC-WH2/B-01"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("warehouse=WH1", "Choose at least one bin."),
        ("warehouse=WH1&bin=Z-99", "WH1 has no bin Z-99."),
        ("warehouse=NOPE&bin=A-01", "No warehouse with code"),
        ("warehouse=WH1&bin=A-01&sheet=letter", "Label sheet must be one of"),
        ("warehouse=WH1&bin=A-01&skip=24", "Skip must be a whole number from 0 to 23"),
        ("warehouse=WH1&bin=A-01&skip=-1", "Skip must be a whole number"),
    ],
)
def test_bad_label_requests(fixed_warehouse, manager, query, message):
    response = manager.get(f"/reports/labels/bins.pdf?{query}")
    assert response.status_code in (404, 422)
    assert message in response.get_data(as_text=True)


def test_serial_labels_for_a_receipt(fixed_warehouse, manager, pdf_text, tmp_path, weasyprint_warnings):
    response = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)[0]
    assert "S-B30" in text and "S-TODAY" in text and "P-100 · Router" in text and "ACME · PO-7" in text
    assert "S-OLD" not in text
    assert weasyprint_warnings == []
    assert _decode(response.data, tmp_path) == ["S-B30", "S-TODAY"]


def test_serial_labels_by_status(fixed_warehouse, make_item, manager, tmp_path):
    make_item(serial="S-STILL-EXPECTED", receipt_id=fixed_warehouse.receipt_id, status="expected")
    expected = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}&status=expected")
    assert expected.status_code == 200
    assert "-expected-" in expected.headers["Content-Disposition"]
    assert _decode(expected.data, tmp_path) == ["S-STILL-EXPECTED"]
    in_stock = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}&status=in_stock")
    assert _decode(in_stock.data, tmp_path) == ["S-B30", "S-TODAY"]
    sold = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}&status=sold")
    assert sold.status_code == 422 and "has no sold items to label" in sold.get_data(as_text=True)
    bad = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}&status=<script>")
    assert bad.status_code == 422 and "Status must be one of" in bad.get_data(as_text=True)
    assert "<script>" not in bad.get_data(as_text=True)


def test_receivers_print_serial_labels_from_the_receipt_page(fixed_warehouse, client_as, tmp_path):
    receiver = client_as("receiver")
    page = receiver.get(f"/receiving/receipts/{fixed_warehouse.receipt_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'action="/reports/labels/serials.pdf"' in html
    assert f'name="receipt" value="{fixed_warehouse.receipt_id}"' in html
    labels = receiver.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}")
    assert labels.status_code == 200 and labels.mimetype == "application/pdf"
    # the rest of the reports stay the managers'
    assert receiver.get("/reports/stock-aging").status_code == 403
    assert receiver.get("/reports/labels/bins.pdf?warehouse=WH1&all=1").status_code == 403
    assert client_as("operator").get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}"
                                     ).status_code == 403


def test_serial_labels_bad_requests(fixed_warehouse, manager):
    assert manager.get("/reports/labels/serials.pdf?receipt=999").status_code == 404
    assert manager.get("/reports/labels/serials.pdf?receipt=abc").status_code == 422
    part = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}&part=2")
    assert part.status_code == 422 and "prints in 1 part" in part.get_data(as_text=True)


def test_barcodes_fit_the_label():
    sheet = SHEETS["a4-3x8"]
    import base64
    import re

    for text in ["BIN:WH1/A-01", "BIN:WH1/" + "X" * 24, "4CU0460D0G1234567890"]:
        uri = barcode_data_uri(text, width_mm=sheet.barcode_width_mm, height_mm=15)
        svg = base64.b64decode(uri.split(",", 1)[1]).decode()
        width = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
        assert width <= sheet.barcode_width_mm + 0.01, (text, width)
    assert barcode_data_uri("Ünïcode ✓", width_mm=64, height_mm=15) is None  # printed as text only


def test_labels_page_and_bin_choices(fixed_warehouse, manager):
    html = manager.get("/reports/labels?warehouse=WH2").get_data(as_text=True)
    assert 'value="B-01"' in html and 'value="A-01"' not in html
    assert "PO-7" in html and "2 items" in html
    assert "Avery 3474" in html and "L7160" in html and "L7163" in html  # the stock each layout is for
    fragment = manager.get("/reports/labels/bin-choices?warehouse=WH1", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert 'value="A-01"' in text and 'value="A-02"' in text and "<html" not in text


def test_cli_bin_labels(fixed_warehouse, app, tmp_path, pdf_text):
    out = tmp_path / "bins.pdf"
    result = app.test_cli_runner().invoke(args=["reports", "bin-labels", "--warehouse", "WH1", "--all",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "A-02" in pdf_text(out.read_bytes(), tmp_path)[0]


def test_serial_that_code128_cannot_carry_still_gets_a_label(fixed_warehouse, make_item, manager, pdf_text,
                                                            tmp_path, weasyprint_warnings):
    make_item(serial="SNÜ-7", receipt_id=fixed_warehouse.receipt_id)
    response = manager.get(f"/reports/labels/serials.pdf?receipt={fixed_warehouse.receipt_id}")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)[0]
    assert "SNÜ-7" in text and "no barcode" in text
    assert weasyprint_warnings == []
