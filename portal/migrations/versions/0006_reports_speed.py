"""reports speed

Revision ID: 0006_reports_speed
Revises: 0005_receiving_speed
Create Date: 2026-11-29

Placeholder in the fixed chain of revisions, so that work on different
features never forks the history.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_reports_speed"
down_revision = "0005_receiving_speed"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
