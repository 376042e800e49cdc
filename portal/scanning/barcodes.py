"""What a scanned code is: a bin label, a GS1 code carrying a serial, or a plain
serial. Pure rules: no database, no Flask.

The rule (also in the README):

1. A symbology identifier the scanner may put in front (``]C0``, ``]C1``,
   ``]d2``, ``]Q3``, ``]E0``...: ``]`` + a letter + one character) is removed
   first; it also tells us whether the code is GS1 (``]C1``, ``]e0``, ``]d2``,
   ``]Q3``, ``]J1``).
2. A code starting with the bin label prefix (``BIN_LABEL_PREFIX``, ``BIN:`` by
   default, compared case-insensitively) is a bin label:
   ``BIN:<warehouse>/<bin>`` (what the portal prints, :func:`bin_label_text`),
   or ``BIN:<bin>`` (labels printed before the warehouse was on them) while that
   bin code is unique. Serials never start with the prefix.
3. A GS1 code is read with the ``biip`` parser: the serial comes from AI 21,
   the GTIN from AI 01, the expiry from AI 17 and the batch from AI 10. A code
   is taken as GS1 when the scanner said so (symbology identifier), when it
   contains the group separator (GS, 0x1D), when it is written with brackets
   ``(01)...(21)...``, or when it starts with AI 01 and a GTIN whose check
   digit is right and it parses completely with an AI 21. A GS1 code without
   AI 21 carries no serial and is refused as such.
4. Anything else is a plain serial, its edges cleaned.

A serial's rules (edges, key, length, GTIN check digit) are ``portal.serials``'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from biip import ParseConfig
from biip.gs1_messages import GS1Message

from ..serials import MAX_SERIAL_LENGTH, gtin_is_valid, normalise

#: Scanners may add this in front of the data (ISO/IEC 15424).
SYMBOLOGY_IDENTIFIER = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
#: Symbology identifiers that announce GS1 data.
GS1_IDENTIFIERS = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1"})
GROUP_SEPARATOR = "\x1d"
MAX_CODE_LENGTH = 200
BIN_SEPARATOR = "/"
_PARSE_CONFIG = ParseConfig(separator_chars=(GROUP_SEPARATOR,))
UNPRINTABLE = re.compile(r"[\x00-\x1c\x1e\x1f\x7f]")


class BadCode(ValueError):
    """The scanned text is not something the portal can use; ``str()`` says why."""


@dataclass(frozen=True)
class BinLabel:
    bin_code: str
    warehouse_code: str | None = None

    kind = "bin"

    @property
    def label(self) -> str:
        return bin_name(self.warehouse_code, self.bin_code)


@dataclass(frozen=True)
class SerialCode:
    serial: str
    gtin: str | None = None
    expiry: date | None = None
    batch: str | None = None
    gs1: bool = False

    kind = "serial"


def strip_symbology(raw: str) -> tuple[str | None, str]:
    """Split off a symbology identifier (``]C1`` etc.) if there is one."""
    match = SYMBOLOGY_IDENTIFIER.match(raw)
    if match:
        return match.group(0), raw[match.end():]
    return None, raw


def looks_like_gs1(identifier: str | None, data: str) -> bool:
    if identifier is not None:
        return identifier in GS1_IDENTIFIERS
    if GROUP_SEPARATOR in data or data.startswith("(") and ")" in data:
        return True
    return data.startswith("01") and len(data) > 18 and gtin_is_valid(data[2:16]) and "21" in data[16:]


def parse_gs1(data: str) -> SerialCode:
    """A GS1 element string (with or without group separators, or in the
    bracketed human-readable form) into serial, GTIN, expiry and batch."""
    data = data.lstrip(GROUP_SEPARATOR).rstrip(GROUP_SEPARATOR)
    try:
        if data.startswith("("):
            message = GS1Message.parse_hri(data, config=_PARSE_CONFIG)
        else:
            message = GS1Message.parse(data, config=_PARSE_CONFIG)
    except Exception as error:  # biip raises its own ParseError family  # noqa: BLE001
        raise BadCode(f"This GS1 code could not be read ({error}).") from None
    strings = message.element_strings
    serial = strings.get(ai="21")
    if serial is None or not normalise(serial.value):
        raise BadCode("This GS1 code has no serial number (AI 21): scan the serial's own barcode.")
    gtin = strings.get(ai="01")
    expiry = strings.get(ai="17")
    batch = strings.get(ai="10")
    return SerialCode(
        serial=normalise(serial.value),
        gtin=gtin.value if gtin else None,
        expiry=expiry.date if expiry else None,
        batch=batch.value if batch else None,
        gs1=True,
    )


def read_code(raw: str | None, *, bin_prefix: str) -> BinLabel | SerialCode:
    """Tell a bin label from a serial (see the module docstring for the rule)."""
    text = (raw or "").strip("\r\n\t ")
    if not text:
        raise BadCode("Nothing was scanned.")
    if len(text) > MAX_CODE_LENGTH:
        raise BadCode(f"This code is longer than {MAX_CODE_LENGTH} characters: it is not a label we know.")
    identifier, data = strip_symbology(text)
    data = data.strip()
    prefix = (bin_prefix or "").upper()
    if prefix and data.upper().startswith(prefix):
        return read_bin_label(data[len(prefix):])
    if identifier is not None and identifier[:2] == "]E":
        raise BadCode("This is the product's EAN/UPC barcode, not its serial: scan the serial's barcode.")
    if looks_like_gs1(identifier, data):
        code = parse_gs1(data)
    else:
        if UNPRINTABLE.search(data) or GROUP_SEPARATOR in data:
            raise BadCode("This code contains control characters: check the scanner's set-up.")
        code = SerialCode(serial=normalise(data))
    if not code.serial:
        raise BadCode("Nothing was scanned.")
    if len(code.serial) > MAX_SERIAL_LENGTH:
        raise BadCode(f"A serial has at most {MAX_SERIAL_LENGTH} characters; this one has {len(code.serial)}.")
    return code


def read_bin_label(rest: str) -> BinLabel:
    rest = rest.strip().upper()
    warehouse, sep, bin_code = rest.partition(BIN_SEPARATOR)
    if not sep:
        warehouse, bin_code = None, rest
    if not bin_code or (sep and not warehouse):
        raise BadCode("This bin label has no bin code.")
    if len(bin_code) > 32 or (warehouse and len(warehouse) > 32):
        raise BadCode("This bin label is too long to be one of ours.")
    return BinLabel(bin_code=bin_code, warehouse_code=warehouse or None)


def bin_name(warehouse_code: str | None, bin_code: str) -> str:
    """How a bin is named to a person and on its label: ``WH1/A-01-1``."""
    return f"{warehouse_code}{BIN_SEPARATOR}{bin_code}" if warehouse_code else bin_code


def bin_label_text(*, prefix: str, warehouse_code: str, bin_code: str) -> str:
    """What a bin label carries, always with its warehouse: ``BIN:WH1/A-01-1``."""
    return f"{prefix}{bin_name(warehouse_code, bin_code)}"


def printable(raw: str) -> str:
    """Control characters made visible (``<GS>``, ``<CR>``...), for the device check."""
    names = {"\x1d": "<GS>", "\r": "<CR>", "\n": "<LF>", "\t": "<TAB>", "\x1e": "<RS>", "\x04": "<EOT>"}
    return "".join(names.get(c, f"<0x{ord(c):02X}>" if ord(c) < 32 else c) for c in raw)
