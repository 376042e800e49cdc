"""Stock for the scanning tests that build their own warehouse, outside the ``floor`` fixture."""

from __future__ import annotations

from tests import factories


def wh1_stock(session, **product):
    """Warehouse WH1 with storage bin A-01, one product (``product`` passed to the factory) and one
    supplier. Returns the warehouse and ``item(serial, status, **kwargs)``, which adds an item of that
    product from that supplier and returns its serial."""
    warehouse = factories.warehouse(session, code="WH1")
    factories.bin_(session, warehouse_id=warehouse.id, code="A-01")
    made = factories.product(session, **product)
    supplier = factories.supplier(session)

    def item(serial: str, status: str, **kwargs) -> str:
        return factories.item(session, serial=serial, status=status, product_id=made.id,
                              supplier_id=supplier.id, **kwargs).serial

    return warehouse, item
