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
