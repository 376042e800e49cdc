"""quarantine speed: each item's standing defect reports, newest found by one index probe

Revision ID: 0013_quarantine_speed
Revises: 0012_scan_return_task
Create Date: 2026-12-04

The quarantine (page and API) and a return's lines find each item's latest
defect report that is not undone. A partial index over the standing reports,
(item_id, id), answers that with one probe per item, however many reports the
years pile up; before, every report ever filed was grouped on each request.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_quarantine_speed"
down_revision = "0012_scan_return_task"
branch_labels = None
depends_on = None

STANDING = sa.text("undone_at IS NULL")


def upgrade():
    op.create_index("ix_defect_reports_standing", "defect_reports", ["item_id", "id"],
                    sqlite_where=STANDING, postgresql_where=STANDING)


def downgrade():
    op.drop_index("ix_defect_reports_standing", table_name="defect_reports")
