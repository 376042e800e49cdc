"""One way to page through a list: a count query and a LIMIT/OFFSET slice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..errors import Invalid

PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_row(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.per_page + 1

    @property
    def last_row(self) -> int:
        return min(self.total, self.number * self.per_page)


#: Larger numbers are taken as this: no list has more pages, and the
#: database's OFFSET stays in range.
MAX_WHOLE_NUMBER = 2**31 - 1


def whole_number(raw: str | None, *, name: str, default: int, maximum: int = MAX_WHOLE_NUMBER) -> int:
    """A query argument that must be a whole number: ``default`` when it is
    missing or empty, else ASCII digits only (``²``, ``٣``, ``-1``, ``1e3`` and
    ``abc`` are refused with a 400 naming the argument, not turned into 500s
    by ``int()``), capped at ``maximum``. The HTML lists and the API share it."""
    text = (raw or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()):
        raise Invalid(f"{name} must be a whole number such as 2, not {text[:20]!r}.",
                      code="invalid_number", details={"field": name})
    return min(int(text), maximum) if len(text) <= 12 else maximum


def page_number() -> int:
    """The ``page`` query argument: 1 when missing; 400 when not a whole number."""
    return max(1, whole_number(request.args.get("page"), name="page", default=1))


def paginate(session: Session, query: Select, *, number: int, per_page: int = PER_PAGE,
             scalars: bool = True) -> Page:
    """Count the rows, clamp ``number`` to the last page, fetch that page."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    sliced = query.limit(per_page).offset((number - 1) * per_page)
    rows = list(session.scalars(sliced)) if scalars else list(session.execute(sliced))
    return Page(rows=rows, number=number, per_page=per_page, total=total)
