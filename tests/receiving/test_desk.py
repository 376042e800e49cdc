"""The receiving desk through the test client: uploads belong to their receiver,
the header row and any column chosen on the preview, errors grouped by kind,
the receipts list searched and paged, wording, reconciliation."""

import csv
import io
import re
from pathlib import Path

from sqlalchemy import func, select

from portal.models import Receipt, SerialItem
from portal.receiving.models import StagedUpload
from tests.receiving.files import csv_bytes, serial_list, xlsx_bytes
from tests.receiving.test_routes import HX, staged_id, upload


def upload_id(response) -> int:
    return int(re.search(r"/receiving/uploads/(\d+)/(?:mapping|commit)", response.get_data(as_text=True)).group(1))


def test_another_receiver_may_not_preview_remap_commit_or_discard_an_upload_but_a_manager_may(
        desk, client_as, fresh):
    staged = staged_id(upload(desk, serial_list(2)))
    other = client_as("receiver")
    for method, path, data in (("get", "", None), ("post", "/mapping", {"column_serial": "0"}),
                               ("post", "/commit", {"expected_invalid": "0"}), ("post", "/discard", {}),
                               ("get", "/errors.csv", None)):
        response = getattr(other, method)(f"/receiving/uploads/{staged}{path}", data=data, headers=HX)
        assert response.status_code == 403, path
        assert response.headers["X-Portal-Error"] == "not_your_upload"
        assert "This upload belongs to" in response.get_data(as_text=True)
    with fresh() as s:
        assert s.get(StagedUpload, staged) is not None and s.scalar(select(func.count()).select_from(Receipt)) == 0
    manager = client_as("manager")
    done = manager.post(f"/receiving/uploads/{staged}/commit", data={"expected_invalid": "0"}, headers=HX)
    assert done.status_code == 200 and done.headers["HX-Redirect"].startswith("/receiving/receipts/")


def test_a_title_row_workbook_header_row_picked_and_a_column_mapped_on_the_preview(desk, make_product):
    make_product(sku="P-9")
    raw = xlsx_bytes({"Hoja": [["Albarán 2026-118"], [], ["Nº", "Número de bulto", "Código"],
                               [1, "NS-1", "P-9"], [2, "NS-2", "P-9"]]})
    first = upload(desk, raw, name="albaran.xlsx")
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and "rename the column" not in text and "upload again" not in text
    assert "Choose the header row and the serial column" in text and "Número de bulto" in text  # the raw rows
    staged = upload_id(first)
    picked = desk.post(f"/receiving/uploads/{staged}/mapping", data={"header_row": "1"}, headers=HX)
    assert picked.status_code == 200
    assert '<option value="1" >Número de bulto</option>' in picked.get_data(as_text=True).replace("\n", "")
    mapped = desk.post(f"/receiving/uploads/{staged}/mapping",
                       data={"header_row": "1", "column_serial": "1", "column_sku": "2"}, headers=HX)
    assert "Create receipt with 2 serials" in mapped.get_data(as_text=True)
    bad = desk.post(f"/receiving/uploads/{staged}/mapping", data={"header_row": "99"}, headers=HX)
    assert bad.status_code == 422 and "Choose the header row" in bad.get_data(as_text=True)


def test_preview_errors_are_grouped_with_a_suggestion_and_serials_do_not_wrap(desk):
    rows = [["Serial", "Article"]] + [[f"LONG-SERIAL-{i:040d}", "X-1"] for i in range(60)]
    response = upload(desk, csv_bytes(rows), product="")
    text = response.get_data(as_text=True)
    assert 'data-error-group="unknown_sku"' in text and "60 rows (the first 5 shown)" in text
    assert text.count('<td class="serial">') == 5
    assert "choose the product of each below" in text and 'name="article-0" value="X-1"' in text
    css = (Path(__file__).parents[2] / "static/css/receiving.css").read_text()
    assert re.search(r"table\.errors td\.serial[^{]*\{[^}]*white-space: nowrap", css)
    # the article number mapped once: the preview has no error left
    remembered = desk.post(f"/receiving/uploads/{upload_id(response)}/articles",
                           data={"article-0": "X-1", "product-0": "PHONE-1"}, headers=HX)
    assert "Create receipt with 60 serials" in remembered.get_data(as_text=True)


def test_receipts_list_is_searchable_and_paged(desk, app):
    from portal.extensions import db
    from portal.models import Supplier, Warehouse

    with app.app_context():
        supplier = db.session.scalar(select(Supplier))
        warehouse = db.session.scalar(select(Warehouse))
        for i in range(60):
            db.session.add(Receipt(supplier_id=supplier.id, warehouse_id=warehouse.id, reference=f"PO-{i:03d}",
                                   file_name=f"list-{i}.csv", status="closed"))
        db.session.commit()
    page = desk.get("/receiving/").get_data(as_text=True)
    assert "PO-059" in page and "PO-009" not in page and "Older →" in page
    older = desk.get("/receiving/?page=2", headers=HX)
    text = older.get_data(as_text=True)
    assert "<html" not in text and "PO-009" in text and "PO-059" not in text and "← Newer" in text
    found = desk.get("/receiving/?q=po-00", headers=HX).get_data(as_text=True)
    assert found.count("/receiving/receipts/") == 10
    by_file = desk.get("/receiving/?q=LIST-42.csv").get_data(as_text=True)
    assert "PO-042" in by_file and "PO-041" not in by_file
    assert "Acme" in desk.get("/receiving/?q=acme", headers=HX).get_data(as_text=True)
    assert "No receipt matches" in desk.get("/receiving/?q=%25_%5C", headers=HX).get_data(as_text=True)
    assert desk.get("/receiving/?page=2&q=po-00").status_code == 200  # past the last page: the last page


def test_unexpected_form_preselects_no_product_and_wording_says_listed(desk):
    first = upload(desk, serial_list(2))
    done = desk.post(f"/receiving/uploads/{staged_id(first)}/commit", data={"expected_invalid": "0"}, headers=HX)
    page = desk.get(done.headers["HX-Redirect"]).get_data(as_text=True)
    assert "2 serials listed" in page and "2 listed" in page
    field = re.search(r'<input id="unexpected-product"[^>]*>', page).group(0)
    assert 'value=""' in field


def test_reconciliation_csv_lists_the_skipped_rows(desk):
    first = upload(desk, csv_bytes([["Serial"], ["R-1"], ["n/a"], ["R-1"]]))
    done = desk.post(f"/receiving/uploads/{staged_id(first)}/commit",
                     data={"expected_invalid": "2", "skip_invalid": "1"}, headers=HX)
    rows = list(csv.reader(io.StringIO(desk.get(done.headers["HX-Redirect"] + "/reconciliation.csv")
                                       .get_data(as_text=True))))
    at = rows.index(["skipped row", "value", "code"])
    assert rows[at + 1:] == [["3", "n/a", "placeholder"], ["4", "R-1", "duplicate_in_file"]]
    assert ["expected", "1"] in rows and ["listed", "1"] in rows


def test_cli_takes_an_explicit_mapping(app, desk, tmp_path, fresh):
    path = tmp_path / "de.csv"
    path.write_bytes(csv_bytes([["Nr", "Seriennr.", "Artikel"], ["1", "CLI-1", "PHONE-1"]], delimiter=";"))
    args = ["receipts", "import", str(path), "--supplier", "ACME", "--warehouse", "MAIN", "--reference", "PO-C"]
    runner = app.test_cli_runner()
    bad = runner.invoke(args=args + ["--mapping", "{not json"])
    assert bad.exit_code != 0 and "--mapping" in bad.output
    done = runner.invoke(args=args + ["--mapping", '{"serial": "Seriennr.", "sku": "Artikel"}'])
    assert done.exit_code == 0, done.output
    with fresh() as s:
        assert s.scalar(select(SerialItem.serial)) == "CLI-1"
