"""Pure rules: telling bin labels from serials, and reading GS1 codes."""

from datetime import date

import pytest

from portal.scanning.barcodes import BadCode, BinLabel, SerialCode, printable, read_code

GS = "\x1d"


def read(raw):
    return read_code(raw, bin_prefix="BIN:")


def test_plain_serial_is_trimmed():
    assert read("  4CU0460D0G\r\n") == SerialCode(serial="4CU0460D0G")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("BIN:WH1/A-01-1", BinLabel(bin_code="A-01-1", warehouse_code="WH1")),
        ("bin:wh1/a-01-1", BinLabel(bin_code="A-01-1", warehouse_code="WH1")),
        ("BIN:A-01-1", BinLabel(bin_code="A-01-1")),
        ("]C0BIN:WH1/A-01-1", BinLabel(bin_code="A-01-1", warehouse_code="WH1")),
    ],
)
def test_bin_labels_carry_the_prefix(raw, expected):
    assert read(raw) == expected


def test_the_prefix_is_configurable():
    assert read_code("LOC-WH1/A-02", bin_prefix="LOC-") == BinLabel(bin_code="A-02", warehouse_code="WH1")
    assert read_code("BIN:WH1/A-02", bin_prefix="LOC-") == SerialCode(serial="BIN:WH1/A-02")


def test_bin_label_without_a_bin_is_refused():
    with pytest.raises(BadCode, match="no bin code"):
        read("BIN:")
    with pytest.raises(BadCode, match="no bin code"):
        read("BIN:/A-1")


@pytest.mark.parametrize(
    "raw",
    [
        "]C1" + "0109501101530003" + "17281231" + "10LOT42" + GS + "21SN-GS1-0001",  # GS1-128 with GS
        "]d2" + "0109501101530003" + "17281231" + "10LOT42" + GS + "21SN-GS1-0001",  # GS1 DataMatrix
        "]Q3" + "0109501101530003" + "17281231" + "10LOT42" + GS + "21SN-GS1-0001",  # GS1 QR
        "0109501101530003" + "17281231" + "10LOT42" + GS + "21SN-GS1-0001",  # no symbology prefix
        "(01)09501101530003(17)281231(10)LOT42(21)SN-GS1-0001",  # bracketed, as printed under the bars
    ],
)
def test_gs1_takes_serial_gtin_expiry_and_batch(raw):
    code = read(raw)
    assert code == SerialCode(
        serial="SN-GS1-0001", gtin="09501101530003", expiry=date(2028, 12, 31), batch="LOT42", gs1=True
    )


def test_gs1_without_group_separator_when_the_serial_comes_last():
    code = read("]C1" + "0109501101530003" + "17281231" + "21SN77")
    assert (code.serial, code.gtin, code.expiry) == ("SN77", "09501101530003", date(2028, 12, 31))
    code = read("010950110153000321SN77")  # no prefix, no separator: AI 01 + valid GTIN + AI 21
    assert code.serial == "SN77" and code.gs1


def test_gs1_without_serial_is_refused_with_the_reason():
    with pytest.raises(BadCode, match="no serial number"):
        read("]C1" + "0109501101530003" + "17281231")


def test_numeric_serials_are_not_mistaken_for_gs1():
    # starts with "10"/"21"/"01" but no GS1 hint: a plain serial
    assert read("1012345678") == SerialCode(serial="1012345678")
    assert read("2100042") == SerialCode(serial="2100042")
    assert read("0112345678901234") == SerialCode(serial="0112345678901234")  # bad GTIN check digit


def test_plain_symbology_prefix_is_removed():
    assert read("]C0SN-123") == SerialCode(serial="SN-123")


def test_product_ean_is_refused_as_not_a_serial():
    with pytest.raises(BadCode, match="EAN/UPC"):
        read("]E09501101530003")


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "Nothing was scanned"),
        ("   ", "Nothing was scanned"),
        ("X" * 201, "longer than 200"),
        ("X" * 65, "at most 64"),
        ("SN\x07BELL", "control characters"),
    ],
)
def test_bad_input_gets_a_clear_message(raw, message):
    with pytest.raises(BadCode, match=message):
        read(raw)


def test_hostile_text_is_just_a_serial_to_look_up():
    assert read("<script>alert(1)</script>").serial == "<script>alert(1)</script>"
    assert read("=cmd|' /C calc'!A0").serial == "=cmd|' /C calc'!A0"
    assert read("'; DROP TABLE serial_items; --").serial == "'; DROP TABLE serial_items; --"


def test_printable_shows_control_characters():
    assert printable("01" + GS + "21X\r") == "01<GS>21X<CR>"
