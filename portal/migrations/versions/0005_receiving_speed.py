"""receiving speed: set-based reference checks on PostgreSQL, leaner indexes for bulk lists

Revision ID: 0005_receiving_speed
Revises: 0004_reports
Create Date: 2026-11-29

A supplier list of a million serials goes in as one COPY and one INSERT ...
SELECT. PostgreSQL checks a foreign key with one trigger call per inserted row
(a query, or a quick return where the key is NULL), which costs more than the
rows themselves: about 1.7 s per 100,000 items for product, supplier, receipt
and warehouse, and per 1,000,000 movements 3.1 s for the actor and 1.4 s for
the item and the two (empty) bins. On PostgreSQL the keys below are checked
per statement instead, with the same guarantees: one trigger per INSERT looks
up the distinct referenced ids of all the new rows at once (and locks them
FOR KEY SHARE, as a foreign key does, so that a concurrent delete waits); a
change of a key column is checked row by row (rare); deleting or re-keying a
referenced row is refused while rows still refer to it. Violations raise
SQLSTATE 23503 (foreign_key_violation), as a foreign key would. SQLite keeps
its foreign keys: there they cost little.

On both databases, bin_id and order_ref are indexed only where they are set:
a listed item has neither, so a bulk list writes two index entries fewer per
item; every query on them names a value, which implies NOT NULL. Likewise the
movements' client_scan_id (only scans carry one): its unique constraint becomes
a unique index over the rows that have one, the same rule (a unique constraint
ignores NULLs too). SQLite cannot drop a table's constraint, so there the
movements table is copied once (Alembic's batch mode).
"""

import sqlalchemy as sa
from alembic import op

from portal.migrations import reference_checks

revision = "0005_receiving_speed"
down_revision = "0004_reports"
branch_labels = None
depends_on = None

#: (child table, column, parent table, the foreign key's name)
STATEMENT_CHECKED = [
    ("serial_items", "product_id", "products", "fk_serial_items_product_id_products"),
    ("serial_items", "supplier_id", "suppliers", "fk_serial_items_supplier_id_suppliers"),
    ("serial_items", "receipt_id", "receipts", "fk_serial_items_receipt_id_receipts"),
    ("serial_items", "warehouse_id", "warehouses", "fk_serial_items_warehouse_id_warehouses"),
    ("serial_items", "bin_id", "bins", "fk_serial_items_bin_id_bins"),
    ("movements", "item_id", "serial_items", "fk_movements_item_id_serial_items"),
    ("movements", "actor_id", "users", "fk_movements_actor_id_users"),
    ("movements", "from_bin_id", "bins", "fk_movements_from_bin_id_bins"),
    ("movements", "to_bin_id", "bins", "fk_movements_to_bin_id_bins"),
]

#: the tables whose rows a new reference locks FOR KEY SHARE in portal_require_references
LOCKED_PARENTS = ("products", "suppliers", "receipts", "warehouses", "bins", "users")
_LOCKED_LOOKUP = """        WHEN '%s' THEN
            SELECT count(*) INTO found FROM (SELECT 1 FROM %s WHERE id = ANY(ids) FOR KEY SHARE) AS held;
"""

FUNCTIONS = (r"""
CREATE FUNCTION portal_require_references(child text, col text, parent text, ids integer[], lock boolean)
RETURNS void LANGUAGE plpgsql AS $$
-- Static SQL per referenced table, so that each session plans it once: a scan
-- runs these for its movement and its bin.
DECLARE
    found integer;
    missing integer;
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    CASE parent
"""
    + "".join(_LOCKED_LOOKUP % (table, table) for table in LOCKED_PARENTS)
    + r"""        WHEN 'serial_items' THEN
            IF lock THEN
                SELECT count(*) INTO found FROM (SELECT 1 FROM serial_items WHERE id = ANY(ids) FOR KEY SHARE) AS held;
            ELSE
                SELECT count(*) INTO found FROM serial_items WHERE id = ANY(ids);
            END IF;
    END CASE;
    IF found < cardinality(ids) THEN
        EXECUTE format('SELECT k FROM unnest($1) AS k WHERE NOT EXISTS (SELECT 1 FROM %I p WHERE p.id = k) LIMIT 1',
                       parent) INTO missing USING ids;
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "fk_%_%_%"', child, child, col, parent
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, parent);
    END IF;
END $$;

CREATE FUNCTION serial_items_references_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    refs record;
BEGIN
    -- one hashed pass over the new rows: a list has a handful of combinations
    WITH combinations AS (
        SELECT product_id, supplier_id, receipt_id, warehouse_id, bin_id FROM new_items GROUP BY 1, 2, 3, 4, 5
    )
    SELECT array_agg(DISTINCT product_id) AS products,
           array_agg(DISTINCT supplier_id) AS suppliers,
           array_agg(DISTINCT receipt_id) FILTER (WHERE receipt_id IS NOT NULL) AS receipts,
           array_agg(DISTINCT warehouse_id) FILTER (WHERE warehouse_id IS NOT NULL) AS warehouses,
           array_agg(DISTINCT bin_id) FILTER (WHERE bin_id IS NOT NULL) AS bins
      INTO refs FROM combinations;
    PERFORM portal_require_references('serial_items', 'product_id', 'products', refs.products, true);
    PERFORM portal_require_references('serial_items', 'supplier_id', 'suppliers', refs.suppliers, true);
    PERFORM portal_require_references('serial_items', 'receipt_id', 'receipts', refs.receipts, true);
    PERFORM portal_require_references('serial_items', 'warehouse_id', 'warehouses', refs.warehouses, true);
    PERFORM portal_require_references('serial_items', 'bin_id', 'bins', refs.bins, true);
    RETURN NULL;
END $$;

CREATE FUNCTION serial_items_references_updated() RETURNS trigger LANGUAGE plpgsql AS $$
-- only the keys that changed (a scan changes the bin)
BEGIN
    IF NEW.product_id IS DISTINCT FROM OLD.product_id THEN
        PERFORM portal_require_references('serial_items', 'product_id', 'products', ARRAY[NEW.product_id], true);
    END IF;
    IF NEW.supplier_id IS DISTINCT FROM OLD.supplier_id THEN
        PERFORM portal_require_references('serial_items', 'supplier_id', 'suppliers', ARRAY[NEW.supplier_id], true);
    END IF;
    IF NEW.receipt_id IS NOT NULL AND NEW.receipt_id IS DISTINCT FROM OLD.receipt_id THEN
        PERFORM portal_require_references('serial_items', 'receipt_id', 'receipts', ARRAY[NEW.receipt_id], true);
    END IF;
    IF NEW.warehouse_id IS NOT NULL AND NEW.warehouse_id IS DISTINCT FROM OLD.warehouse_id THEN
        PERFORM portal_require_references('serial_items', 'warehouse_id', 'warehouses', ARRAY[NEW.warehouse_id], true);
    END IF;
    IF NEW.bin_id IS NOT NULL AND NEW.bin_id IS DISTINCT FROM OLD.bin_id THEN
        PERFORM portal_require_references('serial_items', 'bin_id', 'bins', ARRAY[NEW.bin_id], true);
    END IF;
    RETURN NULL;
END $$;

-- The ledger refers to items that are never deleted (deleting one that has
-- movements is refused below), so the new movements' items are looked up
-- without taking a lock on each of them.
"""
    + reference_checks.movements_references_inserted(
        create="CREATE FUNCTION", who="who and which bins", warehouses=False,
        grouped=" FROM new_movements GROUP BY 1, 2, 3")
    + r"""
CREATE FUNCTION movements_references_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_require_references('movements', 'item_id', 'serial_items', ARRAY[NEW.item_id], true);
    IF NEW.actor_id IS NOT NULL THEN
        PERFORM portal_require_references('movements', 'actor_id', 'users', ARRAY[NEW.actor_id], true);
    END IF;
    PERFORM portal_require_references('movements', 'from_bin_id', 'bins', array_remove(ARRAY[NEW.from_bin_id], NULL),
                                      true);
    PERFORM portal_require_references('movements', 'to_bin_id', 'bins', array_remove(ARRAY[NEW.to_bin_id], NULL), true);
    RETURN NULL;
END $$;

-- A referenced row may not go (or change its id) while rows still refer to it.
-- The check runs after the row is gone, with a fresh snapshot, so it also sees
-- rows a concurrent transaction committed while this one waited for its lock.
CREATE FUNCTION portal_refuse_orphans() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    child text := TG_ARGV[0];
    col text := TG_ARGV[1];
    referenced boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', child, col) INTO referenced USING OLD.id;
    IF referenced THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "fk_%_%_%" on table "%"',
            TG_TABLE_NAME, child, col, TG_TABLE_NAME, child
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, child);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER serial_items_references_inserted AFTER INSERT ON serial_items
    REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION serial_items_references_inserted();
CREATE TRIGGER serial_items_references_updated
    AFTER UPDATE OF product_id, supplier_id, receipt_id, warehouse_id, bin_id ON serial_items FOR EACH ROW
    WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id OR OLD.supplier_id IS DISTINCT FROM NEW.supplier_id
          OR OLD.receipt_id IS DISTINCT FROM NEW.receipt_id OR OLD.warehouse_id IS DISTINCT FROM NEW.warehouse_id
          OR (NEW.bin_id IS NOT NULL AND OLD.bin_id IS DISTINCT FROM NEW.bin_id))
    EXECUTE FUNCTION serial_items_references_updated();
CREATE TRIGGER movements_references_inserted AFTER INSERT ON movements
    REFERENCING NEW TABLE AS new_movements FOR EACH STATEMENT EXECUTE FUNCTION movements_references_inserted();
CREATE TRIGGER movements_references_updated AFTER UPDATE OF item_id, actor_id, from_bin_id, to_bin_id
    ON movements FOR EACH ROW
    WHEN (OLD.item_id IS DISTINCT FROM NEW.item_id OR OLD.actor_id IS DISTINCT FROM NEW.actor_id
          OR OLD.from_bin_id IS DISTINCT FROM NEW.from_bin_id OR OLD.to_bin_id IS DISTINCT FROM NEW.to_bin_id)
    EXECUTE FUNCTION movements_references_updated();
""")

PARENTS = [(parent, child, column) for child, column, parent, _name in STATEMENT_CHECKED]


def _where_set(column: str) -> dict:
    return {f"{dialect}_where": sa.text(f"{column} IS NOT NULL") for dialect in ("sqlite", "postgresql")}


def upgrade():
    op.drop_index("ix_serial_items_bin_id", table_name="serial_items")
    op.drop_index("ix_serial_items_order_ref", table_name="serial_items")
    op.create_index("ix_serial_items_bin_id", "serial_items", ["bin_id"], **_where_set("bin_id"))
    op.create_index("ix_serial_items_order_ref", "serial_items", ["order_ref"], **_where_set("order_ref"))
    with op.batch_alter_table("movements") as batch_op:
        batch_op.drop_constraint("uq_movements_client_scan_id", type_="unique")
    op.create_index("uq_movements_client_scan_id", "movements", ["client_scan_id"], unique=True,
                    **_where_set("client_scan_id"))
    if op.get_context().dialect.name != "postgresql":
        return
    for child, _column, _parent, name in STATEMENT_CHECKED:
        op.drop_constraint(name, child, type_="foreignkey")
    op.execute(FUNCTIONS)
    for parent, child, column in PARENTS:
        op.execute(reference_checks.refuse_orphans_trigger(parent, child, column))


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        for parent, child, column in PARENTS:
            op.execute(reference_checks.drop_refuse_orphans_trigger(parent, child, column))
        for trigger, table in [("serial_items_references_inserted", "serial_items"),
                               ("serial_items_references_updated", "serial_items"),
                               ("movements_references_inserted", "movements"),
                               ("movements_references_updated", "movements")]:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for function in ["serial_items_references_inserted()", "serial_items_references_updated()",
                         "movements_references_inserted()", "movements_references_updated()",
                         "portal_refuse_orphans()",
                         "portal_require_references(text, text, text, integer[], boolean)"]:
            op.execute(f"DROP FUNCTION {function}")
        for child, column, parent, name in STATEMENT_CHECKED:
            op.create_foreign_key(name, child, parent, [column], ["id"])
    op.drop_index("uq_movements_client_scan_id", table_name="movements")
    with op.batch_alter_table("movements") as batch_op:
        batch_op.create_unique_constraint("uq_movements_client_scan_id", ["client_scan_id"])
    op.drop_index("ix_serial_items_order_ref", table_name="serial_items")
    op.drop_index("ix_serial_items_bin_id", table_name="serial_items")
    op.create_index("ix_serial_items_order_ref", "serial_items", ["order_ref"])
    op.create_index("ix_serial_items_bin_id", "serial_items", ["bin_id"])
