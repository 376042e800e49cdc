"""receiving: staged uploads keep their parsed rows; supplier article numbers

Revision ID: 0008_receiving
Revises: 0007_auth
Create Date: 2026-12-03

A staged upload is parsed once, at upload: its rows (or the reason it cannot
be read) are kept beside the file as zlib-compressed JSON (``parsed``), and
preview, remap, errors.csv and commit read them instead of the file. The
receiver may choose the header row (``header_row``, an index into the rows).
``supplier_articles`` remembers, per supplier, which product a supplier's own
article number stands for.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_receiving"
down_revision = "0007_auth"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staged_uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parsed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("header_row", sa.Integer(), nullable=True))
    op.create_table(
        "supplier_articles",
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("article", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_supplier_articles_product_id_products")),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"],
                                name=op.f("fk_supplier_articles_supplier_id_suppliers")),
        sa.PrimaryKeyConstraint("supplier_id", "article", name=op.f("pk_supplier_articles")),
    )


def downgrade():
    op.drop_table("supplier_articles")
    with op.batch_alter_table("staged_uploads", schema=None) as batch_op:
        batch_op.drop_column("header_row")
        batch_op.drop_column("parsed")
