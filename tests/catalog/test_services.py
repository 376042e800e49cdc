"""Catalog services against SQLite and PostgreSQL: every field checked at
once, duplicates refused, updates, and bins created set-based, all or nothing."""

from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from portal.catalog import services
from portal.errors import Conflict, Invalid
from portal.models import Bin, BinKind
from tests import factories


def test_create_product_reports_every_bad_field_at_once(session):
    factories.product(session, sku="LAP-1")
    with pytest.raises(Conflict) as raised:
        services.create_product(
            session, sku=" lap-1 ", name="", unit_cost="-5", warranty_months="x", gtin="4006381333932"
        )
    fields = services.field_messages(raised.value)
    assert fields["sku"] == "A product with SKU LAP-1 already exists."
    assert "name" in fields
    assert fields["unit_cost"] == "The unit cost cannot be negative."
    assert fields["warranty_months"] == "Warranty months must be a whole number."
    assert "check digit" in fields["gtin"]  # ...3932 should end in 1


@pytest.mark.parametrize("gtin", ["4006381333931", "12345670", "036000291452", "10036000291459"])
def test_valid_gtins_are_accepted(session, gtin):
    assert services.create_product(session, sku=f"G{gtin}", name="x", gtin=gtin).gtin == gtin


def test_duplicate_gtin_is_a_conflict(session):
    factories.product(session, gtin="4006381333931")
    with pytest.raises(Conflict, match="already has the GTIN"):
        services.create_product(session, sku="OTHER", name="x", gtin=" 4006381333931 ")


def test_update_product_keeps_what_is_not_given_and_allows_its_own_sku(session):
    product = factories.product(session, sku="TON-1", unit_cost="10.00", shelf_life_days=365)
    services.update_product(session, product=product, sku="ton-1", unit_cost="12.5")
    assert product.sku == "TON-1"
    assert product.unit_cost == Decimal("12.50")
    assert product.shelf_life_days == 365
    services.update_product(session, product=product, shelf_life_days="")
    assert product.shelf_life_days is None


def test_update_product_refuses_another_products_sku(session):
    factories.product(session, sku="A-1")
    other = factories.product(session, sku="B-1")
    with pytest.raises(Conflict):
        services.update_product(session, product=other, sku="a-1")
    session.rollback()


def test_check_supplier_writes_nothing_and_names_fields(session):
    factories.supplier(session, code="ACME")
    assert services.check_supplier(session, code="acme", name="") == {
        "code": "A supplier with code ACME already exists.",
        "name": "A supplier name of 1 to 200 characters is required.",
    }
    assert services.check_supplier(session, code="NEW", name="New") == {}


def test_update_supplier_sets_trusted(session):
    supplier = factories.supplier(session, code="SGE", name="Société Générale d'Électronique")
    services.update_supplier(session, supplier=supplier, trusted=True)
    assert supplier.trusted is True
    assert supplier.name == "Société Générale d'Électronique"


def test_create_warehouse_makes_its_dock_and_quarantine_bins(session):
    warehouse = services.create_warehouse(session, code="ams1", name="Amsterdam")
    kinds = session.execute(
        select(Bin.code, Bin.kind).where(Bin.warehouse_id == warehouse.id).order_by(Bin.code)
    ).all()
    assert kinds == [("DOCK", BinKind.DOCK), ("QUARANTINE", BinKind.QUARANTINE)]


def test_a_warehouse_or_bin_holding_stock_cannot_be_closed(session):
    item = factories.item(session)
    bin_ = session.get(Bin, item.bin_id)
    with pytest.raises(Invalid, match="still holds 1 items"):
        services.update_bin(session, bin_=bin_, active=False)
    with pytest.raises(Invalid, match="still holds 1 items"):
        services.update_warehouse(session, warehouse=bin_.warehouse, active=False)
    dock = services.special_bin(session, bin_.warehouse_id, BinKind.DOCK)
    with pytest.raises(Invalid, match="needed by receiving"):
        services.update_bin(session, bin_=dock, active=False)


def _count_statements(session):
    statements = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda conn, cursor, sql, *a: statements.append(sql))
    return statements


def test_create_bins_is_set_based(session):
    warehouse = factories.warehouse(session)
    codes = [f"A-{n:04d}" for n in range(2_500)]
    statements = _count_statements(session)
    result = services.create_bins(session, warehouse=warehouse, codes=codes)
    assert len(result.created) == 2_500
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # a handful of chunked statements, never one per bin
    assert 1 <= len(inserts) <= 10
    assert len(statements) <= 20
    total = session.scalar(select(func.count()).where(Bin.warehouse_id == warehouse.id))
    assert total == 2_502  # with DOCK and QUARANTINE


def test_create_bins_refuses_all_when_some_exist(session):
    warehouse = factories.warehouse(session)
    services.create_bins(session, warehouse=warehouse, codes=["A-01-1", "A-01-2"])
    with pytest.raises(Conflict) as raised:
        services.create_bins(session, warehouse=warehouse, codes=["A-01-1", "a-01-2", "A-01-3"])
    assert raised.value.details == {"existing": ["A-01-1", "A-01-2"], "existing_count": 2}
    assert "nothing was created" in raised.value.message
    assert session.scalar(select(Bin.id).where(Bin.code == "A-01-3")) is None


def test_create_bins_skips_existing_when_asked(session):
    warehouse = factories.warehouse(session)
    services.create_bins(session, warehouse=warehouse, codes=["A-01-1"])
    result = services.create_bins(
        session, warehouse=warehouse, codes=["A-01-1", "A-01-2", "A-01-2"], skip_existing=True
    )
    assert result.created == ["A-01-2"]
    assert result.skipped == ["A-01-1"]


def test_same_bin_code_in_another_warehouse_is_fine(session):
    first, second = factories.warehouse(session), factories.warehouse(session)
    services.create_bins(session, warehouse=first, codes=["A-01-1"])
    assert services.create_bins(session, warehouse=second, codes=["A-01-1"]).created == ["A-01-1"]


def test_create_bins_refuses_bad_codes(session):
    warehouse = factories.warehouse(session)
    with pytest.raises(Invalid, match="uses only letters"):
        services.create_bins(session, warehouse=warehouse, codes=["A-1", "B 2"])
    with pytest.raises(Invalid, match="No bin codes"):
        services.create_bins(session, warehouse=warehouse, codes=[])


@pytest.mark.postgres_only
def test_two_managers_saving_the_same_code_at_once_get_a_conflict_not_a_crash(app, dialect):
    """The second one's duplicate check passes (the first has not committed);
    its insert waits on the unique index, then fails: a clear Conflict."""
    if dialect != "postgresql":
        pytest.skip("needs two concurrent transactions")
    import threading

    from sqlalchemy.orm import Session

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    first, second = Session(engine), Session(engine)
    try:
        services.create_supplier(first, code="TWIN", name="A")  # flushed, not committed
        timer = threading.Timer(0.5, first.commit)
        timer.start()
        with pytest.raises(Conflict, match="saved a moment ago"):
            services.create_supplier(second, code="TWIN", name="B")
        timer.join()
        second.rollback()
    finally:
        first.close()
        second.close()
