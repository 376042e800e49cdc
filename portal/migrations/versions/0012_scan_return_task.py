"""scan station: the customer return task

Revision ID: 0012_scan_return_task
Revises: 0011_replacements
Create Date: 2026-12-04

The scan station takes customer returns (issue 13 point 5): ``return`` joins
the tasks a scan session and a scan log row may name (their CHECKs). SQLite
rebuilds both tables for the new constraint, with foreign keys off for the
rebuild (scan_log names scan_sessions); neither table has a partial index or
a trigger to make again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_scan_return_task"
down_revision = "0011_replacements"
branch_labels = None
depends_on = None

TASKS_BEFORE = ("put_away", "move", "count", "ship", "defect", "lookup", "undo")
TASKS = TASKS_BEFORE + ("return",)


def _tasks(tasks) -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        raw = op.get_bind().connection.dbapi_connection
        if raw.in_transaction:  # PRAGMA foreign_keys is ignored inside a transaction
            raw.commit()
        op.execute("PRAGMA foreign_keys = OFF")
    allowed = f"task IN ({', '.join(repr(task) for task in tasks)})"
    for table in ("scan_sessions", "scan_log"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_task_allowed"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_task_allowed"), sa.text(allowed))
    if dialect == "sqlite":
        op.execute("PRAGMA foreign_keys = ON")


def upgrade():
    _tasks(TASKS)


def downgrade():
    op.execute(sa.text("DELETE FROM scan_log WHERE task = 'return'"))
    op.execute(sa.text("DELETE FROM scan_sessions WHERE task = 'return'"))
    _tasks(TASKS_BEFORE)
