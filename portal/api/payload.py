"""Paged lists and duplicate-safe writes for the API."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..extensions import db
from .schema import ApiModel, Query

#: Lists are paged by code: ``?limit=`` (at most MAX_LIMIT) and ``?after=<last code>``.
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
LIMIT_MESSAGE = f"limit is a whole number from 1 to {MAX_LIMIT}"


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"Rows per page, 1 to {MAX_LIMIT}")] = DEFAULT_LIMIT
    after: Annotated[str | None, Field(description="The last code of the previous page (its next_after)")] = None

    error_codes: ClassVar[dict] = {**ApiModel.error_codes, "limit": "bad_limit"}
    #: a bad ASCII limit was always a 400; a non-ASCII digit (it was a 500) is a 422
    error_status: ClassVar[dict] = {"bad_limit": 400, "greater_than_equal": 400, "less_than_equal": 400}

    @field_validator("limit", mode="before")
    @classmethod
    def _ascii_digits(cls, raw):
        if isinstance(raw, str) and not raw.isascii():
            raise PydanticCustomError("non_ascii_digits", f"{LIMIT_MESSAGE}, written in ASCII digits (0-9)")
        if isinstance(raw, str) and not raw.isdigit():
            raise PydanticCustomError("bad_limit", LIMIT_MESSAGE)
        return raw


T = TypeVar("T")


class Page(ApiModel, Generic[T]):
    items: list[T]
    next_after: Annotated[str | None, Field(description="Pass as ?after= for the next page; null on the last")]


def page_of(session: Session, statement: Select, key, query: PageQuery) -> tuple[list, str | None]:
    """One page of a list ordered by ``key`` (a unique code column): its rows and next_after."""
    after = (query.after or "").strip().upper()
    if after:
        statement = statement.where(key > after)
    rows = session.scalars(statement.order_by(key).limit(query.limit + 1)).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, getattr(rows[-1], key.key) if more else None


@contextmanager
def unique_or_conflict(message: str):
    """Run a write and flush it; a unique constraint that still trips (two
    clients creating the same code at once, a duplicate GTIN) is a 409, not a
    500. The API boundary commits."""
    try:
        yield
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(message, code="duplicate") from None
