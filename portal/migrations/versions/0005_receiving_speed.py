"""receiving speed: set-based reference checks on PostgreSQL, leaner indexes for bulk lists

Revision ID: 0005_receiving_speed
Revises: 0004_reports
Create Date: 2026-11-29

Placeholder in the fixed chain of revisions, so that work on different
features never forks the history.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_receiving_speed"
down_revision = "0004_reports"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
