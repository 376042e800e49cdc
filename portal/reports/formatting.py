"""How report figures read on the page and on paper (one place, so the HTML
preview and the PDF print the same text)."""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup, escape

from .results import Column, Fact


def integer(value) -> str:
    return "–" if value is None else f"{int(value):,}"


def money(value) -> str:
    return "–" if value is None else f"{float(value):,.2f}"


def percent(share, digits: int = 1) -> str:
    if share is None:
        return "–"
    return f"{share * 100:.{digits}f} %"


def share_of(numerator, denominator, digits: int = 1) -> str:
    """A rate with what it is a rate of: "12.5 % (1 of 8)"."""
    if not denominator:
        return f"– (0 of {integer(denominator or 0)})"
    return f"{percent(numerator / denominator, digits)} ({integer(numerator)} of {integer(denominator)})"


def expiry(days_left) -> str:
    """Whole days to an expiry date, as a person says it."""
    days = int(days_left)
    if days < 0:
        return f"expired {integer(-days)} day{'' if days == -1 else 's'} ago"
    if days == 0:
        return "expires today"
    return f"{integer(days)} day{'' if days == 1 else 's'} left"


def cell(column: Column, row: dict) -> Markup:
    value = row.get(column.key)
    kind = column.kind
    if value is None:
        text = "" if kind in ("text", "flag") else "–"
    elif kind in ("int", "days"):
        text = integer(value)
    elif kind == "money":
        text = money(value)
    elif kind == "number":
        text = f"{float(value):,.1f}"
    elif kind == "pct":
        text = percent(value, 2)
        if column.of:
            return Markup('{} <span class="of">of {}</span>').format(text, integer(row.get(column.of)))
    elif kind == "interval":
        low, high = value
        text = f"{low * 100:.2f}–{high * 100:.2f} %"
    elif kind == "ppm":
        text = integer(round(value))
    elif kind == "expiry":
        text = expiry(value)
    elif kind == "date":
        text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    elif kind == "flag":
        return Markup('<strong class="flag">{}</strong>').format(value) if value else Markup("")
    else:
        text = str(value)
    return escape(text)


def total_cell(column: Column, totals: dict) -> Markup:
    """A cell of a table's totals row: blank where the column has no total."""
    if column.key not in totals:
        return Markup("")
    return cell(column, totals)


def fact(f: Fact) -> str:
    if f.denominator is not None:
        return share_of(f.numerator, f.denominator)
    if f.value is None:
        return "–"
    if f.kind == "money":
        return f"{money(f.value)} {f.unit}".strip()
    if f.kind == "days":
        return f"{float(f.value):,.1f} days" if isinstance(f.value, float) else f"{integer(f.value)} days"
    if f.kind == "int":
        return integer(f.value)
    return str(f.value)


def numeric_kind(column: Column) -> bool:
    return column.kind in ("int", "money", "days", "pct", "interval", "ppm", "number", "expiry")
