"""auth: log-in throttles per user and per address, a session epoch per user

Revision ID: 0007_auth
Revises: 0006_ledger
Create Date: 2026-12-03

login_failures (one row per failure, pruned only on a successful log-in, one
shared count for a user name or an address) becomes login_throttles: one row
per user name and one per client address, updated atomically by each attempt,
so a stream of failures does not grow the table and parallel attempts cannot
slip past the limit. Open failure streaks are not carried over: a throttle
starts afresh at the upgrade.

users.session_epoch is stored in every session cookie and checked on every
request; bumping it ends every session of the user.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_auth"
down_revision = "0006_ledger"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('user', 'address')", name=op.f("ck_login_throttles_scope_allowed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_login_throttles_scope_key")),
    )
    op.create_index(op.f("ix_login_throttles_last_at"), "login_throttles", ["last_at"], unique=False)
    op.drop_index(op.f("ix_login_failures_username"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_table("login_failures")
    op.add_column("users", sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    op.drop_column("users", "session_epoch")  # SQLite 3.35+ drops a column in place
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"], unique=False)
    op.create_index(op.f("ix_login_failures_username"), "login_failures", ["username"], unique=False)
    op.drop_index(op.f("ix_login_throttles_last_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
