"""Pure rules for bulk-creating bins from a pattern: no database, no Flask.

A pattern is a list of segments joined by a separator. Each segment is a
comma-separated list of parts; a part is a range of single letters (``A-D``),
a range of numbers (``01-10``: a leading zero pads every number to the width
of the start), or a literal (``MEZZ``). Aisles ``A-D``, racks ``01-10`` and
levels ``1-5`` with separator ``-`` give ``A-01-1`` ... ``D-10-5`` (200 bins).
"""

from __future__ import annotations

import itertools
import re
import string
from dataclasses import dataclass

from ..errors import Invalid

#: The most bins one pattern may create: a typo should not make 100,000 bins.
MAX_BINS_PER_PATTERN = 5_000
MAX_CODE_LENGTH = 32
SEPARATORS = ("-", ".", "_", "")
_RANGE = re.compile(r"^\s*([A-Za-z0-9]+)\s*(?:-|–|—|\.\.)\s*([A-Za-z0-9]+)\s*$")
_LITERAL = re.compile(r"^[A-Z0-9]+$")
_MAX_NUMBER = 99_999


@dataclass(frozen=True)
class BinPattern:
    segments: tuple[tuple[str, ...], ...]  # the values of each segment, in order
    separator: str

    @property
    def count(self) -> int:
        total = 1
        for values in self.segments:
            total *= len(values)
        return total

    def codes(self) -> list[str]:
        return [self.separator.join(parts) for parts in itertools.product(*self.segments)]

    def preview(self, head: int = 3) -> list[str]:
        """The first few codes and the last one, without expanding everything."""
        first = [self.separator.join(p) for p in itertools.islice(itertools.product(*self.segments), head)]
        last = self.separator.join(values[-1] for values in self.segments)
        return first if self.count <= head else [*first, last]


class BadSegment(Invalid):
    """A segment that is not a range, a list or a plain code; ``details``
    names the segment (1-based) so a form can put the message beside it."""

    code = "bad_range"


def _expand_part(part: str, position: int) -> list[str]:
    where = f"Segment {position}"
    text = part.strip().upper()
    if not text:
        raise BadSegment(f"{where} has an empty part (two commas in a row?).", details={"segment": position})
    match = _RANGE.match(text)
    if match is None:
        if not _LITERAL.match(text):
            raise BadSegment(
                f"{where}: “{part.strip()[:40]}” is neither a range like A-D or 01-10 "
                "nor a plain code of letters and digits.",
                details={"segment": position},
            )
        return [text]
    start, end = match.group(1), match.group(2)
    if start.isalpha() and end.isalpha():
        if len(start) != 1 or len(end) != 1:
            raise BadSegment(
                f"{where}: letter ranges go from one letter to another, e.g. A-D.", details={"segment": position}
            )
        if start > end:
            raise BadSegment(f"{where}: the range {start}-{end} runs backwards.", details={"segment": position})
        letters = string.ascii_uppercase
        return list(letters[letters.index(start) : letters.index(end) + 1])
    if start.isdigit() and end.isdigit():
        low, high = int(start), int(end)
        if low > high:
            raise BadSegment(f"{where}: the range {start}-{end} runs backwards.", details={"segment": position})
        if high > _MAX_NUMBER:
            raise BadSegment(f"{where}: numbers go up to {_MAX_NUMBER}.", details={"segment": position})
        width = len(start) if start.startswith("0") and len(start) > 1 else 0
        if width and len(str(high)) > width:
            raise BadSegment(
                f"{where}: {end} does not fit the {width}-digit padding of {start}.", details={"segment": position}
            )
        return [str(n).zfill(width) for n in range(low, high + 1)]
    raise BadSegment(
        f"{where}: a range joins two letters (A-D) or two numbers (01-10), not {start}-{end}.",
        details={"segment": position},
    )


def parse_bin_pattern(segments: list[str | None], separator: str = "-") -> BinPattern:
    """Check a pattern and return it unexpanded (its count is known without
    building every code). Empty segments are left out. Raises Invalid with a
    message a person can act on."""
    if separator not in SEPARATORS:
        raise Invalid("The separator is one of '-', '.', '_' or nothing.", code="bad_separator")
    parsed: list[tuple[str, ...]] = []
    for position, raw in enumerate(segments, start=1):
        if raw is None or not raw.strip():
            continue
        values: list[str] = []
        for part in raw.split(","):
            values.extend(_expand_part(part, position))
        if len(set(values)) != len(values):
            raise BadSegment(
                f"Segment {position} names the same value twice.", details={"segment": position}
            )
        parsed.append(tuple(values))
    if not parsed:
        raise Invalid("Give at least one segment, e.g. aisles A-D.", code="pattern_required")
    pattern = BinPattern(segments=tuple(parsed), separator=separator)
    if pattern.count > MAX_BINS_PER_PATTERN:
        raise Invalid(
            f"This pattern makes {pattern.count:,} bins; at most {MAX_BINS_PER_PATTERN:,} "
            "can be created in one step.",
            code="too_many_bins",
        )
    longest = separator.join(max(values, key=len) for values in parsed)
    if len(longest) > MAX_CODE_LENGTH:
        raise Invalid(
            f"Bin codes such as {longest} are longer than {MAX_CODE_LENGTH} characters.",
            code="code_too_long",
        )
    return pattern


def expand_bin_pattern(segments: list[str | None], separator: str = "-") -> list[str]:
    return parse_bin_pattern(segments, separator).codes()
