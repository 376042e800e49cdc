"""recalls: a recall's reason and criteria, its units fixed when it opens, and the defect reason recall

Revision ID: 0016_recalls
Revises: 0014_lots_transfers
Create Date: 2026-12-04

A recall keeps its reason, the criteria it was opened with (supplier, product,
lot, receipts as a JSON list of ids, a received-date range, how many serials a
pasted list gave and which of them no item has), who opened it and when, and
open or closed. Its units (recall_units) are written once, when it opens, by
one INSERT ... SELECT. Indexed by item: shipping asks for each unit scanned
whether an open recall holds it. The defect reason ``recall`` is what a
recall's quarantine files.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_recalls"
down_revision = "0014_lots_transfers"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recalls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column("receipt_ids", sa.Text(), nullable=True),
        sa.Column("received_from", sa.Date(), nullable=True),
        sa.Column("received_to", sa.Date(), nullable=True),
        sa.Column("serials_given", sa.Integer(), nullable=True),
        sa.Column("unknown_serials", sa.Text(), nullable=True),
        sa.Column("unknown_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("affected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("quarantined_at", sa.DateTime(), nullable=True),
        sa.Column("quarantined_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_recalls_status_allowed")),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"], name=op.f("fk_recalls_supplier_id_suppliers")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_recalls_product_id_products")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_recalls_created_by_id_users")),
        sa.ForeignKeyConstraint(["quarantined_by_id"], ["users.id"],
                                name=op.f("fk_recalls_quarantined_by_id_users")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_recalls_closed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalls")),
    )
    op.create_index("ix_recalls_status", "recalls", ["status"])
    op.create_table(
        "recall_units",
        sa.Column("recall_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["recall_id"], ["recalls.id"], name=op.f("fk_recall_units_recall_id_recalls")),
        sa.ForeignKeyConstraint(["item_id"], ["serial_items.id"],
                                name=op.f("fk_recall_units_item_id_serial_items")),
        sa.PrimaryKeyConstraint("recall_id", "item_id", name=op.f("pk_recall_units")),
    )
    op.create_index(op.f("ix_recall_units_item_id"), "recall_units", ["item_id"])
    op.execute(sa.text("INSERT INTO defect_reasons (code, name, active) VALUES ('recall', 'Recall', true)"))


def downgrade():
    op.drop_table("recall_units")
    op.drop_table("recalls")
    # a reason that reports name stays (they point at it)
    op.execute(sa.text("DELETE FROM defect_reasons WHERE code = 'recall' "
                       "AND NOT EXISTS (SELECT 1 FROM defect_reports WHERE reason_code = 'recall')"))
