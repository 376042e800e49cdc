"""Every unreadable text file is a clear UnreadableFile with a code, never an exception
escaping (issue 11.5): the csv field limit, one very long line of serials, bare carriage
returns, NUL characters, and random bytes."""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.receiving import supplier_lists as lists
from tests.receiving.files import csv_bytes, xlsx_bytes
from tests.receiving.hostile_files import (
    bare_cr_lines,
    csv_nul_after_4_kb,
    csv_unclosed_quote,
    csv_value_over_field_limit,
    one_line_of_serials,
    one_line_serials,
)


def read_and_check(raw: bytes, **kwargs):
    table = lists.read_table(raw, **kwargs)
    mapping = lists.recognise_columns(table.headers)
    return table, lists.check_rows(table, mapping)


def test_an_unclosed_quote_running_past_the_csv_field_limit_is_refused_naming_the_line():
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(csv_unclosed_quote())  # the quote never closes
    assert refused.value.code == "field_too_large"
    assert "Line 3" in refused.value.message and "quote" in refused.value.message
    assert refused.value.details["line"] == 3


def test_one_value_over_the_field_limit_is_refused():
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(csv_value_over_field_limit())
    assert refused.value.code == "field_too_large"
    assert "Line 2" in refused.value.message


@pytest.mark.parametrize("separator", [",", ";"])
def test_15000_serials_on_one_line_are_read_as_15000_serials(separator):
    serials = one_line_serials(15_000)
    table, checked = read_and_check(one_line_of_serials(15_000, separator))  # with a trailing separator
    assert table.one_line and table.delimiter == separator
    assert "one line of" in table.description
    assert checked.serials == serials
    assert checked.row_numbers[:3] == [1, 2, 3] and checked.row_numbers[-1] == 15_000  # positions on the line
    # a duplicate on that line is named by position
    table, checked = read_and_check(b",".join([b"A1", b"A2", b"A3", b"a1"] + [b"B%d" % i for i in range(10)]))
    assert [(e.row, e.code) for e in checked.errors] == [(4, "duplicate_in_file")]


def test_one_line_of_serials_under_a_one_cell_header_is_read_whole():
    serials = [f"SN{i:05d}" for i in range(500)]
    table, checked = read_and_check(("Serial\n" + ",".join(serials) + "\n").encode())
    assert table.one_line and table.headers == ["Serial"]
    assert checked.serials == serials and checked.row_numbers[-1] == 500
    # a real header of several columns above one long row is a normal (wide) file
    table, checked = read_and_check(("Serial,SKU\n" + ",".join(serials) + "\n").encode())
    assert not table.one_line and checked.serials == ["SN00000"]


def test_one_short_line_without_a_header_is_still_no_serial_column():
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(b"SN-1,P-1,10.00\n")
    assert refused.value.code == "no_serial_column"


@pytest.mark.parametrize("ending", ["\r", "mixed"])
def test_lines_ending_with_a_bare_carriage_return_are_read(ending):
    raw = bare_cr_lines() if ending == "\r" else b"Serial,SKU\rSN-1,P-1\r\nSN-2,P-1\nSN-3,P-2\r"
    table, checked = read_and_check(raw)
    assert checked.serials == ["SN-1", "SN-2", "SN-3"]
    assert checked.skus == ["P-1", "P-1", "P-2"]
    assert checked.row_numbers == [2, 3, 4]
    # plain text, one serial per line, old Mac line ends
    table, checked = read_and_check(b"ABC1\rABC2\rABC3\r")
    assert checked.serials == ["ABC1", "ABC2", "ABC3"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_a_nul_in_a_sku_after_the_first_4_kb_is_refused_naming_the_line(encoding):
    raw = csv_nul_after_4_kb(encoding)
    assert raw.find("\x00".encode(encoding)) > 4096 or encoding == "utf-16"
    with pytest.raises(lists.UnreadableFile) as refused:
        lists.read_table(raw)
    assert refused.value.code == "nul_character"
    assert "Line 402" in refused.value.message
    assert refused.value.details == {"line": 402}


def test_hostile_values_are_kept_as_text_and_checked():
    rows = [["Serial", "SKU", "Cost"], ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "1"],
            ["SN-1'; DROP TABLE serial_items;--", "P-1", "1"], ["SN-2", "=HYPERLINK(\"x\")", "=1+1"]]
    table, checked = read_and_check(csv_bytes(rows, delimiter="\t"))
    codes = {e.row: e.code for e in checked.errors}
    assert codes == {3: "bad_characters", 4: "invalid_cost"}
    # markup and formulas stay plain text here (escaped by the pages, neutralised in exports)
    assert checked.serials == ["<script>alert(1)</script>"]
    assert checked.skus == ["=CMD|' /C CALC'!A0"]


def _must_read_or_refuse(raw: bytes) -> None:
    try:
        table = lists.read_table(raw)
    except lists.UnreadableFile as refused:
        assert refused.code and refused.message
        return
    try:
        mapping, _notes = lists.resolve_mapping(table.headers)
    except lists.UnreadableFile as refused:
        assert refused.code == "no_serial_column"
        return
    checked = lists.check_rows(table, mapping)
    assert len(checked.serials) == len(checked.skus) == len(checked.costs) == len(checked.row_numbers)
    assert all("\x00" not in s for s in checked.serials)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_are_read_or_refused_clearly(raw):
    _must_read_or_refuse(raw)


_CSV_ALPHABET = st.sampled_from(list(string.ascii_letters + string.digits + ",;\t|\"'\r\n -./=+@#\x00\x85"
                                     + "ÄéÑ€\u2028\ufeff"))
_CSV_WORDS = st.sampled_from(["Serial", "SKU", "Cost", "IMEI", "Nº de serie", "Seriennr.", "Precio", "sep=;",
                              "\"", "\"\"", "12,50", "1.234,50", "n/a", "-", "SN-1", "sn-1", "1.23E+11"])
_CSV_TEXT = st.lists(st.one_of(_CSV_WORDS, st.text(_CSV_ALPHABET, max_size=20)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CSV_TEXT, st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_random_csv_ish_text_is_read_or_refused_clearly(text, encoding):
    _must_read_or_refuse(text.encode(encoding, errors="replace"))


_WORKBOOK = xlsx_bytes({"S": [["Serial", "SKU"], ["SN-1", "P-1"], [356938035643809, "P-2"]]})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_WORKBOOK) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_workbooks_are_read_or_refused_clearly(changes):
    raw = bytearray(_WORKBOOK)
    for at, value in changes:
        raw[at] = value
    _must_read_or_refuse(bytes(raw))
