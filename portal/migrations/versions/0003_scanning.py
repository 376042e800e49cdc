"""scanning: scan sessions, scan log for exactly-once answers, bin counts

Revision ID: 0003_scanning
Revises: 0002_receiving
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations.shapes import id_column, index_columns, primary_key, references

revision = "0003_scanning"
down_revision = "0002_receiving"
branch_labels = None
depends_on = None

TASKS = "task IN ('put_away', 'move', 'count', 'ship', 'defect', 'lookup', 'undo')"


def upgrade():
    op.create_table(
        "bin_counts",
        id_column(),
        sa.Column("bin_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'applied')", name=op.f("ck_bin_counts_status_allowed")),
        *references("bin_counts", ("bin_id", "bins"), ("user_id", "users")),
        primary_key("bin_counts"),
    )
    index_columns("bin_counts", "bin_id")

    op.create_table(
        "scan_sessions",
        id_column(),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("bin_id", sa.Integer(), nullable=True),
        sa.Column("order_ref", sa.String(length=100), nullable=True),
        sa.Column("count_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(TASKS, name=op.f("ck_scan_sessions_task_allowed")),
        *references("scan_sessions", ("bin_id", "bins"), ("count_id", "bin_counts"), ("user_id", "users")),
        primary_key("scan_sessions"),
        sa.UniqueConstraint("key", name=op.f("uq_scan_sessions_key")),
    )
    index_columns("scan_sessions", "user_id")

    op.create_table(
        "scan_log",
        id_column(),
        sa.Column("client_scan_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("task", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("bin_id", sa.Integer(), nullable=True),
        sa.Column("count_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(TASKS, name=op.f("ck_scan_log_task_allowed")),
        sa.CheckConstraint(
            "result IN ('pending', 'accepted', 'warning', 'refused')", name=op.f("ck_scan_log_result_allowed")
        ),
        *references("scan_log", ("bin_id", "bins"), ("count_id", "bin_counts"), ("item_id", "serial_items"),
                    ("session_id", "scan_sessions"), ("user_id", "users")),
        primary_key("scan_log"),
        sa.UniqueConstraint("client_scan_id", name=op.f("uq_scan_log_client_scan_id")),
    )
    with op.batch_alter_table("scan_log", schema=None) as batch_op:
        batch_op.create_index("ix_scan_log_session_item", ["session_id", "item_id"], unique=False)
        batch_op.create_index("ix_scan_log_count_item", ["count_id", "item_id"], unique=False)
        batch_op.create_index("ix_scan_log_user_task", ["user_id", "task", "id"], unique=False)


def downgrade():
    op.drop_table("scan_log")
    op.drop_table("scan_sessions")
    op.drop_table("bin_counts")
