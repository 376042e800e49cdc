"""defects: the reasons the admin keeps, and the scrapped status

Revision ID: 0009_defects
Revises: 0008_receiving
Create Date: 2026-12-03

Defect reasons become a table (code, name, active) seeded with the six the
portal had; a defect report's reason_code, a CHECK over those six until now,
becomes a foreign key to it, so every existing report stays valid. An item
written off from quarantine is ``scrapped`` (its status and its movement's
kind are added to their CHECKs).

SQLite rebuilds serial_items, movements and defect_reports for the new
constraints: with foreign keys off for the rebuild (other tables name these),
the ledger's append-only triggers lifted around it and the partial indexes
made again by hand, as migration 0005 made them.
"""

import sqlalchemy as sa
from alembic import op

from portal.models import LEDGER_APPEND_ONLY_DDL, LEDGER_APPEND_ONLY_DROP

revision = "0009_defects"
down_revision = "0008_receiving"
branch_labels = None
depends_on = None

REASONS = (("dead_on_arrival", "Dead on arrival"), ("functional", "Functional"), ("cosmetic", "Cosmetic"),
           ("missing_parts", "Missing parts"), ("wrong_item", "Wrong item"), ("other", "Other"))
STATUSES_BEFORE = ("expected", "in_stock", "sold", "defective", "returned_to_supplier", "missing")
STATUSES = STATUSES_BEFORE + ("scrapped",)
KINDS_BEFORE = ("listed", "received", "moved", "counted", "shipped", "defect", "returned", "marked_missing",
                "found", "restocked", "reversed", "condition_changed", "ownership_changed")
KINDS = KINDS_BEFORE + ("scrapped",)
#: (index, table, column, unique): partial indexes SQLite's rebuild would not keep as they are
PARTIAL_INDEXES = [("ix_serial_items_bin_id", "serial_items", "bin_id", False),
                   ("ix_serial_items_order_ref", "serial_items", "order_ref", False),
                   ("uq_movements_client_scan_id", "movements", "client_scan_id", True)]


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _where_set(column: str) -> dict:
    return {f"{dialect}_where": sa.text(f"{column} IS NOT NULL") for dialect in ("sqlite", "postgresql")}


def _rebuild(statuses, kinds, *, reason_key: bool) -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        # PRAGMA foreign_keys is ignored inside a transaction, and SQLite's DDL
        # is not transactional for Alembic anyway: end the open one first
        raw = op.get_bind().connection.dbapi_connection
        if raw.in_transaction:
            raw.commit()
        op.execute("PRAGMA foreign_keys = OFF")
        for statement in LEDGER_APPEND_ONLY_DROP[dialect]:
            op.execute(statement)
        for name, table, _column, _unique in PARTIAL_INDEXES:
            op.drop_index(name, table_name=table)
    with op.batch_alter_table("serial_items") as batch_op:
        batch_op.drop_constraint(op.f("ck_serial_items_status_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_serial_items_status_allowed"), _in("status", statuses))
    with op.batch_alter_table("movements") as batch_op:
        batch_op.drop_constraint(op.f("ck_movements_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_movements_kind_allowed"), _in("kind", kinds))
    with op.batch_alter_table("defect_reports") as batch_op:
        if reason_key:
            batch_op.drop_constraint(op.f("ck_defect_reports_reason_code_allowed"), type_="check")
            batch_op.create_foreign_key(op.f("fk_defect_reports_reason_code_defect_reasons"), "defect_reasons",
                                        ["reason_code"], ["code"])
        else:
            batch_op.drop_constraint(op.f("fk_defect_reports_reason_code_defect_reasons"), type_="foreignkey")
            batch_op.create_check_constraint(op.f("ck_defect_reports_reason_code_allowed"),
                                             _in("reason_code", [code for code, _name in REASONS]))
    if dialect == "sqlite":
        for name, table, column, unique in PARTIAL_INDEXES:
            op.create_index(name, table, [column], unique=unique, **_where_set(column))
        for statement in LEDGER_APPEND_ONLY_DDL[dialect]:
            op.execute(statement)
        op.execute("PRAGMA foreign_keys = ON")


def upgrade():
    reasons = op.create_table(
        "defect_reasons",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_defect_reasons")),
    )
    op.bulk_insert(reasons, [{"code": code, "name": name, "active": True} for code, name in REASONS])
    _rebuild(STATUSES, KINDS, reason_key=True)


def downgrade():
    _rebuild(STATUSES_BEFORE, KINDS_BEFORE, reason_key=False)
    op.drop_table("defect_reasons")
