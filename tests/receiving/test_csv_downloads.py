"""Issue 12.9 for receiving's downloads: ``errors.csv`` and the reconciliation CSV are
written like every CSV of the portal (portal/exports.py): UTF-8 with a BOM, ``;`` with
``?sep=semicolon`` or the CSV_SEPARATOR setting, an IMEI kept as text (Excel would show
3.57E+14), a formula neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from portal.exports import BOM, cell_text
from tests.receiving.files import csv_bytes
from tests.receiving.test_routes import staged_id, upload

HX = {"HX-Request": "true"}
IMEI = "356938035643809"
FORMULA = "=cmd|' /C calc'!A0"


def read(response, separator: str = ",") -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM)  # Excel then reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=separator))


@pytest.fixture
def errors_csv(desk):
    """The errors.csv URL of an upload with an IMEI twice and a formula as a serial."""
    rows = [["Serial", "SKU"], ["GOOD-1", "PHONE-1"], [IMEI, "PHONE-1"], [IMEI, "PHONE-1"], [FORMULA, "PHONE-1"]]
    return f"/receiving/uploads/{staged_id(upload(desk, csv_bytes(rows, delimiter=';')))}/errors.csv"


@pytest.fixture
def reconciliation_csv(desk):
    """The reconciliation CSV URL of a receipt with an IMEI listed and a formula in a skipped row."""
    first = upload(desk, csv_bytes([["Serial"], [IMEI], ["n/a"], [FORMULA]]))
    done = desk.post(f"/receiving/uploads/{staged_id(first)}/commit",
                     data={"expected_invalid": "2", "skip_invalid": "1"}, headers=HX)
    return done.headers["HX-Redirect"] + "/reconciliation.csv"


def test_errors_csv_has_a_bom_keeps_an_imei_as_text_and_neutralises_formulas(desk, errors_csv):
    table = read(desk.get(errors_csv))
    assert table[0] == ["row", "column", "value", "code", "message"]
    values = {row[2] for row in table[1:]}
    assert "\t" + IMEI in values and cell_text("\t" + IMEI) == IMEI  # text to Excel, the IMEI when trimmed
    assert "'" + FORMULA in values and FORMULA not in values


def test_errors_csv_takes_the_semicolon_option(desk, errors_csv):
    table = read(desk.get(errors_csv + "?sep=semicolon"), ";")
    assert table[0] == ["row", "column", "value", "code", "message"]
    assert all(len(row) == 5 for row in table)
    refused = desk.get(errors_csv + "?sep=pipe")
    assert refused.status_code == 422 and "separator" in refused.get_data(as_text=True)


def test_reconciliation_csv_has_a_bom_keeps_an_imei_as_text_and_neutralises_formulas(desk, reconciliation_csv):
    table = read(desk.get(reconciliation_csv))
    assert table[0][0] == "receipt"
    serials = [row[0] for row in table[table.index(["serial", "sku", "outcome", "status", "bin", "received_at", "lot",
                                                 "expires_at"]) + 1:]
               if row]
    assert serials[0] == "\t" + IMEI
    skipped = table[table.index(["skipped row", "value", "code"]) + 1:]
    assert ["4", "'" + FORMULA, "bad_characters"] in skipped


def test_reconciliation_csv_takes_the_semicolon_option_by_parameter(desk, reconciliation_csv):
    table = read(desk.get(reconciliation_csv + "?sep=;"), ";")
    assert ["listed", "1"] in table and ["skipped rows", "2"] in table


def test_the_separator_setting_applies_to_both(app, desk, errors_csv, reconciliation_csv):
    app.config["CSV_SEPARATOR"] = ";"  # PORTAL_CSV_SEPARATOR
    assert read(desk.get(errors_csv), ";")[0] == ["row", "column", "value", "code", "message"]
    assert ["listed", "1"] in read(desk.get(reconciliation_csv), ";")
    assert read(desk.get(errors_csv + "?sep=comma"))[0] == ["row", "column", "value", "code", "message"]
