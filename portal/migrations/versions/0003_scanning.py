"""scanning: scan log for exactly-once answers

Revision ID: 0003_scanning
Revises: 0002_receiving
Create Date: 2026-11-29

Placeholder in the fixed chain of revisions, so that work on different
features never forks the history; the feature's tables go here.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_scanning"
down_revision = "0002_receiving"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
