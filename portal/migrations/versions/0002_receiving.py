"""receiving: staged uploads, supplier column mappings

Revision ID: 0002_receiving
Revises: 0001_foundation
Create Date: 2026-11-29

Placeholder in the fixed chain of revisions, so that work on different
features never forks the history; the feature's tables go here.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002_receiving"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
