"""The bin pattern expander: pure rules, no database."""

import pytest

from portal.catalog.bin_patterns import (
    MAX_BINS_PER_PATTERN,
    BadSegment,
    expand_bin_pattern,
    parse_bin_pattern,
)
from portal.errors import Invalid


def test_aisles_racks_levels_make_200_bins_in_order():
    codes = expand_bin_pattern(["A-D", "01-10", "1-5"], "-")
    assert len(codes) == 200
    assert codes[:6] == ["A-01-1", "A-01-2", "A-01-3", "A-01-4", "A-01-5", "A-02-1"]
    assert codes[-1] == "D-10-5"
    assert len(set(codes)) == 200


def test_count_and_preview_without_expanding():
    pattern = parse_bin_pattern(["A-D", "01-10", "1-5", None], "-")
    assert pattern.count == 200
    assert pattern.preview() == ["A-01-1", "A-01-2", "A-01-3", "D-10-5"]


@pytest.mark.parametrize(
    ("segments", "separator", "expected"),
    [
        (["a-c"], "-", ["A", "B", "C"]),  # lower case is upper-cased
        (["001-003"], "-", ["001", "002", "003"]),  # leading zero pads to the start's width
        (["8-11"], "-", ["8", "9", "10", "11"]),  # no leading zero, no padding
        (["A,C,F", "1"], ".", ["A.1", "C.1", "F.1"]),  # lists and a separator
        (["MEZZ", "01-02"], "", ["MEZZ01", "MEZZ02"]),  # a plain code, no separator
        (["A–B", "1..2"], "_", ["A_1", "A_2", "B_1", "B_2"]),  # en dash and .. as range marks
        (["", "X", "  "], "-", ["X"]),  # empty segments are left out
        (["R1"], "-", ["R1"]),  # a single bin is a pattern of plain codes
    ],
)
def test_ranges_lists_and_literals(segments, separator, expected):
    assert expand_bin_pattern(segments, separator) == expected


@pytest.mark.parametrize(
    ("segments", "message", "segment"),
    [
        (["D-A"], "runs backwards", 1),
        (["A-D", "10-01"], "runs backwards", 2),
        (["A-3"], "two letters (A-D) or two numbers", 1),
        (["AA-AD"], "from one letter to another", 1),
        (["A-D", "01-10", "<script>"], "neither a range", 3),
        (["A,,B"], "empty part", 1),
        (["A,A"], "same value twice", 1),
        (["09-100"], "does not fit the 2-digit padding", 1),
        (["1-999999"], "numbers go up to", 1),
    ],
)
def test_bad_ranges_name_their_segment(segments, message, segment):
    with pytest.raises(BadSegment) as raised:
        parse_bin_pattern(segments, "-")
    assert message in raised.value.message
    assert raised.value.details == {"segment": segment}


def test_hard_cap_refuses_a_pattern_that_makes_too_many_bins():
    with pytest.raises(Invalid) as raised:
        parse_bin_pattern(["A-Z", "001-100", "1-5"], "-")  # 13,000
    assert raised.value.code == "too_many_bins"
    assert "13,000" in raised.value.message and f"{MAX_BINS_PER_PATTERN:,}" in raised.value.message
    # exactly at the cap is allowed
    assert parse_bin_pattern(["A-Y", "001-200"], "-").count == MAX_BINS_PER_PATTERN


def test_no_segment_bad_separator_and_long_codes_are_refused():
    with pytest.raises(Invalid, match="at least one segment"):
        parse_bin_pattern([None, "", " "], "-")
    with pytest.raises(Invalid, match="separator"):
        parse_bin_pattern(["A-B"], "/")
    with pytest.raises(Invalid, match="longer than 32"):
        parse_bin_pattern(["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABCDEFGHIJ"], "-")
