"""channels: sales channels and their accounts, orders that reserve stock, idempotency keys, the event feed's order

Revision ID: 0020_channels
Revises: 0019_serial_corrections
Create Date: 2026-12-04

Issue 15's shared schema.

- ``channels`` (code, name, kind web/marketplace/pos); ``users.channel_id``
  names the channel an integration account (role ``channel``, added to the
  role CHECK) acts for, and a CHECK keeps it set exactly for that role.
- ``movements.channel_id``: the channel a sale, an order's pick or a return
  came through. ``movements.txid``: the event feed's order (portal.feed.clock),
  with an index (txid, id); movements written before this revision get 0, so a
  reader from the start sees them first, in id order.
- ``orders``, ``order_lines``, ``reservations`` (one unit held for one line,
  ``item_id`` unique: no unit is reserved twice), ``order_events`` (the feed's
  order changes, append-only).
- ``idempotency_keys``: a channel's repeated request answers the first answer.
- ``customer_returns.channel_id``: the channel a unit came back through.
- ``feed_clock``: SQLite's per-transaction counter (one row, made by its first use).

SQLite adds ``movements.channel_id`` in place (ALTER TABLE ... ADD COLUMN with
its REFERENCES clause: a copy of the ledger would be slow and would have to
lift its triggers) and rebuilds ``users`` and ``customer_returns`` with foreign
keys off.
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations.shapes import allowed_values, id_column, index_columns, primary_key, references
from portal.models import LEDGER_APPEND_ONLY_DDL, LEDGER_APPEND_ONLY_DROP

revision = "0020_channels"
down_revision = "0019_serial_corrections"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("receiver", "operator", "manager", "admin")
ROLES = ROLES_BEFORE + ("channel",)
ORDER_EVENT_TYPES = ("order.reserved", "order.shipped", "order.cancelled", "order.released", "order.picked")


def _sqlite() -> bool:
    return op.get_context().dialect.name == "sqlite"


def _foreign_keys(on: bool) -> None:
    """SQLite ignores the pragma inside a transaction: end the migration's own first."""
    raw = op.get_bind().connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _add_reference(table: str, column: str, parent: str) -> None:
    name = f"fk_{table}_{column}_{parent}"
    if _sqlite():
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {parent} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(name), table, parent, [column], ["id"])


def upgrade():
    op.create_table(
        "channels",
        id_column(),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(allowed_values("kind", ("web", "marketplace", "pos")), name=op.f("ck_channels_kind_allowed")),
        primary_key("channels"),
        sa.UniqueConstraint("code", name=op.f("uq_channels_code")),
    )
    if _sqlite():
        _foreign_keys(False)
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_users_channel_id_channels"), "channels", ["channel_id"], ["id"])
        batch_op.drop_constraint(op.f("ck_users_role_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role_allowed"), allowed_values("role", ROLES))
        batch_op.create_check_constraint(op.f("ck_users_channel_account"),
                                         sa.text("(role = 'channel') = (channel_id IS NOT NULL)"))
    with op.batch_alter_table("customer_returns") as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_customer_returns_channel_id_channels"), "channels", ["channel_id"],
                                    ["id"])
    if _sqlite():
        _foreign_keys(True)

    _add_reference("movements", "channel_id", "channels")
    op.add_column("movements", sa.Column("txid", sa.BigInteger(), nullable=True))
    dialect = op.get_context().dialect.name
    for statement in LEDGER_APPEND_ONLY_DROP[dialect]:
        op.execute(statement)
    op.execute("UPDATE movements SET txid = 0")  # the history before the feed, first, in id order
    for statement in LEDGER_APPEND_ONLY_DDL[dialect]:
        op.execute(statement)
    op.create_index("ix_movements_feed", "movements", ["txid", "id"])

    op.create_table(
        "orders",
        id_column(),
        sa.Column("order_ref", sa.String(length=100), nullable=False),
        sa.Column("order_key", sa.String(length=100), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(allowed_values("status", ("open", "shipped", "cancelled")),
                           name=op.f("ck_orders_status_allowed")),
        *references("orders", ("channel_id", "channels"), ("created_by_id", "users"), ("warehouse_id", "warehouses")),
        primary_key("orders"),
        sa.UniqueConstraint("order_key", name=op.f("uq_orders_order_key")),
    )
    index_columns("orders", "channel_id", "created_at", "expires_at")
    op.create_table(
        "order_lines",
        id_column(),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=16), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        *references("order_lines", ("order_id", "orders"), ("product_id", "products")),
        primary_key("order_lines"),
        sa.UniqueConstraint("order_id", "line_no", name=op.f("uq_order_lines_order_id_line_no")),
    )
    index_columns("order_lines", "product_id")
    op.create_table(
        "reservations",
        id_column(),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("reserved_at", sa.DateTime(), nullable=False),
        sa.Column("picked_at", sa.DateTime(), nullable=True),
        *references("reservations", ("item_id", "serial_items"), ("line_id", "order_lines")),
        primary_key("reservations"),
        sa.UniqueConstraint("item_id", name=op.f("uq_reservations_item_id")),
    )
    index_columns("reservations", "line_id")
    op.create_table(
        "order_events",
        id_column(),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(allowed_values("type", ORDER_EVENT_TYPES), name=op.f("ck_order_events_type_allowed")),
        *references("order_events", ("actor_id", "users"), ("channel_id", "channels"), ("order_id", "orders")),
        primary_key("order_events"),
    )
    index_columns("order_events", "order_id")
    op.create_index("ix_order_events_feed", "order_events", ["txid", "id"])
    op.create_table(
        "idempotency_keys",
        id_column(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *references("idempotency_keys", ("user_id", "users")),
        primary_key("idempotency_keys"),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id_key")),
    )
    index_columns("idempotency_keys", "created_at")
    op.create_table(
        "feed_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        primary_key("feed_clock"),
    )


def downgrade():
    for table in ("feed_clock", "idempotency_keys", "order_events", "reservations", "order_lines", "orders"):
        op.drop_table(table)
    op.drop_index("ix_movements_feed", table_name="movements")
    op.drop_column("movements", "txid")
    if not _sqlite():
        op.drop_constraint(op.f("fk_movements_channel_id_channels"), "movements", type_="foreignkey")
    op.drop_column("movements", "channel_id")  # SQLite 3.35+ drops a column with its REFERENCES in place
    if _sqlite():
        _foreign_keys(False)
    with op.batch_alter_table("customer_returns") as batch_op:
        batch_op.drop_constraint(op.f("fk_customer_returns_channel_id_channels"), type_="foreignkey")
        batch_op.drop_column("channel_id")
    op.execute("DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE role = 'channel')")
    op.execute("UPDATE users SET active = false, role = 'receiver' WHERE role = 'channel'")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f("ck_users_channel_account"), type_="check")
        batch_op.drop_constraint(op.f("fk_users_channel_id_channels"), type_="foreignkey")
        batch_op.drop_column("channel_id")
        batch_op.drop_constraint(op.f("ck_users_role_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role_allowed"), allowed_values("role", ROLES_BEFORE))
    if _sqlite():
        _foreign_keys(True)
    op.drop_table("channels")
