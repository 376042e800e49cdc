"""Rules shared by every download the portal writes (CSV, XLSX).

A spreadsheet treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a
formula, so a supplier called ``=HYPERLINK(...)`` could run something on a
manager's desktop. Such text cells are neutralised with a leading single quote
(tab and carriage return too, as OWASP advises). Numbers stay numbers: a
negative quantity is data, not a formula.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """The value safe to put in a CSV or XLSX cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
