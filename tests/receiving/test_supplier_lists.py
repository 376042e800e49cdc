"""Reading supplier files: pure rules, no database."""

import codecs

import pytest

from portal.receiving import supplier_lists as lists
from tests.receiving.files import csv_bytes, xlsx_bytes


def read_and_check(raw: bytes, **kwargs):
    table = lists.read_table(raw, **kwargs)
    mapping = lists.recognise_columns(table.headers)
    return table, mapping, lists.check_rows(table, mapping)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_delimiter_is_detected(delimiter):
    raw = csv_bytes([["Serial No", "SKU", "Cost"], ["A1", "P-1", "1.50"], ["A2", "P-1", "2.00"]],
                    delimiter=delimiter)
    table, mapping, checked = read_and_check(raw)
    assert table.delimiter == delimiter
    assert mapping.columns == {"serial": 0, "sku": 1, "cost": 2}
    assert checked.serials == ["A1", "A2"]
    assert [str(c) for c in checked.costs] == ["1.50", "2.00"]


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row():
    raw = csv_bytes([["S/N", "Part number"], ["X1", "P"], ["X2", "P"]], delimiter=";", sep_line=True)
    table, mapping, checked = read_and_check(raw)
    assert table.delimiter == ";"
    assert checked.serials == ["X1", "X2"]
    assert checked.row_numbers == [2, 3]


def test_plain_text_one_serial_per_line_with_or_without_header():
    table, mapping, checked = read_and_check(b"ABC1\r\nABC2\r\n\r\nABC3\r\n")
    assert table.kind == "text" and table.header_index is None
    assert checked.serials == ["ABC1", "ABC2", "ABC3"]
    table, mapping, checked = read_and_check(b"Serial\nABC1\nABC2\n")
    assert checked.serials == ["ABC1", "ABC2"]


@pytest.mark.parametrize(
    "encoding,bom,label",
    [("utf-8", b"", "UTF-8"), ("utf-8", codecs.BOM_UTF8, "UTF-8 with BOM"),
     ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"), ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
     ("cp1252", b"", "Windows-1252")],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_and_line_ends(encoding, bom, label, newline):
    raw = bom + csv_bytes([["Serial", "Description"], ["SN-1", "Câble €5"], ["SN-2", "Gerät"]],
                          delimiter="\t", encoding=encoding, newline=newline)
    table, mapping, checked = read_and_check(raw)
    assert table.encoding == label
    assert checked.serials == ["SN-1", "SN-2"]
    assert table.rows[1][1] == "Câble €5"


@pytest.mark.parametrize(
    "raw,says",
    [(b"%PDF-1.7 ...", "PDF"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
     (b"\x89PNG\r\n\x1a\n....", "image"), (b"PK\x03\x04 not really a workbook", "ZIP"),
     (b"\x00\x01\x02binary", "binary"), (codecs.BOM_UTF32_LE + "S".encode("utf-32-le"), "UTF-32"),
     (b"", "empty"), (b"  \n \n", "empty")],
)
def test_other_files_are_refused_saying_what_they_are_and_what_is_accepted(raw, says):
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(raw)
    assert says in refused.value.message
    if "empty" not in says:
        assert "Accepted:" in refused.value.message


def test_no_serial_column_is_refused_with_the_columns_found_never_guessed():
    raw = csv_bytes([["Article", "Qty", "Code"], ["P-1", "1", "X9"]])
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(raw)
    assert refused.value.code == "no_serial_column"
    assert refused.value.details["columns"] == ["Article", "Qty", "Code"]
    assert "“Code”" in refused.value.message


def test_a_remembered_mapping_finds_an_unusual_serial_header():
    raw = csv_bytes([["Ref fab", "Article"], ["X1", "P-1"]])
    hint = {"columns": {"serial": "Ref fab", "sku": "Article"}}
    table = lists.read_table(raw, mapping_hint=hint)
    mapping = lists.Mapping.from_json(hint, table.headers)
    assert mapping.columns == {"serial": 0, "sku": 1}
    assert lists.check_rows(table, mapping).serials == ["X1"]


@pytest.mark.parametrize("header,field", [
    ("Serial", "serial"), ("serial no.", "serial"), ("S/N", "serial"), ("SN", "serial"), ("IMEI", "serial"),
    ("MAC Address", "serial"), ("SKU", "sku"), ("Part Number", "sku"), ("Item", "sku"), ("Article", "article"),
    ("Model", "sku"), ("Description", "description"), ("Unit cost", "cost"), ("PO", "po"),
    ("Carton", "carton"), ("Pallet", "carton"), ("Qty", None)])
def test_headers_are_recognised(header, field):
    assert lists.header_field(header) == field


def test_xlsx_header_not_on_row_one_numbers_keep_every_digit_sheet_selectable():
    raw = xlsx_bytes({
        "Notes": [["Contact", "Phone"], ["Bob", "555"]],
        "Shipment": [["ACME packing list"], [], ["SN", "Model", "Cost"],
                     [123456789012345, "P-1", 10.5], [123456789012.0, "P-1", 3], ["ab-1", "P-1", None],
                     [1.23457e11, "P-1", 1], ["4711.0", "P-1", 1], [12345678901234567890, "P-1", 1]],
    })
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(raw)  # the first sheet has no serial column
    assert refused.value.code == "no_serial_column"
    table = lists.read_table(raw, sheet="Shipment")
    assert table.sheets == ["Notes", "Shipment"]
    mapping = lists.recognise_columns(table.headers)
    checked = lists.check_rows(table, mapping)
    assert checked.serials == ["123456789012345", "123456789012", "ab-1", "123457000000"]
    assert checked.row_numbers == [4, 5, 6, 7]  # as Excel numbers its rows
    codes = {(e.row, e.code) for e in checked.errors}
    assert (8, "excel_mangled") in codes  # a trailing .0 typed as text
    assert (9, "excel_mangled") in codes  # more than 15 digits: Excel rounded it
    with pytest.raises(lists.UnreadableFile):
        lists.read_table(raw, sheet="Nope")


def test_xlsx_cell_text_never_uses_scientific_notation():
    assert lists.xlsx_cell_text(1.0e20) == "100000000000000000000"
    assert lists.xlsx_cell_text(35412345678901.0) == "35412345678901"
    assert lists.xlsx_cell_text(0.5) == "0.5"


def _errors(rows, header=("Serial",), **mapping_kwargs):
    raw = csv_bytes([list(header)] + rows, delimiter=";")
    table = lists.read_table(raw)
    mapping = lists.recognise_columns(table.headers)
    checked = lists.check_rows(table, mapping)
    return checked, {e.row: e.code for e in checked.errors}


def test_every_file_error_kind_is_found():
    rows = [
        ["GOOD-1", "P", "1"],
        ["", "P", "1"],  # blank
        ["AB CD", "P", "1"],  # whitespace inside
        ["AB\x07CD", "P", "1"],  # control character
        ["X" * 65, "P", "1"],  # too long
        ["good-1", "P", "1"],  # duplicate, other case
        ["1.23457E+11", "P", "1"],  # scientific notation
        ["123456.0", "P", "1"],  # trailing .0
        ["GOOD-2", "P", "abc"],  # invalid cost
        ["\u00a0n/a\u2003", "P", "1"],  # placeholder in Unicode whitespace
        ["-", "P", "1"],
        ["NONE", "P", "1"],
        ["GOOD-3", "P", "-5"],  # negative cost
    ]
    checked, codes = _errors(rows, header=("Serial", "SKU", "Cost"))
    assert codes == {3: "blank_serial", 4: "bad_characters", 5: "bad_characters", 6: "too_long",
                     7: "duplicate_in_file", 8: "excel_mangled", 9: "excel_mangled", 10: "invalid_cost",
                     11: "placeholder", 12: "placeholder", 13: "placeholder", 14: "invalid_cost"}
    duplicate = next(e for e in checked.errors if e.code == "duplicate_in_file")
    assert "row 2" in duplicate.message and duplicate.row == 7  # both rows named
    assert checked.serials == ["GOOD-1"]


def test_identifier_checks_follow_the_column_header():
    checked, codes = _errors([["490154203237518"], ["490154203237517"], ["12345"]], header=("IMEI",))
    assert codes == {3: "invalid_imei", 4: "invalid_imei"}
    assert checked.serials == ["490154203237518"]
    checked, codes = _errors([["00:1A:2B:3C:4D:5E"], ["001a2b3c4d5f"], ["00:1A:2B:3C:4D"], ["GG1A2B3C4D5E"]],
                             header=("MAC address",))
    assert codes == {4: "invalid_mac", 5: "invalid_mac"}
    # a plain serial column does not get IMEI rules
    checked, codes = _errors([["12345"]], header=("Serial",))
    assert codes == {}


@pytest.mark.parametrize("raw,value", [("12.50", "12.50"), ("12,50", "12.50"), ("1,234.50", "1234.50"),
                                       ("1.234,50", "1234.50"), ("€ 7", "7.00"), ("", None)])
def test_costs_as_suppliers_write_them(raw, value):
    result = lists.parse_cost(raw)
    assert (str(result) if result is not None else None) == value


def test_surrounding_whitespace_is_trimmed_and_blank_lines_are_not_rows():
    checked, codes = _errors([["  SN-1  "], [""], ["\ufeffSN-2"]])
    assert checked.serials == ["SN-1", "SN-2"]
    assert checked.rows_read == 2
