"""Snapshots of every table, to assert that a refused request changed nothing."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db


def snapshot(session, *, ignore: dict[str, set[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table, ordered; ``ignore`` leaves columns out
    (e.g. ``{"api_tokens": {"last_used_at"}}`` for bookkeeping)."""
    ignore = ignore or {}
    state = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in ignore.get(table.name, set())]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        state[table.name] = [tuple(row) for row in rows]
    return state
