"""Lots and expiry on supplier lists (issue 14.1): the lot/batch and expiry/best-before
columns in the usual languages, CSV and Excel, dates in the usual formats, a bad one a
row error that loses no other row, and the commit storing both (both databases)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.lots import BadExpiry, BadLot, clean_lot, gs1_date, parse_expiry
from portal.models import SerialItem, utcnow
from portal.receiving import services
from portal.receiving import supplier_lists as lists
from tests.receiving.files import csv_bytes, xlsx_bytes
from tests.receiving.test_routes import HX, staged_id, upload

HOSTILE_LOT = "=cmd|' /C calc'!A0<script>"


# --- the rules, no database ---------------------------------------------------------------


@pytest.mark.parametrize(("lot", "expiry"), [
    ("Lot", "Expiry date"), ("Batch No.", "Best before"), ("LOT#", "BBD"), ("Batch", "Use by"),
    ("Charge", "MHD"), ("Chargennummer", "Mindesthaltbarkeitsdatum"), ("Los-Nr.", "Verfallsdatum"),
    ("N° de lot", "Date de péremption"), ("Numéro de lot", "DLUO"),
    ("Lote", "Fecha de caducidad"), ("Nº de lote", "Vencimiento"),
    ("Lotto", "Data di scadenza"), ("Partij", "THT"), ("Batchnummer", "Houdbaarheidsdatum"),
    ("Numer partii", "Data ważności"), ("Partia", "Termin ważności"),
    ("Número do lote", "Data de validade"), ("(10)", "(17)"),
])
def test_lot_and_expiry_headers_in_the_usual_languages(lot, expiry):
    assert (lists.header_field(lot), lists.header_field(expiry)) == ("lot", "expiry")
    mapping = lists.recognise_columns(["Serial", "SKU", lot, expiry])
    assert (mapping.columns["lot"], mapping.columns["expiry"]) == (2, 3)


@pytest.mark.parametrize(("text", "expected"), [
    ("2027-03-31", date(2027, 3, 31)), ("2027-03-31T00:00:00", date(2027, 3, 31)),
    ("2027-3-1 00:00", date(2027, 3, 1)), ("31.03.2027", date(2027, 3, 31)), ("31/03/2027", date(2027, 3, 31)),
    ("1.3.27", date(2027, 3, 1)), ("31-03-2027", date(2027, 3, 31)), ("03/2027", date(2027, 3, 31)),
    ("2028-02", date(2028, 2, 29)), ("20270331", date(2027, 3, 31)), ("46477", date(2027, 3, 31)),
    ("46477.0", date(2027, 3, 31)), ("270331", date(2027, 3, 31)), ("270200", date(2027, 2, 28)),
    (" 280200 ", date(2028, 2, 29)), ("", None), ("   ", None),
])
def test_expiry_dates_in_the_usual_formats(text, expected):
    assert parse_expiry(text, today=date(2026, 12, 4)) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("31.02.2027", "not a day of the calendar"), ("03/31/2027", "no month 31"), ("soon", "is not a date"),
    ("2027-13-01", "no month 13"), ("12.12.1899", "an expiry date lies between"), ("271331", "no month 13"),
    ("1234567", "is not a date"), ("=1+1", "is not a date"),
])
def test_a_bad_expiry_date_says_why(text, why):
    with pytest.raises(BadExpiry, match=why):
        parse_expiry(text)


def test_gs1_years_take_the_century_within_49_back_and_50_ahead():
    assert gs1_date("991231", today=date(2026, 1, 1)) == date(1999, 12, 31)
    assert gs1_date("750101", today=date(2026, 1, 1)) == date(2075, 1, 1)
    assert gs1_date("760101", today=date(2026, 1, 1)) == date(2076, 1, 1)
    with pytest.raises(BadExpiry, match="is in 1977"):  # 51 years ahead: the last century, no expiry date
        gs1_date("770101", today=date(2026, 1, 1))


def test_a_lot_is_stored_as_typed_trimmed():
    assert clean_lot("  L 42-a\u00a0") == "L 42-a"
    assert clean_lot(HOSTILE_LOT) == HOSTILE_LOT
    assert clean_lot("") is None and clean_lot(None) is None
    with pytest.raises(BadLot, match="at most 64"):
        clean_lot("L" * 65)
    with pytest.raises(BadLot, match="control characters"):
        clean_lot("L1\nL2")


def test_a_bad_row_is_an_error_and_the_other_rows_are_kept():
    raw = csv_bytes([["Serial", "Batch", "Best before"], ["S-1", "L1", "31.12.2027"], ["S-2", "L1", "31.02.2027"],
                     ["S-3", "L" * 70, "2027-01-01"], ["S-4", "", ""], ["S-5", HOSTILE_LOT, "281200"]])
    table = lists.read_table(raw)
    checked = lists.check_rows(table, lists.recognise_columns(table.headers))
    assert checked.serials == ["S-1", "S-4", "S-5"]
    assert checked.lots == ["L1", None, HOSTILE_LOT]
    assert checked.expiries == [date(2027, 12, 31), None, date(2028, 12, 31)]
    assert [(e.row, e.column, e.value, e.code) for e in checked.errors] == [
        (3, "Best before", "31.02.2027", "invalid_expiry"), (4, "Batch", "L" * 70, "invalid_lot")]
    assert "not a day of the calendar" in checked.errors[0].message
    assert lists.ERROR_LABELS["invalid_expiry"] == "Invalid expiry date"


def test_a_list_without_these_columns_carries_none():
    table = lists.read_table(csv_bytes([["Serial", "SKU"], ["S-1", "X"]]))
    checked = lists.check_rows(table, lists.recognise_columns(table.headers))
    assert (checked.lots, checked.expiries) == ([], [])


def test_excel_date_cells_and_numbers():
    raw = xlsx_bytes({"Sheet1": [["Serial", "Lot", "Expiry"], ["X-1", "A", datetime(2027, 3, 31)],
                                 ["X-2", 4711, date(2027, 4, 30)], ["X-3", "C", 46477]]})
    table = lists.read_table(raw, file_name="list.xlsx")
    checked = lists.check_rows(table, lists.recognise_columns(table.headers))
    assert checked.errors == []
    assert checked.lots == ["A", "4711", "C"]
    assert checked.expiries == [date(2027, 3, 31), date(2027, 4, 30), date(2027, 3, 31)]


# --- the commit, both databases ---------------------------------------------------------------


@pytest.fixture
def shipment(make_supplier, make_warehouse, make_product):
    make_supplier(code="ACME", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")


def _header(session):
    return services.receipt_header(session, supplier="acme", warehouse="MAIN", reference="PO-L", product="PHONE-1")


def test_commit_stores_lot_and_expiry_and_skips_a_bad_date(session, shipment):
    past = (utcnow() - timedelta(days=3)).date()
    raw = csv_bytes([["Serial", "Lot", "Expiry"], ["L-1", HOSTILE_LOT, "31.12.2027"], ["L-2", "B\\2\t", "bad"],
                     ["L-3", "", past.isoformat()], ["L-4", "", ""]], delimiter=";")
    with pytest.raises(services.ListRefused) as refused:
        services.import_list(session, header=_header(session), content=raw, file_name="l.csv", actor=None)
    assert [e.code for e in refused.value.preview.errors] == ["invalid_expiry"]
    receipt, preview = services.import_list(session, header=_header(session), content=raw, file_name="l.csv",
                                            actor=None, skip_invalid=True)
    session.commit()
    items = session.execute(select(SerialItem.serial, SerialItem.lot, SerialItem.expires_at)
                            .where(SerialItem.receipt_id == receipt.id).order_by(SerialItem.id)).all()
    assert [tuple(i) for i in items] == [("L-1", HOSTILE_LOT, date(2027, 12, 31)), ("L-3", None, past),
                                         ("L-4", None, None)]
    assert receipt.skipped_rows == 1
    assert preview.summary()["lots"] == {"with_lot": 1, "with_expiry": 2, "earliest_expiry": past.isoformat(),
                                         "expired": 1}


def test_a_lot_with_a_backslash_or_tab_inside_is_stored_as_typed(session, shipment):
    raw = csv_bytes([["Serial", "Lot"], ["T-1", "B\\2 x"], ["T-2", "B\\N"]])
    receipt, _ = services.import_list(session, header=_header(session), content=raw, file_name="t.csv", actor=None)
    session.commit()
    lots = session.scalars(select(SerialItem.lot).where(SerialItem.receipt_id == receipt.id)
                           .order_by(SerialItem.id)).all()
    assert lots == ["B\\2 x", "B\\N"]


def test_a_list_without_lot_columns_stores_none_and_says_nothing(session, shipment):
    raw = csv_bytes([["Serial"], ["N-1"]])
    receipt, preview = services.import_list(session, header=_header(session), content=raw, file_name="n.csv",
                                            actor=None)
    session.commit()
    assert session.execute(select(SerialItem.lot, SerialItem.expires_at)
                           .where(SerialItem.receipt_id == receipt.id)).one() == (None, None)
    assert "lots" not in preview.summary()


# --- the desk, the API and the CSV ---------------------------------------------------------------


def test_the_preview_maps_the_columns_and_says_how_many_are_expired(desk):
    past = (utcnow() - timedelta(days=1)).date().isoformat()
    rows = [["Serial", "SKU", "Charge", "MHD"], ["P-1", "PHONE-1", HOSTILE_LOT, past], ["P-2", "PHONE-1", "L2", "x"]]
    html = upload(desk, csv_bytes(rows, delimiter=";")).get_data(as_text=True)
    assert "Lot / batch" in html and "Expiry / best before" in html
    assert "1 valid row with a lot, 1 with an expiry date" in html and "1 already expired" in html
    assert "Invalid expiry date" in html
    assert HOSTILE_LOT not in html and "&lt;script&gt;" in html


def test_the_reconciliation_csv_carries_lot_and_expiry_formula_safe(desk):
    rows = [["Serial", "SKU", "Lot", "Expiry"], ["R-1", "PHONE-1", HOSTILE_LOT, "31.12.2027"]]
    first = upload(desk, csv_bytes(rows))
    done = desk.post(f"/receiving/uploads/{staged_id(first)}/commit", data={"expected_invalid": "0"}, headers=HX)
    response = desk.get(done.headers["HX-Redirect"] + "/reconciliation.csv")
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    head = table.index(["serial", "sku", "outcome", "status", "bin", "received_at", "lot", "expires_at"])
    serial, *_, lot, expires = table[head + 1]
    assert (serial, lot, expires) == ("R-1", "'" + HOSTILE_LOT, "2027-12-31")


def test_the_api_dry_run_and_commit_show_the_mapping_and_the_lots(app, make_supplier, make_warehouse, make_product,
                                                                  make_user):
    from portal.auth.services import issue_token
    from portal.extensions import db
    from portal.models import User

    make_supplier(code="ACME", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    receiver = make_user(role="receiver")
    with app.app_context():
        token = issue_token(db.session, user=db.session.get(User, receiver.id), name="t")[1]
        db.session.commit()
    client = app.test_client()
    raw = csv_bytes([["Serial", "Lote", "Caducidad"], ["A-1", "L1", "31/12/2027"], ["A-2", "L1", "32/12/2027"]])

    def post(**fields):
        data = {"supplier": "ACME", "warehouse": "MAIN", "reference": "ASN-L", "product": "PHONE-1",
                "file": (io.BytesIO(raw), "l.csv"), **fields}
        return client.post("/api/v1/receipts", data=data, headers={"Authorization": f"Bearer {token}"},
                           content_type="multipart/form-data")

    dry = post(dry_run="true")
    assert dry.status_code == 200, dry.get_json()
    body = dry.get_json()
    assert body["mapping"]["columns"] == {"serial": "Serial", "lot": "Lote", "expiry": "Caducidad"}
    assert body["lots"] == {"with_lot": 1, "with_expiry": 1, "earliest_expiry": "2027-12-31", "expired": 0}
    assert body["errors"][0]["code"] == "invalid_expiry" and body["errors"][0]["column"] == "Caducidad"
    created = post(skip_invalid="true")
    assert created.status_code == 201, created.get_json()
    item = client.get("/api/v1/serials/A-1", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (item["lot"], item["expires_at"], item["expired"]) == ("L1", "2027-12-31", False)
