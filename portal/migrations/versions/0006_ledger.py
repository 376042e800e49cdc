"""ledger: append-only in the database; condition, ownership and warehouse changes; undone defect reports

Revision ID: 0006_ledger
Revises: 0005_receiving_speed
Create Date: 2026-12-03

Movements are written by one module (portal/items/ledger.py) and never
changed: on both databases a trigger refuses UPDATE and DELETE on the table
(the DDL is portal.models.LEDGER_APPEND_ONLY_DDL, which the test suite's SQLite
cleanup uses too). A movement now also records a change of warehouse (a
transfer without a bin), of condition and of ownership, each side set only
when that attribute changes. The two warehouse keys are checked per statement
on PostgreSQL like the other keys of movements (migration 0005): the insert
trigger function is replaced by one that also collects the warehouses, and a
warehouse still named by a movement cannot be deleted. A defect report is
marked undone instead of being deleted.
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations import reference_checks
from portal.models import LEDGER_APPEND_ONLY_DDL, LEDGER_APPEND_ONLY_DROP

revision = "0006_ledger"
down_revision = "0005_receiving_speed"
branch_labels = None
depends_on = None

KINDS_BEFORE = ("listed", "received", "moved", "counted", "shipped", "defect", "returned", "marked_missing",
                "found", "restocked", "reversed")
KINDS = KINDS_BEFORE + ("condition_changed", "ownership_changed")
CONDITIONS = ("regular", "sample", "damaged", "refurbished")
OWNERSHIPS = ("owned", "consignment")
WAREHOUSE_KEYS = [("from_warehouse_id", "fk_movements_from_warehouse_id_warehouses"),
                  ("to_warehouse_id", "fk_movements_to_warehouse_id_warehouses")]


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# migration 0005's function with the two warehouse keys added, and as a downgrade puts it back
MOVEMENTS_REFERENCES_INSERTED = "\n" + reference_checks.movements_references_inserted(
    create="CREATE OR REPLACE FUNCTION", who="who, which bins and warehouses", warehouses=True,
    grouped=", from_warehouse_id, to_warehouse_id FROM new_movements\n        GROUP BY 1, 2, 3, 4, 5")
MOVEMENTS_REFERENCES_INSERTED_0005 = "\n" + reference_checks.movements_references_inserted(
    create="CREATE OR REPLACE FUNCTION", who="who, which bins and warehouses", warehouses=False,
    grouped=" FROM new_movements GROUP BY 1, 2, 3")


def _new_movement_columns() -> list[sa.Column]:
    return [
        sa.Column("from_warehouse_id", sa.Integer(), nullable=True),
        sa.Column("to_warehouse_id", sa.Integer(), nullable=True),
        sa.Column("from_condition", sa.String(length=16), nullable=True),
        sa.Column("to_condition", sa.String(length=16), nullable=True),
        sa.Column("from_ownership", sa.String(length=16), nullable=True),
        sa.Column("to_ownership", sa.String(length=16), nullable=True),
    ]


def upgrade():
    dialect = op.get_context().dialect.name
    with op.batch_alter_table("movements") as batch_op:
        for column in _new_movement_columns():
            batch_op.add_column(column)
        if dialect != "postgresql":
            for column, name in WAREHOUSE_KEYS:
                batch_op.create_foreign_key(op.f(name), "warehouses", [column], ["id"])
        batch_op.drop_constraint(op.f("ck_movements_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_movements_kind_allowed"), _in("kind", KINDS))
        for side in ("from", "to"):
            batch_op.create_check_constraint(op.f(f"ck_movements_{side}_condition_allowed"),
                                             _in(f"{side}_condition", CONDITIONS))
            batch_op.create_check_constraint(op.f(f"ck_movements_{side}_ownership_allowed"),
                                             _in(f"{side}_ownership", OWNERSHIPS))
    with op.batch_alter_table("defect_reports") as batch_op:
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("undone_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_defect_reports_undone_by_id_users"), "users", ["undone_by_id"], ["id"])
    if dialect == "postgresql":
        op.execute(MOVEMENTS_REFERENCES_INSERTED)
        for column, _name in WAREHOUSE_KEYS:
            op.execute(reference_checks.refuse_orphans_trigger("warehouses", "movements", column))
    for statement in LEDGER_APPEND_ONLY_DDL[dialect]:
        op.execute(statement)


def downgrade():
    dialect = op.get_context().dialect.name
    for statement in LEDGER_APPEND_ONLY_DROP[dialect]:
        op.execute(statement)
    if dialect == "postgresql":
        for column, _name in WAREHOUSE_KEYS:
            op.execute(reference_checks.drop_refuse_orphans_trigger("warehouses", "movements", column))
        op.execute(MOVEMENTS_REFERENCES_INSERTED_0005)
    with op.batch_alter_table("defect_reports") as batch_op:
        batch_op.drop_constraint(op.f("fk_defect_reports_undone_by_id_users"), type_="foreignkey")
        batch_op.drop_column("undone_by_id")
        batch_op.drop_column("undone_at")
    with op.batch_alter_table("movements") as batch_op:
        for side in ("from", "to"):
            batch_op.drop_constraint(op.f(f"ck_movements_{side}_condition_allowed"), type_="check")
            batch_op.drop_constraint(op.f(f"ck_movements_{side}_ownership_allowed"), type_="check")
        batch_op.drop_constraint(op.f("ck_movements_kind_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_movements_kind_allowed"), _in("kind", KINDS_BEFORE))
        if dialect != "postgresql":
            for _column, name in WAREHOUSE_KEYS:
                batch_op.drop_constraint(op.f(name), type_="foreignkey")
        for column in reversed(_new_movement_columns()):
            batch_op.drop_column(column.name)
