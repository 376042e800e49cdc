"""The serial rules (portal.serials) and the helpers written once: pure, no app."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import serials
from portal.like import containing
from portal.scanning import barcodes
from portal.warranty import add_months, warranty_ends_on


def test_a_serial_is_kept_as_written_and_keyed_upper_case():
    assert serials.normalise("\ufeff\u00a0ab-12Cd\u200b \t") == "ab-12Cd"
    assert serials.serial_key(" ab-12Cd\u3000") == "AB-12CD"
    assert serials.normalise(None) == "" and serials.serial_key(None) == ""


@pytest.mark.parametrize("raw", ["", "   ", "\u200b", "A" * 65, "AB\x00C"])
def test_what_cannot_be_a_serial_has_no_lookup_key(raw):
    assert serials.lookup_key(raw) is None


def test_the_longest_serial_has_a_key():
    assert serials.lookup_key("a" * serials.MAX_SERIAL_LENGTH) == "A" * 64


@given(st.text(max_size=80))
def test_the_key_is_stable(raw):
    key = serials.serial_key(raw)
    assert serials.serial_key(key) == key
    if raw.isascii():
        assert serials.serial_key(raw.swapcase()) == key == serials.serial_key(raw.lower())
    assert serials.serial_key(" " + raw + "\u200b") == key


def test_inner_whitespace_and_control_characters_are_not_allowed():
    assert serials.has_bad_characters("AB C") and serials.has_bad_characters("AB\x1dC")
    assert not serials.has_bad_characters("AB-C_1/2")


def test_gtin_check_digits():
    assert serials.gtin_check_digit("400638133393") == 1
    assert serials.gtin_is_valid("4006381333931") and not serials.gtin_is_valid("4006381333932")
    assert not serials.gtin_is_valid("12345") and not serials.gtin_is_valid("４００６３８１３３３９３１")


def test_luhn_and_imei():
    assert serials.luhn_check_digit("49015420323751") == 8
    assert serials.imei_is_valid("490154203237518") and not serials.imei_is_valid("490154203237519")
    assert not serials.imei_is_valid("49015420323751") and serials.luhn_is_valid("79927398713")


def test_add_months_and_warranty_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 29), 14) == date(2028, 1, 29)
    assert warranty_ends_on(date(2026, 5, 1), 0) is None
    assert warranty_ends_on(date(2026, 5, 1), 24) == date(2028, 5, 1)


def test_like_text_matches_only_itself():
    assert containing("50%_a\\b") == "%50\\%\\_a\\\\b%"


def test_bin_labels_carry_the_warehouse_and_old_labels_still_read():
    text = barcodes.bin_label_text(prefix="BIN:", warehouse_code="WH1", bin_code="A-01-1")
    assert text == "BIN:WH1/A-01-1"
    assert barcodes.read_code(text, bin_prefix="BIN:") == barcodes.BinLabel("A-01-1", "WH1")
    assert barcodes.read_code("bin:a-01-1", bin_prefix="BIN:") == barcodes.BinLabel("A-01-1", None)
    assert barcodes.bin_name("WH1", "A-01-1") == "WH1/A-01-1" == barcodes.BinLabel("A-01-1", "WH1").label


def test_a_scanned_serial_follows_the_serial_rules():
    assert barcodes.read_code("\u200bab-12\ufeff", bin_prefix="BIN:").serial == "ab-12"
    gs1 = barcodes.read_code("]C1010400638133393121AB-12\x1d10LOT7", bin_prefix="BIN:")
    assert (gs1.serial, gs1.gtin, gs1.batch) == ("AB-12", "04006381333931", "LOT7")
