"""Shared test data for returns to the supplier."""

from portal.defects import services as defects
from tests import factories


def defective_items(s, *, warehouse: str, serials: tuple[str, ...], others: tuple[str, ...] = ()) -> None:
    """Warehouse ``warehouse`` with shelf A-01-1 and supplier ACME: ``serials``
    of ACME and ``others`` of another supplier, all flagged defective."""
    shelf = factories.bin_(s, warehouse_id=factories.warehouse(s, code=warehouse).id, code="A-01-1")
    acme = factories.supplier(s, code="ACME")
    for serial in serials + others:
        item = factories.item(s, serial=serial, bin_id=shelf.id, supplier_id=acme.id if serial in serials else None)
        defects.flag_defect(s, item=item, reason="cosmetic", stage="storage", actor=None)
    factories.item(s, serial=f"GOOD-{warehouse}", bin_id=shelf.id, supplier_id=acme.id)


def returned_items(s, *, warehouse: str, serials: tuple[str, ...], replacements: tuple[str, ...] = (),
                   rma: str | None = "RMA-1", actor=None):
    """``serials`` of ACME (one product, on receipt PO-1) flagged defective, put
    on a return and shipped; then ``replacements`` of the same product received
    later on receipt PO-2, in stock. Answers the return."""
    from datetime import timedelta

    from portal.models import Receipt, utcnow
    from portal.supplier_returns import services as returns

    shelf = factories.bin_(s, warehouse_id=factories.warehouse(s, code=warehouse).id, code="A-01-1")
    acme, product = factories.supplier(s, code="ACME"), factories.product(s, sku="PHONE-9")
    receipts = [Receipt(supplier_id=acme.id, warehouse_id=shelf.warehouse_id, reference=f"PO-{n}") for n in (1, 2)]
    s.add_all(receipts)
    s.flush()
    earlier = utcnow() - timedelta(days=30)
    for serial in serials:
        item = factories.item(s, serial=serial, bin_id=shelf.id, supplier_id=acme.id, product_id=product.id,
                              receipt_id=receipts[0].id, received_at=earlier)
        defects.flag_defect(s, item=item, reason="cosmetic", stage="storage", actor=actor)
    found = returns.open_return(s, supplier="ACME", warehouse=warehouse, rma_number=rma, actor=actor)
    for serial in serials:
        returns.add_item(s, return_id=found.id, serial=serial, actor=actor)
    returns.ship(s, return_id=found.id, actor=actor)
    for serial in replacements:
        factories.item(s, serial=serial, bin_id=shelf.id, supplier_id=acme.id, product_id=product.id,
                       receipt_id=receipts[1].id)
    return found


def at_once(app, writes) -> list[str]:
    """Each of ``writes`` (a callable taking the session) in its own thread and
    transaction, all let go together; the sorted outcomes: "done" for a commit,
    else the Conflict's code."""
    import threading

    from portal.errors import Conflict
    from portal.extensions import db

    barrier = threading.Barrier(len(writes))
    codes, errors = [], []

    def run(write):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                try:
                    write(db.session)
                    db.session.commit()
                    codes.append("done")
                except Conflict as refused:
                    db.session.rollback()
                    codes.append(refused.code)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(write,)) for write in writes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return sorted(codes)
