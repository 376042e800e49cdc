"""Shared test data for the API tests."""

import uuid


def sold_unit(api_as, make_product, make_item, make_bin, make_warehouse, *, tag: str, warehouse: str):
    """SN-<tag>-1 shipped under SO-<tag>-1 by an operator; SN-<tag>-2 and -3 of the same product (SKU-<tag>,
    12 months' warranty) still in stock in <warehouse>/A-01-1. Returns the operator's API client."""
    product = make_product(sku=f"SKU-{tag}", warranty_months=12)
    shelf = make_bin(warehouse_id=make_warehouse(code=warehouse).id, code="A-01-1")
    for n in (1, 2, 3):
        make_item(serial=f"SN-{tag}-{n}", product_id=product.id, bin_id=shelf.id)
    operator = api_as("operator")
    shipped = operator.post("/api/v1/scans", json={"client_scan_id": uuid.uuid4().hex, "action": "ship",
                                                  "serial": f"SN-{tag}-1", "order_ref": f"SO-{tag}-1"})
    assert shipped.json["result"] in ("accepted", "warning"), shipped.json
    return operator
