"""The plain result objects a report is made of. pandas shapes the small
frames the database returns into these; the HTML page, the PDF, the CSV/XLSX
downloads and the JSON answer all read the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from ..models import utcnow

#: How a column's values are shown: text, int, money, days, pct (a share 0..1,
#: printed with the denominator column named by ``of``), interval (a pair of
#: shares), ppm, date, flag, expiry (whole days to an expiry date: negative
#: once expired, printed "expired 108 days ago").
KINDS = frozenset({"text", "int", "money", "days", "pct", "interval", "ppm", "date", "flag", "number", "expiry"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"
    of: str | None = None  # for pct: the key of the denominator column
    detail: bool = False  # only in the downloads (CSV, XLSX, JSON), not on the page or in the PDF

    def __post_init__(self):
        assert self.kind in KINDS, self.kind


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    #: rows shown on the page and in the PDF; downloads always hold every row
    display_limit: int | None = None
    note: str = ""
    #: the totals row over every row (not only the shown ones); a key left out has no total
    totals: dict | None = None

    @property
    def shown_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.detail]

    @property
    def shown_rows(self) -> list[dict]:
        return self.rows if self.display_limit is None else self.rows[: self.display_limit]

    @property
    def truncated(self) -> bool:
        return self.display_limit is not None and len(self.rows) > self.display_limit

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [{c.key: json_value(row.get(c.key)) for c in self.columns} for row in self.rows],
            "totals": ({c.key: json_value(self.totals.get(c.key)) for c in self.columns if c.key in self.totals}
                       if self.totals is not None else None),
        }


@dataclass(frozen=True)
class Fact:
    """One headline figure. A share always travels with its numerator and denominator."""

    key: str
    label: str
    value: object
    kind: str = "int"
    numerator: int | None = None
    denominator: int | None = None
    unit: str = ""
    #: where the records behind the figure are: a URL of the portal, or "#table-<key>" on the same page
    link: str | None = None


@dataclass
class Report:
    kind: str  # "stock-aging" | "defects-by-supplier"
    title: str
    filters: list[tuple[str, str]]
    query: dict[str, str]
    generated_at: datetime
    facts: list[Fact]
    tables: dict[str, Table]
    charts: dict[str, Markup] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    empty: bool = False
    currency: str = ""  # what money columns and facts are in (the CURRENCY setting)

    @classmethod
    def of(cls, kind: str, title: str, filters, now: datetime | None, facts: list[Fact], tables: dict[str, Table],
           **rest) -> Report:
        """A report on ``filters`` (their description and query string), generated ``now`` (else at once)."""
        return cls(kind=kind, title=title, filters=filters.describe(), query=filters.query_args(),
                   generated_at=now or utcnow(), facts=facts, tables=tables, **rest)

    @property
    def slug(self) -> str:
        return self.kind

    def fact(self, key: str) -> Fact:
        return next(f for f in self.facts if f.key == key)

    def as_json(self) -> dict:
        return {
            "report": self.kind,
            "title": self.title,
            "filters": dict(self.query),
            "generated_at": self.generated_at.isoformat(timespec="seconds") + "Z",
            "empty": self.empty,
            "currency": self.currency,
            "summary": {
                f.key: (
                    {"value": json_value(f.value), "numerator": f.numerator, "denominator": f.denominator}
                    if f.denominator is not None
                    else json_value(f.value)
                )
                for f in self.facts
            },
            "tables": {key: table.as_json() for key, table in self.tables.items()},
            "notes": self.notes,
        }


def total_label(first_key: str, rows: list[dict], totals: dict) -> dict:
    """``totals`` with "Total" (and how many rows it adds up) in the first column."""
    return {first_key: f"Total ({len(rows):,} rows)" if len(rows) != 1 else "Total", **totals}


def json_value(value):
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    if hasattr(value, "item"):  # numpy scalar
        return json_value(value.item())
    return value
