"""Pure rules about serial numbers: no database, no Flask."""

MAX_SERIAL_LENGTH = 64


def serial_key(raw: str) -> str:
    """The normalised form used for uniqueness and look-up: surrounding
    whitespace trimmed, compared case-insensitively (stored upper-case)."""
    return raw.strip().upper()
