"""Receiving services against SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import event, func, select

from portal.errors import Conflict, Invalid
from portal.models import Movement, Receipt, SerialItem
from portal.receiving import services
from portal.receiving.models import StagedUpload, SupplierColumnMapping, UnexpectedItem
from tests.receiving.files import csv_bytes, serial_list


@pytest.fixture
def shipment(make_supplier, make_warehouse, make_product, make_user):
    supplier = make_supplier(code="ACME", trusted=True)
    warehouse = make_warehouse(code="MAIN")
    product = make_product(sku="PHONE-1")
    make_product(sku="PHONE-2")
    user = make_user(role="receiver")
    return {"supplier": supplier, "warehouse": warehouse, "product": product, "user": user}


def header(session, product="PHONE-1", **kwargs):
    return services.receipt_header(session, supplier="acme", warehouse="MAIN", reference="PO-1",
                                   product=product, **kwargs)


def actor(session, shipment):
    from portal.models import User

    return session.get(User, shipment["user"].id)


def test_commit_creates_receipt_and_every_item_expected_with_one_movement(session, shipment):
    raw = csv_bytes([["Serial", "SKU", "Cost"], ["a-1", "phone-2", "5.00"], ["A-2", "", ""]])
    receipt, preview = services.import_list(session, header=header(session, unit_cost="9.99"), content=raw,
                                            file_name="list.csv", actor=actor(session, shipment))
    session.commit()
    items = session.scalars(select(SerialItem).order_by(SerialItem.id)).all()
    assert [(i.serial, i.serial_key, i.status, i.product.sku, str(i.unit_cost)) for i in items] == [
        ("a-1", "A-1", "expected", "PHONE-2", "5.00"), ("A-2", "A-2", "expected", "PHONE-1", "9.99")]
    assert all(i.receipt_id == receipt.id and i.warehouse_id == shipment["warehouse"].id for i in items)
    movements = session.scalars(select(Movement)).all()
    assert sorted((m.item_id, m.kind, m.from_status, m.to_status, m.actor_id) for m in movements) == [
        (i.id, "listed", None, "expected", shipment["user"].id) for i in items]
    assert receipt.file_sha256 == services.file_digest(raw) and receipt.skipped_rows == 0
    # the mapping chosen is remembered for the supplier
    assert json.loads(session.get(SupplierColumnMapping, shipment["supplier"].id).mapping)["columns"] == {
        "serial": "Serial", "sku": "SKU", "cost": "Cost"}


def test_invalid_rows_refuse_the_whole_list_unless_skipped(session, shipment, make_item):
    make_item(serial="TAKEN-1")
    raw = csv_bytes([["Serial", "SKU"], ["OK-1", ""], ["taken-1", ""], ["OK-2", "NOPE"], ["ok-1", ""]])
    with pytest.raises(services.ListRefused) as refused:
        services.import_list(session, header=header(session), content=raw, file_name="l.csv", actor=None)
    codes = {e.row: e.code for e in refused.value.preview.errors}
    assert codes == {3: "already_in_system", 4: "unknown_sku", 5: "duplicate_in_file"}
    taken = next(e for e in refused.value.preview.errors if e.code == "already_in_system")
    assert "status in stock" in taken.message and "TAKEN-1" in taken.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Receipt)) == 0
    receipt, _ = services.import_list(session, header=header(session), content=raw, file_name="l.csv",
                                      actor=None, skip_invalid=True)
    session.commit()
    assert session.scalars(select(SerialItem.serial).where(SerialItem.receipt_id == receipt.id)).all() == ["OK-1"]
    assert receipt.skipped_rows == 3, receipt.skipped_detail
    assert [r["row"] for r in json.loads(receipt.skipped_detail)] == [3, 4, 5]
    # the first, optimistic attempt (which ran into TAKEN-1) left nothing behind
    assert session.scalar(select(func.count()).select_from(Receipt)) == 1
    assert session.scalar(select(func.count()).select_from(SerialItem)) == 2
    listed = select(func.count()).select_from(Movement).where(Movement.kind == "listed")
    assert session.scalar(listed.join(SerialItem).where(SerialItem.receipt_id == receipt.id)) == 1


def test_already_in_system_names_the_receipt(session, shipment):
    services.import_list(session, header=header(session), content=serial_list(3), file_name="a.csv", actor=None)
    session.commit()
    preview = services.preview_list(session, header=header(session), content=serial_list(3, header="S/N"),
                                    file_name="b.csv")
    assert {e.code for e in preview.errors} == {"already_in_system"}
    assert "receipt #" in preview.errors[0].message and "(PO-1)" in preview.errors[0].message


def test_same_file_twice_for_a_supplier_is_caught(session, shipment):
    raw = serial_list(5)
    first, _ = services.import_list(session, header=header(session), content=raw, file_name="a.csv", actor=None)
    session.commit()
    preview = services.preview_list(session, header=header(session), content=raw, file_name="again.csv")
    assert preview.duplicate_of.id == first.id and not preview.can_commit
    with pytest.raises(Conflict) as refused:
        services.import_list(session, header=header(session), content=raw, file_name="again.csv", actor=None)
    assert refused.value.details == {"receipt_id": first.id}


def test_no_product_anywhere_is_an_error_per_row(session, shipment):
    preview = services.preview_list(session, header=header(session, product=None), content=serial_list(2),
                                    file_name="a.csv")
    assert {e.code for e in preview.errors} == {"no_product"} and preview.missing_product


def test_header_fields_are_checked(session, shipment):
    with pytest.raises(Invalid) as refused:
        services.receipt_header(session, supplier="NOPE", warehouse="", reference=" ", product="X",
                                condition="broken", unit_cost="abc", expected_date="31/12/2026")
    assert set(refused.value.details) == {"supplier", "warehouse", "reference", "product", "condition",
                                          "unit_cost", "expected_date"}


def test_all_or_nothing_when_the_commit_fails_halfway(app, session, shipment, monkeypatch):
    """A failure after the items are written (here: while writing the movements)
    leaves no receipt, no item and no movement."""
    monkeypatch.setattr(services, "INSERT_CHUNK", 10)  # several chunks on SQLite
    original = services._remember_mapping

    def explode(*args, **kwargs):
        assert session.scalar(select(func.count()).select_from(SerialItem)) == 50  # halfway: items are in
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_remember_mapping", explode)
    with pytest.raises(RuntimeError):
        services.import_list(session, header=header(session), content=serial_list(50), file_name="a.csv",
                             actor=None)
    session.rollback()
    monkeypatch.setattr(services, "_remember_mapping", original)
    for model in (Receipt, SerialItem, Movement):
        assert session.scalar(select(func.count()).select_from(model)) == 0


def test_statements_do_not_grow_with_the_number_of_rows(app, session, shipment):
    from portal.extensions import db

    counts = {}
    for n in (1_000, 10_000):
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany, statements=statements):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            services.import_list(session, header=header(session), content=serial_list(n, prefix=f"R{n}-"),
                                 file_name=f"{n}.csv", actor=None)
            session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        counts[n] = len(statements)
    assert counts[1_000] == counts[10_000], counts
    assert counts[10_000] < 20
    assert session.scalar(select(func.count()).select_from(Movement)) == 11_000


def test_receive_all_then_close_go_through_the_transition_rules(session, shipment, make_user):
    receipt, _ = services.import_list(session, header=header(session), content=serial_list(4), file_name="a.csv",
                                      actor=None)
    session.commit()
    items = session.scalars(select(SerialItem).order_by(SerialItem.id)).all()
    # one item was received by scanning, one marked defective at the dock: not touched by receive-all
    from portal.items.services import transition
    from portal.models import Bin

    dock = session.scalar(select(Bin).where(Bin.warehouse_id == receipt.warehouse_id, Bin.kind == "dock"))
    transition(session, items[0], to_status="in_stock", kind="received", actor=None, to_bin=dock)
    transition(session, items[1], to_status="defective", kind="defect", actor=None, to_bin=dock)
    session.commit()
    user = actor(session, shipment)
    assert services.receive_all_at_dock(session, receipt=receipt, actor=user) == 2
    session.commit()
    statuses = session.scalars(select(SerialItem.status).order_by(SerialItem.id)).all()
    assert statuses == ["in_stock", "defective", "in_stock", "in_stock"]
    received = session.scalars(select(Movement).where(Movement.kind == "received", Movement.actor_id == user.id)).all()
    assert len(received) == 2 and {m.to_bin_id for m in received} == {dock.id}
    for item in (session.get(SerialItem, items[2].id), session.get(SerialItem, items[3].id)):
        assert item.received_at is not None and item.bin_id == dock.id and item.warehouse_id == dock.warehouse_id
    assert services.close_receipt(session, receipt=receipt, actor=user) == 0
    session.commit()
    with pytest.raises(Conflict):
        services.receive_all_at_dock(session, receipt=session.get(Receipt, receipt.id), actor=user)


def test_close_marks_expected_items_missing_and_receive_all_needs_a_trusted_supplier(
        session, make_supplier, make_warehouse, make_product):
    make_supplier(code="SHADY", trusted=False)
    make_warehouse(code="W2")
    make_product(sku="P9")
    h = services.receipt_header(session, supplier="SHADY", warehouse="W2", reference="R", product="P9")
    receipt, _ = services.import_list(session, header=h, content=serial_list(3), file_name="a.csv", actor=None)
    session.commit()
    with pytest.raises(Invalid) as refused:
        services.receive_all_at_dock(session, receipt=receipt, actor=None)
    assert refused.value.code == "supplier_not_trusted"
    session.rollback()
    assert services.close_receipt(session, receipt=session.get(Receipt, receipt.id), actor=None) == 3
    session.commit()
    assert set(session.scalars(select(SerialItem.status))) == {"missing"}
    assert session.scalar(select(func.count()).select_from(Movement).where(Movement.kind == "marked_missing")) == 3
    assert session.get(Receipt, receipt.id).status == "closed"


def test_unexpected_serial_is_added_to_the_receipt_and_received_at_the_dock(session, shipment, make_item):
    receipt, _ = services.import_list(session, header=header(session), content=serial_list(2), file_name="a.csv",
                                      actor=None)
    session.commit()
    item = services.add_unexpected(session, receipt=receipt, serial=" extra-1 ", product_sku="phone-1",
                                   actor=actor(session, shipment))
    session.commit()
    assert (item.serial, item.status, item.bin.kind, item.receipt_id) == ("extra-1", "in_stock", "dock", receipt.id)
    assert session.scalar(select(UnexpectedItem.item_id)) == item.id
    kinds = session.scalars(select(Movement.kind).where(Movement.item_id == item.id).order_by(Movement.id)).all()
    assert kinds == ["listed", "received"]
    with pytest.raises(Conflict) as refused:
        services.add_unexpected(session, receipt=receipt, serial="SN0000001", product_sku="PHONE-1", actor=None)
    assert refused.value.code == "on_the_list"
    session.rollback()  # as the request boundary does
    make_item(serial="ELSEWHERE")
    with pytest.raises(Conflict):
        services.add_unexpected(session, receipt=receipt, serial="elsewhere", product_sku="PHONE-1", actor=None)
    with pytest.raises(Invalid):
        services.add_unexpected(session, receipt=receipt, serial="n/a", product_sku="PHONE-1", actor=None)


def test_staged_upload_lives_in_the_database_and_can_be_remapped(session, shipment):
    raw = csv_bytes([["Ref fab", "Article"], ["X1", "PHONE-2"]])
    h = header(session)
    staged, _ = services.stage_upload(session, header=h, content=raw, file_name="odd.csv", actor=None)
    session.commit()
    preview = services.preview_staged(session, staged)
    assert preview.refusal.code == "no_serial_column"
    services.remap_staged(session, staged=staged, columns={"serial": 0, "sku": 1})  # by position
    session.commit()
    preview = services.preview_staged(session, session.get(StagedUpload, staged.id))
    assert preview.refusal is None and preview.valid == 1
    receipt, _ = services.commit_staged(session, staged=session.get(StagedUpload, staged.id), actor=None,
                                        skip_invalid=False, expected_invalid=0)
    session.commit()
    assert session.get(StagedUpload, staged.id) is None
    assert session.scalar(select(SerialItem.product_id)) == session.scalar(
        select(SerialItem.product_id).where(SerialItem.serial == "X1"))
    # the supplier's next odd file is understood at once
    preview = services.preview_list(session, header=h, content=csv_bytes([["Ref fab", "Article"], ["X2", "PHONE-2"]]),
                                    file_name="next.csv")
    assert preview.refusal is None and preview.valid == 1


def test_serials_with_backslashes_quotes_and_other_scripts_are_stored_exactly_as_sent(session, shipment):
    """The bulk paths (a JSON array on SQLite, COPY's text format on PostgreSQL)
    must not reinterpret anything a supplier can put in a serial."""
    odd = ["SN\\0001", "SN\\N", "\\N", "O'Brien-1", 'Q"2', "=cmd|'/C'!A0", "Ünïcødé-€-3", "日本-4",
           "<script>5</script>", "a;b|c", "1.5", "007"]
    raw = csv_bytes([["Serial", "Cost"], *[[serial, "" if i % 2 else "1.25"] for i, serial in enumerate(odd)]])
    receipt, preview = services.import_list(session, header=header(session), content=raw, file_name="odd.csv",
                                            actor=None)
    session.commit()
    assert not preview.errors
    stored = session.execute(select(SerialItem.serial, SerialItem.serial_key, SerialItem.unit_cost)
                             .where(SerialItem.receipt_id == receipt.id).order_by(SerialItem.id)).all()
    assert [row.serial for row in stored] == odd
    assert [row.serial_key for row in stored] == [serial.upper() for serial in odd]
    assert [None if row.unit_cost is None else str(row.unit_cost) for row in stored] == [
        None if i % 2 else "1.25" for i in range(len(odd))]


def test_a_product_gone_while_the_list_is_saved_is_a_clear_refusal_and_saves_nothing(session, shipment, monkeypatch):
    """If something the list refers to disappears between the checks and the insert
    (here: the SKU look-up answers an id no product has), the database refuses the
    rows; the receiver is told so, and nothing is saved."""
    monkeypatch.setattr(services, "_products_by_sku", lambda s, skus: {sku: (987654, True) for sku in skus})
    raw = csv_bytes([["Serial", "SKU"], ["GONE-1", "PHONE-2"], ["GONE-2", "PHONE-2"]])
    with pytest.raises(Conflict) as refused:
        services.import_list(session, header=header(session), content=raw, file_name="gone.csv", actor=None)
    assert refused.value.code == "reference_changed"
    session.rollback()
    for model in (Receipt, SerialItem, Movement):
        assert session.scalar(select(func.count()).select_from(model)) == 0
