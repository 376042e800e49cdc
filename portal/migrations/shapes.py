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



def where_set(column: str) -> dict:
    """Index options for a partial index over the rows where ``column`` is set (both databases)."""
    return {f"{dialect}_where": sa.text(f"{column} IS NOT NULL") for dialect in ("sqlite", "postgresql")}


def allowed_values(column: str, values) -> sa.TextClause:
    """The text of a ``<column>_allowed`` CHECK: ``column IN ('a', 'b')``."""
    return sa.text(f"{column} IN ({', '.join(repr(value) for value in values)})")


def replace_checks(checks: dict[str, dict[str, tuple]], *, partial_indexes: list[tuple[str, str, str, bool]],
                   ledger_triggers: tuple[dict, dict] | None = None) -> None:
    """Replace ``ck_<table>_<column>_allowed`` CHECKs: ``{table: {column: allowed values}}``.

    SQLite rebuilds each table for it: with foreign keys off for the rebuild
    (other tables name these), the ledger's append-only triggers lifted around
    it when ``ledger_triggers`` (drop, create) is given, and the partial indexes
    ``(name, table, column, unique)`` of the rebuilt tables made again by hand,
    as migration 0009 did. PostgreSQL drops and adds the constraints in place.
    """
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        raw = op.get_bind().connection.dbapi_connection
        if raw.in_transaction:  # PRAGMA foreign_keys is ignored inside a transaction
            raw.commit()
        op.execute("PRAGMA foreign_keys = OFF")
        if ledger_triggers:
            for statement in ledger_triggers[0][dialect]:
                op.execute(statement)
        for name, table, _column, _unique in partial_indexes:
            op.drop_index(name, table_name=table)
    for table, columns in checks.items():
        with op.batch_alter_table(table) as batch_op:
            for column, values in columns.items():
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}_allowed"), type_="check")
                batch_op.create_check_constraint(op.f(f"ck_{table}_{column}_allowed"), allowed_values(column, values))
    if dialect == "sqlite":
        for name, table, column, unique in partial_indexes:
            op.create_index(name, table, [column], unique=unique, **where_set(column))
        if ledger_triggers:
            for statement in ledger_triggers[1][dialect]:
                op.execute(statement)
        op.execute("PRAGMA foreign_keys = ON")
