"""consignment: settlements with consignment suppliers, and shipments by time

Revision ID: 0017_consignment
Revises: 0016_recalls
Create Date: 2026-12-04

A settlement pays a supplier for every consignment sale up to a day
(inclusive), under the supplier's reference, with the amount and number of
sales it covered; one per supplier and day. The statement reads sales by the
time of their shipment movement (a partial index over shipments only) and
asks more of the ledger only for units that came back from a sale (a
partial index over the movements out of 'sold').
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_consignment"
down_revision = "0016_recalls"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consignment_settlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_consignment_settlements_amount_not_negative")),
        sa.CheckConstraint("units >= 0", name=op.f("ck_consignment_settlements_units_not_negative")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_consignment_settlements_created_by_id_users")),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"],
                                name=op.f("fk_consignment_settlements_supplier_id_suppliers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_settlements")),
        sa.UniqueConstraint("supplier_id", "until", name=op.f("uq_consignment_settlements_supplier_id_until")),
    )
    op.create_index("ix_movements_shipments", "movements", ["at", "item_id"],
                    sqlite_where=sa.text("kind = 'shipped'"), postgresql_where=sa.text("kind = 'shipped'"))
    op.create_index("ix_movements_sale_ends", "movements", ["item_id"],
                    sqlite_where=sa.text("from_status = 'sold'"), postgresql_where=sa.text("from_status = 'sold'"))


def downgrade():
    op.drop_index("ix_movements_sale_ends", table_name="movements")
    op.drop_index("ix_movements_shipments", table_name="movements")
    op.drop_table("consignment_settlements")
