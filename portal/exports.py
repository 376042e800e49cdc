"""Shared rules for files the portal writes (CSV/XLSX exports)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value) -> str:
    """A cell that a spreadsheet would run as a formula (starts with = + - @,
    or a tab/carriage return) gets a leading single quote; everything else is
    written as it is. Protects whoever opens the export in Excel."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
