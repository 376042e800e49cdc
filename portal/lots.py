"""Lot (batch) and expiry rules: pure, no database, no Flask.

Every path that takes a lot or an expiry date imports these: the supplier list
reader (``receiving/supplier_lists.py``), put-away from a scanned GS1 code
(AI 10 batch, AI 17 expiry) and shipping (``items/expiry.py``).

- A lot is stored as typed: edges trimmed, case kept, at most
  :data:`MAX_LOT_LENGTH` characters, no control characters or line breaks
  inside (spaces and any other printable text are kept; pages escape it and
  CSV exports neutralise formulas).
- An expiry date is read from the usual ways of writing one (:func:`parse_expiry`).
  A unit is expired from the day after its expiry date (:func:`is_expired`):
  on the date itself it may still ship.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from .serials import clean_edges

MAX_LOT_LENGTH = 64
#: Control characters, line and paragraph separators: never inside a lot.
_BAD_LOT_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: Excel's day 0 (its serial dates count from here; 1900's false leap day included).
EXCEL_EPOCH = date(1899, 12, 30)
#: Years an expiry date may have; anything else is a typing slip or another column.
YEARS = range(1990, 2200)
EXPIRY_FORMATS = "2027-03-31, 31.03.2027, 31/03/2027, 03/2027 or GS1 YYMMDD (270331)"

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[./-](\d{4})|(\d{4})[./-](\d{1,2})")
_DIGITS = re.compile(r"\d{5,8}(?:\.0+)?")


class BadLot(ValueError):
    """A lot that cannot be stored; ``str()`` says why."""


class BadExpiry(ValueError):
    """An expiry date that cannot be read; ``str()`` says why."""


def clean_lot(raw: str | None) -> str | None:
    """The lot as stored (None when blank); raises :class:`BadLot`."""
    lot = clean_edges(raw or "")
    if not lot:
        return None
    if len(lot) > MAX_LOT_LENGTH:
        raise BadLot(f"The lot is {len(lot)} characters long; at most {MAX_LOT_LENGTH} are allowed.")
    if _BAD_LOT_CHARACTERS.search(lot):
        raise BadLot("The lot has control characters or line breaks inside it.")
    return lot


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def gs1_date(digits: str, *, today: date | None = None) -> date:
    """A GS1 date YYMMDD (AI 17): day 00 is the month's last day; the century is
    the one that puts the year within 49 years back and 50 ahead of ``today``
    (GS1 General Specifications 7.12). Raises :class:`BadExpiry`."""
    if len(digits) != 6 or not digits.isdigit():
        raise BadExpiry(f"“{digits}” is not a GS1 date (YYMMDD).")
    yy, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    this_year = (today or date.today()).year
    century = this_year // 100 * 100
    year = century + yy
    if year - this_year > 50:
        year -= 100
    elif this_year - year > 49:
        year += 100
    return _calendar_date(year, month, day, digits, end_of_month=day == 0)


def parse_expiry(raw: str | None, *, today: date | None = None) -> date | None:
    """An expiry or best-before date as supplier lists write it (None when blank):
    ISO ``2027-03-31`` (with a time after it, as Excel cells are read), day first
    ``31.03.2027``, ``31/03/2027``, ``31-03-27``, month and year only ``03/2027``
    or ``2027-03`` (the month's last day), ``20270331``, an Excel serial day number
    (``46477``) or GS1 ``YYMMDD`` (day 00: the month's last day). Raises
    :class:`BadExpiry` naming what was wrong."""
    text = clean_edges(raw or "")
    if not text:
        return None
    if match := _ISO.fullmatch(text):
        return _calendar_date(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _DAY_FIRST.fullmatch(text):
        year = int(match[4]) + (2000 if len(match[4]) == 2 else 0)
        return _calendar_date(year, int(match[3]), int(match[1]), text)
    if match := _MONTH_YEAR.fullmatch(text):
        month, year = (match[1], match[2]) if match[1] else (match[4], match[3])
        return _calendar_date(int(year), int(month), 1, text, end_of_month=True)
    if _DIGITS.fullmatch(text):
        digits = text.split(".")[0]
        if len(digits) == 6:
            return gs1_date(digits, today=today)
        if len(digits) == 8:
            return _calendar_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]), text)
        if len(digits) == 5:
            return _in_range(EXCEL_EPOCH + timedelta(days=int(digits)), text)
    raise BadExpiry(f"“{text[:40]}” is not a date: write it as {EXPIRY_FORMATS}.")


def _calendar_date(year: int, month: int, day: int, text: str, *, end_of_month: bool = False) -> date:
    if not 1 <= month <= 12:
        raise BadExpiry(f"“{text[:40]}” has no month {month}: dates are read day first (31.03.2027) or as "
                        "2027-03-31.")
    try:
        found = month_end(year, month) if end_of_month else date(year, month, day)
    except ValueError:
        raise BadExpiry(f"“{text[:40]}” is not a day of the calendar.") from None
    return _in_range(found, text)


def _in_range(found: date, text: str) -> date:
    if found.year not in YEARS:
        raise BadExpiry(f"“{text[:40]}” is in {found.year}: an expiry date lies between {YEARS.start} and "
                        f"{YEARS.stop - 1}.")
    return found


def is_expired(expires_at: date | None, today: date) -> bool:
    """Expired from the day after the expiry date."""
    return expires_at is not None and expires_at < today
