"""The rules of a serial number, in one place: no database, no Flask.

Every path that takes a serial from a person or a file uses these: supplier
lists (receiving), the scan station, the item look-up, the API, the CLI and
the test data. A serial is kept as written once its edges are cleaned
(:func:`normalise`); it is compared and unique by its key (:func:`serial_key`,
upper-case). GS1 codes (a serial inside AI 21) are read by
``portal.scanning.barcodes`` with biip, under the same rules.
"""

from __future__ import annotations

import re

MAX_SERIAL_LENGTH = 64

#: Characters cleaned off a value's edges: ordinary and Unicode whitespace, zero-width ones and BOMs.
EDGE_CHARACTERS = " \t\r\n\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
    "\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
#: Not allowed inside a serial: whitespace and control or invisible formatting characters.
BAD_INNER_CHARACTERS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
#: A serial made only of these needs no check beyond the placeholders (the common case, fast).
PLAIN_SERIAL = re.compile(r"[A-Za-z0-9_\-/]{1,64}")


def clean_edges(value: str) -> str:
    return value.strip(EDGE_CHARACTERS)


def normalise(raw: str | None) -> str:
    """The serial as it is stored: edges cleaned, case as written."""
    return clean_edges(raw or "")


def serial_key(raw: str | None) -> str:
    """The form used for uniqueness and look-up: edges cleaned, upper-case."""
    return normalise(raw).upper()


def lookup_key(raw: str | None) -> str | None:
    """The key to look a typed or scanned serial up by, or None when it cannot
    be one (empty, too long, or holding NUL, which PostgreSQL text cannot)."""
    key = serial_key(raw)
    if not key or len(key) > MAX_SERIAL_LENGTH or "\x00" in key:
        return None
    return key


def has_bad_characters(serial: str) -> bool:
    return BAD_INNER_CHARACTERS.search(serial) is not None


# --- check digits ------------------------------------------------------------------------


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_is_valid(digits: str) -> bool:
    """A GTIN-8, -12, -13 or -14 whose check digit is right."""
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        return False
    return gtin_check_digit(digits[:-1]) == int(digits[-1])


def luhn_check_digit(body: str) -> int:
    """The Luhn (mod-10) check digit for the digits before it (IMEI, card numbers)."""
    total = 0
    for i, digit in enumerate(reversed(body)):
        n = int(digit) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def luhn_is_valid(digits: str) -> bool:
    if len(digits) < 2 or not digits.isascii() or not digits.isdigit():
        return False
    return luhn_check_digit(digits[:-1]) == int(digits[-1])


def imei_is_valid(digits: str) -> bool:
    """15 digits, the last a Luhn check digit."""
    return len(digits) == 15 and luhn_is_valid(digits)
