"""supplier returns: a return to the supplier (RMA) and its lines

Revision ID: 0010_supplier_returns
Revises: 0009_defects
Create Date: 2026-12-03

A return is for one supplier and one warehouse, with the supplier's optional
RMA number and, once closed, its credit note number; status open, shipped or
closed. Its lines name the items going back, each at most once per return.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_supplier_returns"
down_revision = "0009_defects"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "supplier_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("rma_number", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("credit_note", sa.String(length=100), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'shipped', 'closed')", name=op.f("ck_supplier_returns_status_allowed")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_supplier_returns_created_by_id_users")),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"],
                                name=op.f("fk_supplier_returns_supplier_id_suppliers")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouses.id"],
                                name=op.f("fk_supplier_returns_warehouse_id_warehouses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_returns")),
    )
    op.create_index("ix_supplier_returns_status", "supplier_returns", ["status"])
    op.create_index(op.f("ix_supplier_returns_supplier_id"), "supplier_returns", ["supplier_id"])
    op.create_table(
        "supplier_return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"],
                                name=op.f("fk_supplier_return_lines_added_by_id_users")),
        sa.ForeignKeyConstraint(["item_id"], ["serial_items.id"],
                                name=op.f("fk_supplier_return_lines_item_id_serial_items")),
        sa.ForeignKeyConstraint(["return_id"], ["supplier_returns.id"],
                                name=op.f("fk_supplier_return_lines_return_id_supplier_returns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_return_lines")),
        sa.UniqueConstraint("return_id", "item_id", name=op.f("uq_supplier_return_lines_return_id_item_id")),
    )
    op.create_index(op.f("ix_supplier_return_lines_item_id"), "supplier_return_lines", ["item_id"])


def downgrade():
    op.drop_table("supplier_return_lines")
    op.drop_table("supplier_returns")
