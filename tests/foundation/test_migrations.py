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


def test_an_existing_database_upgrades_through_0005_with_its_data_and_back(dialect, tmp_path):
    """A database already at 0004 with items, movements and defects in it takes
    migration 0005 (partial indexes; on PostgreSQL triggers in place of five
    foreign keys), keeps every row and refuses an orphan afterwards; downgrading
    restores the foreign keys over the same rows."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, inspect, select, text
    from sqlalchemy.exc import IntegrityError

    from portal import create_app
    from portal.demo import seed_demo
    from portal.models import Movement, SerialItem
    from tests.conftest import _postgres_database, _test_config

    def check(url):
        app = create_app(_test_config(url, tmp_path))
        with app.app_context():
            upgrade(revision="0004_reports")
            seed_demo(db.session, seed=7)
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
