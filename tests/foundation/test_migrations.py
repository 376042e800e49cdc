"""The migrations produce exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db
from portal.models import schema_objects_for


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": schema_objects_for(connection.dialect.name)})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_schema_has_the_ledger_and_serial_constraints(app, dialect):
    from sqlalchemy import inspect

    with app.app_context():
        inspector = inspect(db.engine)
        serial_uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("serial_items")}
        assert ("serial_key",) in serial_uniques
        checks = {c["name"] for c in inspector.get_check_constraints("serial_items")}
        assert "ck_serial_items_status_allowed" in checks
        assert "ck_serial_items_in_stock_has_bin" in checks


def _seed_at_0004(session) -> None:
    """Rows as a database at 0004 held them, in that schema's own columns (today's
    models and demo write columns 0004 does not have): a user, a product, two bins,
    300 items listed, put away, shipped or flagged, their movements and defects."""
    from sqlalchemy import text

    now = "2026-01-05 10:00:00"
    session.execute(text("INSERT INTO users (id, username, password_hash, role, active, created_at) "
                         f"VALUES (1, 'admin', 'x', 'admin', true, '{now}')"))
    session.execute(text(f"INSERT INTO suppliers (id, code, name, trusted, active, created_at) "
                         f"VALUES (1, 'SUP1', 'Supplier', false, true, '{now}')"))
    session.execute(text("INSERT INTO products (id, sku, name, warranty_months, unit_cost, active, created_at) "
                         f"VALUES (1, 'SKU-1', 'Product', 12, 10, true, '{now}')"))
    session.execute(text(f"INSERT INTO warehouses (id, code, name, active, created_at) "
                         f"VALUES (1, 'WH1', 'Main', true, '{now}')"))
    session.execute(text("INSERT INTO bins (id, warehouse_id, code, kind, active, created_at) VALUES "
                         f"(1, 1, 'A-01', 'storage', true, '{now}'), "
                         f"(2, 1, 'QUARANTINE', 'quarantine', true, '{now}')"))
    statuses = ("expected", "in_stock", "sold", "defective")
    for n in range(1, 301):
        status = statuses[n % 4]
        bin_id = {"in_stock": 1, "defective": 2}.get(status)
        session.execute(text(
            "INSERT INTO serial_items (id, serial, serial_key, product_id, supplier_id, warehouse_id, bin_id, status, "
            "condition, ownership, created_at) VALUES (:id, :serial, :serial, 1, 1, :wh, :bin, :status, 'regular', "
            "'owned', :now)"), {"id": n, "serial": f"SN{n:05d}", "wh": 1 if bin_id else None, "bin": bin_id,
                                "status": status, "now": now})
        steps = {"expected": [("listed", None, "expected", None)],
                 "in_stock": [("listed", None, "expected", None), ("received", "expected", "in_stock", 1)],
                 "sold": [("listed", None, "expected", None), ("received", "expected", "in_stock", 1),
                          ("shipped", "in_stock", "sold", None)],
                 "defective": [("listed", None, "expected", None), ("received", "expected", "in_stock", 1),
                               ("defect", "in_stock", "defective", 2)]}[status]
        for kind, from_status, to_status, to_bin in steps:
            session.execute(text("INSERT INTO movements (item_id, kind, from_status, to_status, to_bin_id, actor_id, "
                                 "at) VALUES (:item, :kind, :from_status, :to_status, :to_bin, 1, :now)"),
                            {"item": n, "kind": kind, "from_status": from_status, "to_status": to_status,
                             "to_bin": to_bin, "now": now})
        if status == "defective":
            session.execute(text("INSERT INTO defect_reports (item_id, reason_code, stage_found, reported_by_id, "
                                 "reported_at) VALUES (:item, 'functional', 'storage', 1, :now)"),
                            {"item": n, "now": now})


def test_an_existing_database_upgrades_through_0005_with_its_data_and_back(dialect, tmp_path):
    """A database already at 0004 with items, movements and defects in it takes
    migration 0005 (partial indexes; on PostgreSQL triggers in place of five
    foreign keys), keeps every row and refuses an orphan afterwards; downgrading
    restores the foreign keys over the same rows."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, inspect, select, text
    from sqlalchemy.exc import IntegrityError

    from portal import create_app
    from portal.models import Movement, SerialItem
    from tests.conftest import _postgres_database, _test_config

    def check(url):
        app = create_app(_test_config(url, tmp_path))
        with app.app_context():
            upgrade(revision="0004_reports")
            _seed_at_0004(db.session)
            db.session.commit()
            counts = (db.session.scalar(select(func.count()).select_from(SerialItem)),
                      db.session.scalar(select(func.count()).select_from(Movement)))
            db.session.remove()
            upgrade()
            db.session.remove()
            assert (db.session.scalar(select(func.count()).select_from(SerialItem)),
                    db.session.scalar(select(func.count()).select_from(Movement))) == counts
            with db.engine.connect() as conn:
                try:
                    conn.execute(text("INSERT INTO movements (item_id, kind, to_status, at) "
                                      "VALUES (987654, 'listed', 'expected', CURRENT_TIMESTAMP)"))
                    refused = False
                except IntegrityError:
                    refused = True
                conn.rollback()
            assert refused, "a movement of an item that does not exist was accepted after 0005"
            db.session.remove()  # no open transaction may hold locks while the schema changes
            downgrade(revision="0004_reports")
            db.session.remove()
            keys = {fk["name"] for fk in inspect(db.engine).get_foreign_keys("serial_items")}
            assert {"fk_serial_items_product_id_products", "fk_serial_items_receipt_id_receipts"} <= keys
            upgrade()
            db.session.remove()
            db.engine.dispose()

    if dialect == "postgresql":
        with _postgres_database() as url:
            check(url)
    else:
        check(f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
