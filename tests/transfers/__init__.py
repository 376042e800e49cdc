"""Shared test data for transfers between warehouses."""

from tests import factories


def two_warehouses(s, *, serials: tuple[str, ...] = ("T-1", "T-2", "T-3")) -> None:
    """WH-A (shelf A-01 holding ``serials``) and WH-B (shelves B-01, B-02)."""
    source = factories.warehouse(s, code="WH-A", name="Alpha")
    shelf = factories.bin_(s, warehouse_id=source.id, code="A-01")
    destination = factories.warehouse(s, code="WH-B", name="Beta")
    for code in ("B-01", "B-02"):
        factories.bin_(s, warehouse_id=destination.id, code=code)
    for serial in serials:
        factories.item(s, serial=serial, bin_id=shelf.id)
