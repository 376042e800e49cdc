"""replacements: an item returned to the supplier linked to its replacement; the after-put-away story kept

Revision ID: 0011_replacements
Revises: 0010_supplier_returns
Create Date: 2026-12-04

``item_replacements`` links an item returned to the supplier to the unit the
supplier sent in its place: the original is the primary key and the
replacement is unique, so each side is linked at most once and two links made
at the same time cannot both win. A table of its own rather than a column on
serial_items: on PostgreSQL that table's references are checked per statement
for receiving speed (0005_receiving_speed) and a million-row list must not
carry an extra column or foreign key. Its own foreign keys point *to*
serial_items (as defect_reports' do): inserting items does not check them.

For the item page's timeline (issue 13 point 7), three things that were lost
are now kept: ``supplier_return_removals`` (an item taken off an open return:
when it went on and came off, and by whom), ``supplier_returns.closed_by_id``
(who closed a return with its credit note) and ``customer_returns`` (a customer
return's order, the warranty that day, the outcome, the exchange's unit).
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations.shapes import id_column, index_columns, primary_key, references

revision = "0011_replacements"
down_revision = "0010_supplier_returns"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_replacements",
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("replacement_item_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("item_id <> replacement_item_id", name=op.f("ck_item_replacements_not_itself")),
        *references("item_replacements", ("item_id", "serial_items"), ("replacement_item_id", "serial_items"),
                    ("linked_by_id", "users")),
        primary_key("item_replacements", "item_id"),
        sa.UniqueConstraint("replacement_item_id", name=op.f("uq_item_replacements_replacement_item_id")),
    )
    op.create_table(
        "supplier_return_removals",
        id_column(),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=False),
        *references("supplier_return_removals", ("added_by_id", "users"), ("item_id", "serial_items"),
                    ("removed_by_id", "users"), ("return_id", "supplier_returns")),
        primary_key("supplier_return_removals"),
    )
    index_columns("supplier_return_removals", "item_id")
    op.create_table(
        "customer_returns",
        id_column(),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("in_warranty", sa.Boolean(), nullable=False),
        sa.Column("warranty_ends_on", sa.Date(), nullable=True),
        sa.Column("days_left", sa.Integer(), nullable=True),
        sa.Column("replacement_item_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(), nullable=False),
        sa.Column("returned_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("outcome IN ('restock', 'defective', 'exchange')",
                           name=op.f("ck_customer_returns_outcome_allowed")),
        *references("customer_returns", ("item_id", "serial_items"), ("replacement_item_id", "serial_items"),
                    ("returned_by_id", "users")),
        primary_key("customer_returns"),
    )
    index_columns("customer_returns", "item_id", "replacement_item_id")
    with op.batch_alter_table("supplier_returns") as batch_op:  # SQLite adds a foreign key by copying the table
        batch_op.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_supplier_returns_closed_by_id_users"), "users", ["closed_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("supplier_returns") as batch_op:
        batch_op.drop_constraint(op.f("fk_supplier_returns_closed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("closed_by_id")
    op.drop_table("customer_returns")
    op.drop_table("supplier_return_removals")
    op.drop_table("item_replacements")
