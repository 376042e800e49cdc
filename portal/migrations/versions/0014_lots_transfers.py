"""lots, transfers between warehouses, serial corrections, condition and ownership history

Revision ID: 0014_lots_transfers
Revises: 0013_quarantine_speed
Create Date: 2026-12-04

Issue 14's shared schema. An item keeps its batch or lot (GS1 AI 10) in
``serial_items.lot``, indexed where set (a recall by lot finds its units by
it). An item dispatched on a transfer is ``in_transit`` (no bin), and the
ledger gains the movements ``dispatched``, ``arrived`` and
``serial_corrected``. The scan station's tasks gain ``condition`` (set a
condition for every serial scanned).
The few movements that change condition or ownership are indexed by time
(partial indexes), so what an item was at a past moment reads only those.

SQLite rebuilds serial_items, movements, scan_sessions and scan_log for the
new CHECKs (portal.migrations.shapes.replace_checks).
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations.shapes import replace_checks, where_set
from portal.models import LEDGER_APPEND_ONLY_DDL, LEDGER_APPEND_ONLY_DROP

revision = "0014_lots_transfers"
down_revision = "0013_quarantine_speed"
branch_labels = None
depends_on = None

STATUSES_BEFORE = ("expected", "in_stock", "sold", "defective", "returned_to_supplier", "missing", "scrapped")
STATUSES = STATUSES_BEFORE + ("in_transit",)
KINDS_BEFORE = ("listed", "received", "moved", "counted", "shipped", "defect", "returned", "marked_missing",
                "found", "restocked", "reversed", "condition_changed", "ownership_changed", "scrapped")
KINDS = KINDS_BEFORE + ("dispatched", "arrived", "serial_corrected")
TASKS_BEFORE = ("put_away", "move", "count", "ship", "defect", "lookup", "undo", "return")
TASKS = TASKS_BEFORE + ("condition",)
#: (index, table, column, unique): partial indexes of the rebuilt tables
PARTIAL_INDEXES = [("ix_serial_items_bin_id", "serial_items", "bin_id", False),
                   ("ix_serial_items_order_ref", "serial_items", "order_ref", False),
                   ("uq_movements_client_scan_id", "movements", "client_scan_id", True)]
NEW_INDEXES = [("ix_serial_items_lot", "serial_items", "lot", "lot"),
               ("ix_movements_condition_changes", "movements", "at", "to_condition"),
               ("ix_movements_ownership_changes", "movements", "at", "to_ownership")]


def _checks(statuses, kinds, tasks) -> None:
    replace_checks({"serial_items": {"status": statuses}, "movements": {"kind": kinds},
                    "scan_sessions": {"task": tasks}, "scan_log": {"task": tasks}},
                   partial_indexes=PARTIAL_INDEXES, ledger_triggers=(LEDGER_APPEND_ONLY_DROP, LEDGER_APPEND_ONLY_DDL))


def upgrade():
    op.add_column("serial_items", sa.Column("lot", sa.String(length=64), nullable=True))
    _checks(STATUSES, KINDS, TASKS)
    for name, table, column, where in NEW_INDEXES:
        op.create_index(name, table, [column], **where_set(where))


def downgrade():
    for name, table, _column, _where in NEW_INDEXES:
        op.drop_index(name, table_name=table)
    for table, task in (("scan_log", "task"), ("scan_sessions", "task")):
        op.execute(sa.text(f"DELETE FROM {table} WHERE {task} = 'condition'"))
    _checks(STATUSES_BEFORE, KINDS_BEFORE, TASKS_BEFORE)
    op.drop_column("serial_items", "lot")  # SQLite 3.35+ drops an unindexed column in place
