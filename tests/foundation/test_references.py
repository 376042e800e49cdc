"""Every item refers to a real product, supplier, receipt and warehouse, and
every movement to a real item, on both databases. SQLite checks them with
foreign keys; PostgreSQL with per-statement triggers (migration 0005), which
must refuse exactly what a foreign key would, single rows and bulk alike."""

import threading

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.extensions import db
from portal.models import Bin, ItemStatus, Movement, Product, SerialItem, Supplier, User
from tests import factories

MISSING_ID = 987654

INSERT_ITEMS = text(
    "INSERT INTO serial_items (serial, serial_key, product_id, supplier_id, receipt_id, warehouse_id, status, "
    "condition, ownership, created_at) VALUES (:serial, :serial, :product, :supplier, NULL, :warehouse, "
    "'expected', 'regular', 'owned', CURRENT_TIMESTAMP)")


def _rows(item, n, **override):
    rows = [{"serial": f"REF-{i:05d}", "product": item.product_id, "supplier": item.supplier_id,
             "warehouse": item.warehouse_id} for i in range(n)]
    rows[n // 2].update(override)  # one bad row in the middle of the batch
    return rows


def _items(session) -> int:
    return session.scalar(select(func.count()).select_from(SerialItem))


@pytest.mark.parametrize("column", ["product", "supplier", "warehouse"])
def test_a_batch_with_one_item_of_a_missing_parent_is_refused_whole(session, column):
    known = factories.item(session, status=ItemStatus.EXPECTED)
    session.commit()
    before = _items(session)
    with pytest.raises(IntegrityError):
        session.execute(INSERT_ITEMS, _rows(known, 200, **{column: MISSING_ID}))
        session.flush()
    session.rollback()
    assert _items(session) == before


def test_a_batch_of_good_items_goes_in(session):
    known = factories.item(session, status=ItemStatus.EXPECTED)
    session.commit()
    before = _items(session)
    session.execute(INSERT_ITEMS, _rows(known, 200))
    session.commit()
    assert _items(session) == before + 200


def test_an_item_cannot_be_moved_to_a_warehouse_or_receipt_that_does_not_exist(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    session.commit()
    warehouse = item.warehouse_id
    for values in ({"warehouse_id": MISSING_ID}, {"receipt_id": MISSING_ID}, {"product_id": MISSING_ID}):
        with pytest.raises(IntegrityError):
            session.execute(update(SerialItem).where(SerialItem.id == item.id).values(**values))
        session.rollback()
    assert warehouse is not None and session.get(SerialItem, item.id).warehouse_id == warehouse


def test_a_movement_of_an_item_that_does_not_exist_is_refused(session):
    item = factories.item(session, status=ItemStatus.EXPECTED)
    session.commit()
    session.add(Movement(item_id=MISSING_ID, kind="listed", to_status="expected"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == MISSING_ID)) == 0
    assert item.id


@pytest.mark.parametrize("bad", ["after the run", "inside the run"])
def test_a_batch_of_movements_with_one_missing_item_is_refused_whole(session, bad):
    """Bulk movements name a dense run of item ids (a list's items) or any ids:
    one id that is no item refuses the whole batch either way."""
    known = factories.item(session, status=ItemStatus.EXPECTED)
    session.commit()
    session.execute(INSERT_ITEMS, _rows(known, 6))
    session.commit()
    ids = session.scalars(select(SerialItem.id).order_by(SerialItem.id)).all()
    good = ids[-6:]
    if bad == "after the run":
        targets = [*good, good[-1] + 1]
    else:  # ids run through a hole: the item in the middle is not there
        session.execute(text("UPDATE serial_items SET id = :new WHERE id = :old"), {"new": MISSING_ID, "old": good[2]})
        session.commit()
        targets = [*good[:2], good[2], *good[3:]]
    before = session.scalar(select(func.count()).select_from(Movement))
    with pytest.raises(IntegrityError):
        session.execute(insert(Movement), [{"item_id": i, "kind": "listed", "to_status": "expected"} for i in targets])
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Movement)) == before
    session.execute(insert(Movement), [{"item_id": i, "kind": "listed", "to_status": "expected"}
                                       for i in good if i != good[2] or bad == "after the run"])
    session.commit()


def test_an_item_cannot_go_into_a_bin_that_does_not_exist_but_can_change_bins(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    other = factories.bin_(session, warehouse_id=item.warehouse_id)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(update(SerialItem).where(SerialItem.id == item.id).values(bin_id=MISSING_ID))
    session.rollback()
    session.execute(update(SerialItem).where(SerialItem.id == item.id).values(bin_id=other.id))
    session.commit()
    assert session.get(SerialItem, item.id).bin_id == other.id


@pytest.mark.parametrize("column", ["actor_id", "from_bin_id", "to_bin_id"])
def test_a_movement_by_a_missing_user_or_between_missing_bins_is_refused(session, column):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    user = factories.user(session)
    session.commit()
    good = {"item_id": item.id, "kind": "moved", "from_status": "in_stock", "to_status": "in_stock",
            "actor_id": user.id, "from_bin_id": item.bin_id, "to_bin_id": item.bin_id}
    before = session.scalar(select(func.count()).select_from(Movement))
    with pytest.raises(IntegrityError):
        session.execute(insert(Movement), [good, {**good, column: MISSING_ID}, good])
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Movement)) == before
    session.execute(insert(Movement), [good, good])
    session.commit()
    assert session.scalar(select(func.count()).select_from(Movement)) == before + 2


def test_a_bin_or_user_the_ledger_refers_to_cannot_be_deleted(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    user = factories.user(session)
    session.commit()
    session.add(Movement(item_id=item.id, kind="counted", from_status="in_stock", to_status="in_stock",
                         actor_id=user.id))
    session.commit()
    for statement in (delete(Bin).where(Bin.id == item.bin_id), delete(User).where(User.id == user.id)):
        with pytest.raises(IntegrityError):
            session.execute(statement)
            session.flush()
        session.rollback()
    assert session.get(Bin, item.bin_id) is not None and session.get(User, user.id) is not None


def test_a_product_supplier_or_item_that_something_refers_to_cannot_be_deleted(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    session.commit()
    for statement in (delete(Product).where(Product.id == item.product_id),
                      delete(Supplier).where(Supplier.id == item.supplier_id),
                      delete(SerialItem).where(SerialItem.id == item.id)):
        with pytest.raises(IntegrityError):
            session.execute(statement)
            session.flush()
        session.rollback()
    assert session.get(SerialItem, item.id) is not None


def test_a_product_nothing_refers_to_can_be_deleted(session):
    product = factories.product(session)
    session.commit()
    session.execute(delete(Product).where(Product.id == product.id))
    session.commit()
    assert session.get(Product, product.id) is None


def test_a_delete_racing_an_insert_that_refers_to_the_row_waits_and_is_refused(app, dialect):
    """Transaction A lists an item of a new product and has not committed; B
    deletes the product. B must wait for A (the product is locked as a foreign
    key would lock it), then fail: no item may refer to a deleted product."""
    if dialect != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL")
    with app.app_context():
        known = factories.item(db.session, status=ItemStatus.EXPECTED)
        product = factories.product(db.session)
        db.session.commit()
        row = {"serial": "RACE-1", "product": product.id, "supplier": known.supplier_id,
               "warehouse": known.warehouse_id}
        product_id = product.id
        db.session.remove()
    inserted, outcome = threading.Event(), {}

    def lister():
        with app.app_context(), db.engine.connect() as conn:
            conn.execute(INSERT_ITEMS, row)
            inserted.set()
            threading.Event().wait(0.5)  # B is now waiting on the product's lock
            conn.commit()

    def deleter():
        inserted.wait(10)
        with app.app_context(), db.engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            try:
                conn.execute(delete(Product).where(Product.id == product_id))
                conn.commit()
                outcome["deleted"] = True
            except (IntegrityError, OperationalError) as error:
                outcome["error"] = type(error).__name__
                conn.rollback()

    threads = [threading.Thread(target=lister), threading.Thread(target=deleter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcome == {"error": "IntegrityError"}
    with app.app_context():
        assert db.session.scalar(select(Product.id).where(Product.id == product_id)) == product_id
        assert db.session.scalar(select(SerialItem.id).where(SerialItem.serial_key == "RACE-1"))
