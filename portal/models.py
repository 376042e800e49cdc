"""The warehouse's data model. Constraints live in the database, not only here.

Statuses, conditions and the rest are plain strings checked by CHECK
constraints, so SQLite and PostgreSQL hold the same rules and the migrations
stay portable.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    """Naive UTC: both databases store it the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


class Role(enum.StrEnum):
    RECEIVER = "receiver"
    OPERATOR = "operator"
    MANAGER = "manager"
    ADMIN = "admin"
    CHANNEL = "channel"  # an integration account of one sales channel: API tokens only, no pages


class ItemStatus(enum.StrEnum):
    EXPECTED = "expected"
    IN_STOCK = "in_stock"
    SOLD = "sold"
    DEFECTIVE = "defective"
    RETURNED_TO_SUPPLIER = "returned_to_supplier"
    MISSING = "missing"
    SCRAPPED = "scrapped"  # written off from quarantine: terminal
    IN_TRANSIT = "in_transit"  # dispatched on a transfer between warehouses: no bin until it arrives


class Condition(enum.StrEnum):
    REGULAR = "regular"
    SAMPLE = "sample"
    DAMAGED = "damaged"
    REFURBISHED = "refurbished"


class Ownership(enum.StrEnum):
    OWNED = "owned"
    CONSIGNMENT = "consignment"


class BinKind(enum.StrEnum):
    STORAGE = "storage"
    DOCK = "dock"
    QUARANTINE = "quarantine"


class ReceiptStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MovementKind(enum.StrEnum):
    LISTED = "listed"  # on a supplier's list: the item is expected
    RECEIVED = "received"  # expected -> in stock (put away, receive all at the dock)
    MOVED = "moved"  # bin to bin, status unchanged
    COUNTED = "counted"  # count adjustment after a bin count
    SHIPPED = "shipped"  # sold to a customer
    DEFECT = "defect"  # flagged defective
    RETURNED = "returned"  # sent back to the supplier
    MARKED_MISSING = "marked_missing"  # receipt closed without it, or not found in a count
    FOUND = "found"  # a missing item turned up
    RESTOCKED = "restocked"  # customer return or repaired unit back into stock
    REVERSED = "reversed"  # undo of the movement named in the note
    CONDITION_CHANGED = "condition_changed"  # regular, sample, damaged, refurbished
    OWNERSHIP_CHANGED = "ownership_changed"  # owned or on consignment
    SCRAPPED = "scrapped"  # a defective unit written off
    DISPATCHED = "dispatched"  # left its warehouse on a transfer: in stock -> in transit
    ARRIVED = "arrived"  # a transfer's unit scanned into a bin at the destination: in transit -> in stock
    SERIAL_CORRECTED = "serial_corrected"  # a serial typed wrong put right: the note names both values


class DefectReason(enum.StrEnum):
    DEAD_ON_ARRIVAL = "dead_on_arrival"
    FUNCTIONAL = "functional"
    COSMETIC = "cosmetic"
    MISSING_PARTS = "missing_parts"
    WRONG_ITEM = "wrong_item"
    OTHER = "other"


class DefectStage(enum.StrEnum):
    RECEIVING = "receiving"
    STORAGE = "storage"
    PICKING = "picking"
    CUSTOMER_RETURN = "customer_return"


def only_where_set(column: str) -> dict:
    """Index options for a partial index over the rows where ``column`` has a
    value (on both databases); a query naming a value implies NOT NULL."""
    return {f"{dialect}_where": text(f"{column} IS NOT NULL") for dialect in ("sqlite", "postgresql")}


def one_of(column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


#: Foreign keys that PostgreSQL checks per statement (triggers installed by
#: migration 0005) instead of per row: bulk lists insert a million items and
#: movements, and a per-row check costs more than the row. SQLite keeps them.
CHECKED_PER_STATEMENT_ON_POSTGRESQL = frozenset({
    "fk_serial_items_product_id_products",
    "fk_serial_items_supplier_id_suppliers",
    "fk_serial_items_receipt_id_receipts",
    "fk_serial_items_warehouse_id_warehouses",
    "fk_serial_items_bin_id_bins",
    "fk_movements_item_id_serial_items",
    "fk_movements_actor_id_users",
    "fk_movements_from_bin_id_bins",
    "fk_movements_to_bin_id_bins",
    "fk_movements_from_warehouse_id_warehouses",
    "fk_movements_to_warehouse_id_warehouses",
})


def schema_objects_for(dialect: str):
    """Alembic's include_object for a database of ``dialect``: on PostgreSQL the
    foreign keys above are triggers, not constraints, so they are not compared."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        return not (dialect == "postgresql" and type_ == "foreign_key_constraint"
                    and name in CHECKED_PER_STATEMENT_ON_POSTGRESQL)

    return include


# --- sales channels ---------------------------------------------------------


class ChannelKind(enum.StrEnum):
    WEB = "web"  # the web shop
    MARKETPLACE = "marketplace"
    POS = "pos"  # the shop counter


class Channel(db.Model):
    """A system that sells: the web shop, a marketplace, the shop counter. Its
    integration accounts (role ``channel``) act for it through the API, and
    every sale, order and return it makes is recorded with it. Kept, never
    deleted (the ledger names it): an inactive channel's tokens are refused."""

    __tablename__ = "channels"
    __table_args__ = (one_of("kind", ChannelKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # stored upper-case
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- accounts ---------------------------------------------------------------


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", Role),
        # a channel account belongs to exactly one channel; no other account belongs to one
        CheckConstraint("(role = 'channel') = (channel_id IS NOT NULL)", name="channel_account"),
    )
    #: an INSERT does not read back server defaults (session_epoch is loaded
    #: when used): code written for an older schema, the demo seed in the
    #: migration tests included, still inserts users
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Part of every session cookie; bumping it (logout, password, role,
    #: disabling) ends every session of the user on the server.
    #: (no Python-side default: an INSERT leaves it to the database)
    session_epoch: Mapped[int] = mapped_column(Integer, server_default="0")
    #: the sales channel an integration account (role ``channel``) acts for
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """What the session cookie stores: the id and the session epoch."""
        return f"{self.id}:{self.session_epoch}"

    channel: Mapped[Channel | None] = relationship()

    def has_role(self, *roles: str) -> bool:
        return self.role == Role.ADMIN or self.role in roles


class ApiToken(db.Model):
    """An API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class ThrottleScope(enum.StrEnum):
    USER = "user"
    ADDRESS = "address"


class LoginThrottle(db.Model):
    """Log-in attempts of one user name or one client address, kept in the
    database so that every app process throttles alike. ``attempts`` counts
    the failures of the current streak (a log-in claims one before its password
    is checked; a success gives it back); ``blocked_until`` is the earliest time
    the next attempt is let through. One row per name or address: a stream of
    failures updates it, and rows idle for longer than the window are deleted."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("scope", "key"), one_of("scope", ThrottleScope))

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)


# --- catalog ----------------------------------------------------------------


class Supplier(db.Model):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("warranty_months >= 0", name="warranty_not_negative"),
        CheckConstraint("shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_positive"),
        CheckConstraint("unit_cost >= 0", name="unit_cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    warranty_months: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Warehouse(db.Model):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    bins: Mapped[list[Bin]] = relationship(back_populates="warehouse", lazy="raise")


class Bin(db.Model):
    __tablename__ = "bins"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "code"),
        one_of("kind", BinKind),
        # exactly one dock and one quarantine bin per warehouse (the service creates them)
        Index(
            "uq_bins_one_special_kind",
            "warehouse_id",
            "kind",
            unique=True,
            sqlite_where=text("kind <> 'storage'"),
            postgresql_where=text("kind <> 'storage'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default=BinKind.STORAGE, server_default="storage")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    warehouse: Mapped[Warehouse] = relationship(back_populates="bins")


# --- receiving --------------------------------------------------------------


class Receipt(db.Model):
    __tablename__ = "receipts"
    __table_args__ = (
        one_of("status", ReceiptStatus),
        # the same file uploaded twice for one supplier is caught
        UniqueConstraint("supplier_id", "file_sha256"),
        CheckConstraint("skipped_rows >= 0", name="skipped_rows_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    expected_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ReceiptStatus.OPEN, server_default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    skipped_rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped_detail: Mapped[str | None] = mapped_column(Text)  # JSON list of skipped rows

    supplier: Mapped[Supplier] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    created_by: Mapped[User | None] = relationship()


# --- items ------------------------------------------------------------------


class SerialItem(db.Model):
    """One physical item. ``serial`` is as the supplier wrote it; ``serial_key``
    is its normalised form (trimmed, upper-case) and is unique system-wide."""

    __tablename__ = "serial_items"
    __table_args__ = (
        one_of("status", ItemStatus),
        one_of("condition", Condition),
        one_of("ownership", Ownership),
        CheckConstraint("status <> 'in_stock' OR bin_id IS NOT NULL", name="in_stock_has_bin"),
        CheckConstraint("bin_id IS NULL OR warehouse_id IS NOT NULL", name="bin_has_warehouse"),
        CheckConstraint("unit_cost IS NULL OR unit_cost >= 0", name="unit_cost_not_negative"),
        Index("ix_serial_items_fifo", "product_id", "status", "received_at"),
        Index("ix_serial_items_status_warehouse", "status", "warehouse_id"),
        # a listed item has no bin and no order yet: index only the items that have one
        Index("ix_serial_items_bin_id", "bin_id", **only_where_set("bin_id")),
        Index("ix_serial_items_order_ref", "order_ref", **only_where_set("order_ref")),
        Index("ix_serial_items_lot", "lot", **only_where_set("lot")),
        # shipping's "expires first" suggestion (portal.items.expiry.first_to_ship)
        Index("ix_serial_items_expiry", "product_id", "status", "expires_at", "received_at",
              **only_where_set("expires_at")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64))
    serial_key: Mapped[str] = mapped_column(String(64), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"), index=True)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    status: Mapped[str] = mapped_column(String(24))
    condition: Mapped[str] = mapped_column(String(16), default=Condition.REGULAR)
    ownership: Mapped[str] = mapped_column(String(16), default=Ownership.OWNED)
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[date | None] = mapped_column(Date)
    #: the batch or lot (GS1 AI 10) as the supplier's list or the scanned code gave it
    lot: Mapped[str | None] = mapped_column(String(64))
    sold_at: Mapped[datetime | None] = mapped_column(DateTime)
    order_ref: Mapped[str | None] = mapped_column(String(100))
    warranty_ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    supplier: Mapped[Supplier] = relationship()
    receipt: Mapped[Receipt | None] = relationship()
    warehouse: Mapped[Warehouse | None] = relationship()
    bin: Mapped[Bin | None] = relationship()


class Movement(db.Model):
    """Append-only ledger: one row for every change to an item, written only by
    :mod:`portal.items.ledger`; the database refuses UPDATE and DELETE on it.

    Status and bin are recorded on every movement (before and after). The
    warehouse, condition and ownership columns are set only on a movement that
    changes them (both sides, ``from_*`` NULL where there was none) and are NULL
    otherwise: a list of a million serials writes nothing extra, and what an
    item was at a moment is the latest change before it (or, before its first
    change, that change's ``from_*``)."""

    __tablename__ = "movements"
    __table_args__ = (
        one_of("kind", MovementKind),
        one_of("from_condition", Condition),
        one_of("to_condition", Condition),
        one_of("from_ownership", Ownership),
        one_of("to_ownership", Ownership),
        Index("ix_movements_item_at", "item_id", "id"),
        # the few movements that change condition or ownership, by time: what an item was at a
        # past moment (portal.items.as_of) reads only these
        Index("ix_movements_condition_changes", "at", **only_where_set("to_condition")),
        Index("ix_movements_ownership_changes", "at", **only_where_set("to_ownership")),
        # unique like a constraint (which ignores NULLs too), but only scans carry an id:
        # a million listed movements write no entry
        Index("uq_movements_client_scan_id", "client_scan_id", unique=True, **only_where_set("client_scan_id")),
        Index("ix_movements_feed", "txid", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"))
    kind: Mapped[str] = mapped_column(String(24))
    from_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    to_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    from_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    to_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    from_condition: Mapped[str | None] = mapped_column(String(16))
    to_condition: Mapped[str | None] = mapped_column(String(16))
    from_ownership: Mapped[str | None] = mapped_column(String(16))
    to_ownership: Mapped[str | None] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    client_scan_id: Mapped[str | None] = mapped_column(String(64))
    #: the sales channel the change came through (a sale, an order's pick, a return), if any
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    #: the event feed's order (portal.feed.clock): PostgreSQL's transaction id, or on SQLite
    #: (one writer at a time) a number taken per writing transaction; the same for every
    #: movement of one transaction
    txid: Mapped[int | None] = mapped_column(BigInteger)

    item: Mapped[SerialItem] = relationship()
    from_bin: Mapped[Bin | None] = relationship(foreign_keys=[from_bin_id])
    to_bin: Mapped[Bin | None] = relationship(foreign_keys=[to_bin_id])
    from_warehouse: Mapped[Warehouse | None] = relationship(foreign_keys=[from_warehouse_id])
    to_warehouse: Mapped[Warehouse | None] = relationship(foreign_keys=[to_warehouse_id])
    actor: Mapped[User | None] = relationship()


#: The database keeps the ledger append-only: UPDATE and DELETE on movements
#: are refused (TRUNCATE, which only an operator runs, is not a row change).
#: Created by migration 0006_ledger; the test suite's SQLite cleanup drops and
#: recreates the same triggers around its DELETEs.
LEDGER_APPEND_ONLY_MESSAGE = "movements are append-only: write a reversing movement instead"
LEDGER_APPEND_ONLY_DDL = {
    "sqlite": [
        f"CREATE TRIGGER movements_append_only_{op.lower()} BEFORE {op} ON movements "
        f"BEGIN SELECT RAISE(ABORT, '{LEDGER_APPEND_ONLY_MESSAGE}'); END"
        for op in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        "CREATE FUNCTION movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{LEDGER_APPEND_ONLY_MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$",
        "CREATE TRIGGER movements_append_only BEFORE UPDATE OR DELETE ON movements "
        "FOR EACH STATEMENT EXECUTE FUNCTION movements_append_only()",
    ],
}
LEDGER_APPEND_ONLY_DROP = {
    "sqlite": ["DROP TRIGGER movements_append_only_update", "DROP TRIGGER movements_append_only_delete"],
    "postgresql": ["DROP TRIGGER movements_append_only ON movements", "DROP FUNCTION movements_append_only()"],
}


class DefectReport(db.Model):
    __tablename__ = "defect_reports"
    __table_args__ = (one_of("stage_found", DefectStage),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), index=True)
    # one of the reasons the admin keeps (portal/defects/models.py, migration 0009)
    reason_code: Mapped[str] = mapped_column(String(32), ForeignKey("defect_reasons.code"))
    stage_found: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # a report is never deleted (its movement stays in the ledger): undoing the
    # scan that filed it marks it undone, and the defect reports leave it out
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[SerialItem] = relationship()
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])


@event.listens_for(Session, "before_flush")
def _ledger_is_append_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Movement) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("movements are append-only: write a reversing movement instead")
