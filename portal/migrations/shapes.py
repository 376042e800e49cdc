"""The shapes every table of the portal's migrations repeats, with the project's constraint names.

Revisions that production databases have already run import this module: what each function emits
must never change (a fresh database would otherwise differ from an upgraded one). A new revision may
use these as they are; a different shape gets a new function, not a changed one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def id_column() -> sa.Column:
    """The integer surrogate key every table but the per-supplier ones starts with."""
    return sa.Column("id", sa.Integer(), nullable=False)


def references(table: str, *keys: tuple[str, str]) -> list[sa.ForeignKeyConstraint]:
    """A foreign key ``fk_<table>_<column>_<parent>`` to ``parent.id`` for each (column, parent)."""
    return [sa.ForeignKeyConstraint([column], [f"{parent}.id"], name=op.f(f"fk_{table}_{column}_{parent}"))
            for column, parent in keys]


def primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """``pk_<table>`` over ``columns`` (``id`` when none are named)."""
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def index_columns(table: str, *columns: str) -> None:
    """A plain index ``ix_<table>_<column>`` on each column, the way Alembic's autogenerate writes them."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)

