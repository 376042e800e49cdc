"""lots and expiry: shipping's "expires first" suggestion reads an index

Revision ID: 0015_lots
Revises: 0014_lots_transfers
Create Date: 2026-12-04

Shipping suggests the in-stock unit of a product that expires first (then the
first received). ``ix_serial_items_expiry`` is over the items that have an
expiry date only (a partial index: lists without one write no entry), by
product, status, expiry and received time, so the suggestion is one index probe
whatever the stock. Lot and expiry themselves are columns already
(``serial_items.lot`` from 0014, ``expires_at`` from 0001).
"""

from alembic import op

from portal.migrations.shapes import where_set

revision = "0015_lots"
down_revision = "0014_lots_transfers"
branch_labels = None
depends_on = None

COLUMNS = ["product_id", "status", "expires_at", "received_at"]


def upgrade():
    op.create_index("ix_serial_items_expiry", "serial_items", COLUMNS, **where_set("expires_at"))


def downgrade():
    op.drop_index("ix_serial_items_expiry", table_name="serial_items")
