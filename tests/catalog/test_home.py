"""Home pages per role: the receiving desk's open receipts with their counts,
the operator's scan tasks, the manager's stock and value at a glance."""

import re

from portal.extensions import db
from portal.models import Receipt


def _receipt(app, *, supplier_id, warehouse_id, reference, status="open"):
    with app.app_context():
        receipt = Receipt(supplier_id=supplier_id, warehouse_id=warehouse_id, reference=reference, status=status)
        db.session.add(receipt)
        db.session.commit()
        return receipt.id


def _cells(html: str, row_text: str) -> list[str]:
    row = next(r for r in html.split("<tr") if row_text in r)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]


def test_receiving_desk_sees_open_receipts_with_expected_and_received(
        app, client_as, make_supplier, make_warehouse, make_bin, make_item):
    supplier, warehouse = make_supplier(name="Nordtek"), make_warehouse(code="AMS1")
    bin_ = make_bin(warehouse_id=warehouse.id)
    open_id = _receipt(app, supplier_id=supplier.id, warehouse_id=warehouse.id, reference="PO-OPEN-1")
    _receipt(app, supplier_id=supplier.id, warehouse_id=warehouse.id, reference="PO-DONE-1", status="closed")
    for status in ["expected", "expected", "in_stock", "missing"]:
        make_item(status=status, receipt_id=open_id, supplier_id=supplier.id,
                  bin_id=bin_.id if status == "in_stock" else None)
    html = client_as("receiver").get("/").get_data(as_text=True)
    assert "Open receipts" in html and "PO-DONE-1" not in html
    assert _cells(html, "PO-OPEN-1") == ["PO-OPEN-1", "Nordtek", "AMS1", _cells(html, "PO-OPEN-1")[3], "4", "1", "2"]
    assert "Stock by status and warehouse" not in html


def test_operator_sees_large_scan_task_buttons_only(client_as):
    html = client_as("operator").get("/").get_data(as_text=True)
    assert 'class="task"' in html and "Put away" in html
    assert "Open receipts" not in html and "Stock by status" not in html


def test_manager_sees_items_and_value_at_cost_per_warehouse(
        client_as, make_warehouse, make_bin, make_product, make_item):
    warehouse = make_warehouse(code="AMS1", name="Amsterdam")
    bin_ = make_bin(warehouse_id=warehouse.id)
    product = make_product(unit_cost="100.00")
    make_item(bin_id=bin_.id, product_id=product.id, unit_cost="90.00")
    make_item(bin_id=bin_.id, product_id=product.id)  # no own cost: the product's 100.00
    make_item(bin_id=bin_.id, product_id=product.id, unit_cost="50.00", ownership="consignment")
    html = client_as("manager").get("/").get_data(as_text=True)
    section = html.split("AMS1 <span")[1].split("</table>")[0]
    assert _cells(section, ">in stock<") == ["in stock", "3", "240.00"]
    assert _cells(section, "On hand") == ["On hand", "3", "240.00"]
    assert _cells(section, "of which consignment") == ["of which consignment", "1", "50.00"]
    assert "Open receipts" not in html


def test_manager_home_runs_a_fixed_number_of_queries(statements, client_as, make_warehouse, make_bin, make_item):
    client = client_as("manager")
    warehouse = make_warehouse()
    bin_ = make_bin(warehouse_id=warehouse.id)

    def statements_for_home() -> int:
        with statements() as seen:
            assert client.get("/").status_code == 200
        return len(seen)

    make_item(bin_id=bin_.id)
    few = statements_for_home()
    for _ in range(10):
        make_item(bin_id=bin_.id)
    make_warehouse()
    assert statements_for_home() == few
