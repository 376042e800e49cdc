"""The shared CSV neutraliser: a spreadsheet never runs a cell from our exports."""

import pytest

from portal.exports import neutralise_cell


@pytest.mark.parametrize("value,written", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("SN-1", "SN-1"), ("", ""), (None, ""), (42, "42"), ("a=b", "a=b"),
])
def test_cells_that_start_like_formulas_get_a_leading_quote(value, written):
    assert neutralise_cell(value) == written
