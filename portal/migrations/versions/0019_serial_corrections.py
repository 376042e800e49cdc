"""serial corrections: a serial typed wrong put right, the old value kept findable

Revision ID: 0019_serial_corrections
Revises: 0018_transfers
Create Date: 2026-12-04

``serial_corrections`` keeps, for every correction, the item, the old serial
as it was typed and its key (indexed, not unique: a value corrected away can
later become another item's real serial and be corrected away again), the new
serial, the note, who and when. The item keeps its id; its ``serial`` and
``serial_key`` take the new value (still unique), and the ledger records a
``serial_corrected`` movement (kind added by 0014_lots_transfers).
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations.shapes import id_column, index_columns, primary_key, references

revision = "0019_serial_corrections"
down_revision = "0018_transfers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "serial_corrections",
        id_column(),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("old_serial", sa.String(length=64), nullable=False),
        sa.Column("old_key", sa.String(length=64), nullable=False),
        sa.Column("new_serial", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(), nullable=False),
        *references("serial_corrections", ("corrected_by_id", "users"), ("item_id", "serial_items")),
        primary_key("serial_corrections"),
    )
    index_columns("serial_corrections", "item_id", "old_key")


def downgrade():
    op.drop_table("serial_corrections")
