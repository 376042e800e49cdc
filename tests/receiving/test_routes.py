"""Receiving through the pages (test client, HTMX headers as the browser sends them)."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from portal.models import Movement, Receipt, SerialItem
from portal.receiving.models import StagedUpload
from tests.receiving.files import csv_bytes, multipart, serial_list, xlsx_bytes

HX = {"HX-Request": "true"}


def upload(client, content: bytes, name="list.csv", headers=HX, **fields):
    data = {"supplier": "ACME", "warehouse": "MAIN", "reference": "PO-77", "product": "PHONE-1",
            "condition": "regular", "ownership": "owned", **fields}
    data["file"] = (io.BytesIO(content), name)
    return client.post("/receiving/uploads", data=data, headers=headers, content_type="multipart/form-data")


def staged_id(response) -> int:
    return int(re.search(r"/receiving/uploads/(\d+)/commit", response.get_data(as_text=True)).group(1))


def test_the_receiving_page_has_the_form_with_drop_zone_and_progress(desk):
    page = desk.get("/receiving/").get_data(as_text=True)
    for part in ('name="supplier"', 'name="warehouse"', 'name="reference"', 'name="expected_date"',
                 'name="product"', 'name="condition"', 'name="ownership"', 'name="unit_cost"', 'type="file"',
                 "data-dropzone", "<progress", "data-processing", "js/receiving.js", "css/receiving.css"):
        assert part in page
    assert "<script>" not in page and "style=" not in page


def test_operators_cannot_use_receiving(client_as):
    assert client_as("operator").get("/receiving/").status_code == 403


def test_upload_preview_then_commit_creates_the_receipt(desk, fresh):
    response = upload(desk, csv_bytes([["Serial", "Carton"], ["SN-1", "C1"], ["SN-2", "C1"]]))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "<html" not in text  # a fragment
    assert response.headers["HX-Push-Url"].startswith("/receiving/uploads/")
    assert 'data-count="valid">2<' in text and "Create receipt with 2 serials" in text
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(Receipt)) == 0  # nothing saved by a preview
    upload_id = staged_id(response)
    # the staged preview is a page of its own (reload-safe, any process can serve it)
    assert "Create receipt with 2 serials" in desk.get(f"/receiving/uploads/{upload_id}").get_data(as_text=True)
    committed = desk.post(f"/receiving/uploads/{upload_id}/commit", data={"expected_invalid": "0"}, headers=HX)
    assert committed.status_code == 200  # HX-Redirect (the web layer's one redirect helper)
    location = committed.headers["HX-Redirect"]
    page = desk.get(location).get_data(as_text=True)
    assert "Receipt #" in page and "2 serials listed" in page
    assert 'data-count="expected">2<' in page
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(SerialItem).where(SerialItem.status == "expected")) == 2
        assert s.scalar(select(func.count()).select_from(StagedUpload)) == 0


def test_missing_fields_answer_422_with_the_form_and_its_messages(desk):
    response = upload(desk, b"", supplier="", reference="")
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#receipt-form"
    text = response.get_data(as_text=True)
    assert "Choose the supplier." in text and "Give the PO, ASN or invoice number." in text
    assert "Choose the supplier&#39;s file" in text or "Choose the supplier's file" in text


def test_errors_are_counted_by_kind_shown_escaped_and_downloadable_neutralised(desk):
    rows = [["Serial"], ["GOOD-1"], ["<script>alert(1)</script>"], ["=cmd|' /C calc'!A0"], ["good-1"], ["n/a"],
            ["1.23457E+11"]]
    response = upload(desk, csv_bytes(rows, delimiter=";"))
    text = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    for code in ("bad_characters", "duplicate_in_file", "placeholder", "excel_mangled"):
        assert f'data-error-code="{code}"' in text
    assert "Skip the 4 invalid rows" in text  # the script tag itself is a legal serial, shown escaped
    upload_id = staged_id(response)
    exported = desk.get(f"/receiving/uploads/{upload_id}/errors.csv")
    assert exported.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert table[0] == ["row", "column", "value", "code", "message"]
    values = {r[2] for r in table[1:]}
    assert "'=cmd|' /C calc'!A0" in values  # formula neutralised
    assert len(table) == 5


def test_commit_is_refused_while_errors_remain_unless_skipping(desk, fresh):
    response = upload(desk, csv_bytes([["Serial", "Carton"], ["OK-1", "C"], ["", "C"], ["OK-2", "C"]]))
    upload_id = staged_id(response)
    refused = desk.post(f"/receiving/uploads/{upload_id}/commit", data={"expected_invalid": "1"}, headers=HX)
    assert refused.status_code == 422
    assert "cannot be received; nothing was saved" in refused.get_data(as_text=True)
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(SerialItem)) == 0
    done = desk.post(f"/receiving/uploads/{upload_id}/commit", data={"expected_invalid": "1", "skip_invalid": "1"},
                     headers=HX)
    assert done.status_code == 200
    with fresh() as s:
        receipt = s.scalars(select(Receipt)).one()
        assert receipt.skipped_rows == 1
    assert "1 invalid rows of the list were skipped" in desk.get(done.headers["HX-Redirect"]).get_data(as_text=True)


def test_mapping_change_in_the_preview_without_uploading_again(desk, make_product):
    make_product(sku="P-77")
    raw = csv_bytes([["Code", "Ident", "Modell"], ["A", "X-1", "P-77"], ["B", "X-2", "P-77"]])
    response = upload(desk, raw)
    text = response.get_data(as_text=True)
    assert "No column is recognisable as the serial number" in text and "“Ident”" in text
    assert "Create receipt" not in text
    upload_id = int(re.search(r"/receiving/uploads/(\d+)/mapping", text).group(1))
    remapped = desk.post(f"/receiving/uploads/{upload_id}/mapping",
                         data={"column_serial": "Ident", "column_sku": "Modell", "serial_kind": "any"}, headers=HX)
    text = remapped.get_data(as_text=True)
    assert remapped.status_code == 200 and "Create receipt with 2 serials" in text
    no_serial = desk.post(f"/receiving/uploads/{upload_id}/mapping", data={"column_sku": "Modell"}, headers=HX)
    assert no_serial.status_code == 422 and "Choose the column that holds the serial numbers" in no_serial.get_data(
        as_text=True)
    desk.post(f"/receiving/uploads/{upload_id}/commit", data={"expected_invalid": "0"}, headers=HX)
    # next time the supplier's mapping is offered at once
    again = upload(desk, csv_bytes([["Code", "Ident", "Modell"], ["C", "X-3", "P-77"]]))
    assert "Create receipt with 1 serial" in again.get_data(as_text=True)


def test_xlsx_sheet_can_be_chosen_in_the_preview(desk):
    raw = xlsx_bytes({"Cover": [["Packing", "list"], ["x", "y"]], "Serials": [["S/N"], [354000000000001]]})
    response = upload(desk, raw, name="list.xlsx")
    text = response.get_data(as_text=True)
    assert 'name="sheet"' in text and "Serials" in text
    upload_id = int(re.search(r"/receiving/uploads/(\d+)/mapping", text).group(1))
    chosen = desk.post(f"/receiving/uploads/{upload_id}/mapping",
                       data={"column_serial": "S/N", "sheet": "Serials"}, headers=HX)
    assert "Create receipt with 1 serial" in chosen.get_data(as_text=True)
    assert "354000000000001" in chosen.get_data(as_text=True)


def test_same_file_again_links_to_the_existing_receipt(desk):
    raw = serial_list(3)
    first = upload(desk, raw)
    done = desk.post(f"/receiving/uploads/{staged_id(first)}/commit", data={"expected_invalid": "0"}, headers=HX)
    receipt_url = done.headers["HX-Redirect"]
    again = upload(desk, raw, name="renamed.csv")
    text = again.get_data(as_text=True)
    assert "already uploaded" in text and f'href="{receipt_url}"' in text
    assert "Create receipt" not in text


def test_unreadable_file_says_what_it_is_on_the_form_and_is_not_kept(desk, fresh):
    response = upload(desk, b"%PDF-1.4 blah", name="list.pdf")
    assert response.status_code == 422 and response.headers["X-Portal-Error"] == "unsupported_format"
    text = response.get_data(as_text=True)
    assert "This file is a PDF document" in text and "Accepted:" in text and 'id="receipt-form"' in text
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(StagedUpload)) == 0


@pytest.fixture
def app_config():
    return {"MAX_UPLOAD_MB": 1}  # every test of this module: small files only


def test_too_large_upload_gets_a_clear_message_on_the_page(desk):
    body, content_type = multipart(b"Serial\n" + b"X" * (1024 * 1024 + 10))
    response = desk.post("/receiving/uploads", data=body, content_type=content_type, headers=HX)
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#flash"
    assert "larger than the 1 MB this portal accepts" in response.get_data(as_text=True)
    plain = desk.post("/receiving/uploads", data=body, content_type=content_type)
    assert plain.status_code == 413 and "<html" in plain.get_data(as_text=True)
    page = desk.get("/receiving/").get_data(as_text=True)
    assert 'data-max-bytes="1048576"' in page


def _receipt(desk, n=3):
    first = upload(desk, serial_list(n))
    done = desk.post(f"/receiving/uploads/{staged_id(first)}/commit", data={"expected_invalid": "0"}, headers=HX)
    return done.headers["HX-Redirect"]


def test_receipt_page_counts_poll_while_open_and_stop_when_closed(desk):
    url = _receipt(desk)
    page = desk.get(url).get_data(as_text=True)
    assert 'hx-trigger="every 2s' in page
    counts = desk.get(url + "/counts", headers=HX)
    assert 'data-count="expected">3<' in counts.get_data(as_text=True)
    closed = desk.post(url + "/close", headers=HX)
    text = closed.get_data(as_text=True)
    assert 'data-count="missing">3<' in text and "every 2s" not in text
    assert "receipt:changed" in closed.headers["HX-Trigger"]
    assert "every 2s" not in desk.get(url).get_data(as_text=True)


def test_receive_all_updates_counts_and_items(desk, fresh):
    url = _receipt(desk, n=4)
    response = desk.post(url + "/receive-all", headers=HX)
    text = response.get_data(as_text=True)
    assert 'data-count="received">4<' in text and 'data-count="expected">0<' in text
    assert "4 items received into the dock bin" in text
    items = desk.get(url + "/items?show=received", headers=HX).get_data(as_text=True)
    assert items.count("status-in_stock") == 4 and "DOCK" in items
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(Movement).where(Movement.kind == "received")) == 4


def test_unexpected_serial_counted_and_filterable(desk):
    url = _receipt(desk)
    response = desk.post(url + "/unexpected", data={"serial": "EXTRA-9", "product": "PHONE-1"}, headers=HX)
    assert response.status_code == 200 and "EXTRA-9 added as unexpected" in response.get_data(as_text=True)
    assert 'data-count="unexpected">1<' in desk.get(url + "/counts", headers=HX).get_data(as_text=True)
    listed = desk.get(url + "/items?show=unexpected", headers=HX).get_data(as_text=True)
    assert "EXTRA-9" in listed and "SN0000001" not in listed
    dup = desk.post(url + "/unexpected", data={"serial": "sn0000001", "product": "PHONE-1"}, headers=HX)
    assert dup.status_code == 422 and "is on this receipt&#39;s list" in dup.get_data(as_text=True)
    hostile = desk.post(url + "/unexpected", data={"serial": "<b>x</b>", "product": "PHONE-1"}, headers=HX)
    assert "<b>x</b>" not in hostile.get_data(as_text=True) and "&lt;b&gt;x&lt;/b&gt;" in hostile.get_data(as_text=True)
    spaced = desk.post(url + "/unexpected", data={"serial": "<b> x", "product": "PHONE-1"}, headers=HX)
    assert spaced.status_code == 422 and "<b> x" not in spaced.get_data(as_text=True)


def test_reconciliation_csv_after_close(desk):
    url = _receipt(desk, n=2)
    desk.post(url + "/unexpected", data={"serial": "=EXTRA", "product": "PHONE-1"}, headers=HX)
    desk.post(url + "/close", headers=HX)
    exported = desk.get(url + "/reconciliation.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert ["status", "closed"] in rows and ["missing", "2"] in rows and ["unexpected", "1"] in rows
    outcomes = {r[0]: r[2] for r in rows[rows.index(["serial", "sku", "outcome", "status", "bin", "received_at", "lot",
                                                   "expires_at"]) + 1:]}
    assert outcomes == {"SN0000000": "missing", "SN0000001": "missing", "'=EXTRA": "unexpected"}
