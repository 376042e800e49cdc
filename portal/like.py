"""Searching text with LIKE: what a person typed matches as typed. Its own
``%``, ``_`` and backslash are escaped, so they match only themselves."""

from __future__ import annotations

from sqlalchemy import ColumnElement

ESCAPE = "\\"


def containing(text: str) -> str:
    """The LIKE pattern for "contains ``text``" (use with ``escape=ESCAPE``)."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def contains(column, text: str, *, ignore_case: bool = False) -> ColumnElement[bool]:
    """``column`` contains ``text`` (case-insensitively with ``ignore_case``)."""
    compare = column.ilike if ignore_case else column.like
    return compare(containing(text), escape=ESCAPE)
