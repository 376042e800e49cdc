"""transfers between warehouses: a transfer and the items on it

Revision ID: 0018_transfers
Revises: 0017_consignment
Create Date: 2026-12-04

A transfer goes from one warehouse to another (CHECK: two warehouses), with an
optional reference; status open, dispatched, closed or cancelled (an open
transfer closed before dispatch). Its lines name the items; a line taken off
keeps its row (removed_at) for the item's timeline, a received line its bin.
``holding_item_id`` repeats the item while the line is unfinished (open, or
dispatched and not received) and is unique: an item is on one unfinished
transfer at a time, enforced by the database so that two users adding the
same serial to two transfers at once cannot both win.
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations.shapes import id_column, index_columns, primary_key, references

revision = "0018_transfers"
down_revision = "0017_consignment"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "transfers",
        id_column(),
        sa.Column("from_warehouse_id", sa.Integer(), nullable=False),
        sa.Column("to_warehouse_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("dispatched_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'dispatched', 'closed', 'cancelled')",
                           name=op.f("ck_transfers_status_allowed")),
        sa.CheckConstraint("from_warehouse_id <> to_warehouse_id", name=op.f("ck_transfers_two_warehouses")),
        *references("transfers", ("closed_by_id", "users"), ("created_by_id", "users"),
                    ("dispatched_by_id", "users"), ("from_warehouse_id", "warehouses"),
                    ("to_warehouse_id", "warehouses")),
        primary_key("transfers"),
    )
    op.create_index("ix_transfers_status", "transfers", ["status"])
    op.create_table(
        "transfer_items",
        id_column(),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("holding_item_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("bin_id", sa.Integer(), nullable=True),
        *references("transfer_items", ("added_by_id", "users"), ("bin_id", "bins"),
                    ("holding_item_id", "serial_items"), ("item_id", "serial_items"),
                    ("received_by_id", "users"), ("removed_by_id", "users"), ("transfer_id", "transfers")),
        primary_key("transfer_items"),
        sa.UniqueConstraint("holding_item_id", name=op.f("uq_transfer_items_holding_item_id")),
    )
    op.create_index("ix_transfer_items_transfer_id", "transfer_items", ["transfer_id", "id"])
    index_columns("transfer_items", "item_id")


def downgrade():
    op.drop_table("transfer_items")
    op.drop_table("transfers")
