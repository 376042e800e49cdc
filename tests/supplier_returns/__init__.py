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
