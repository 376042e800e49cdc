"""Browser fixtures over the demo warehouse: every page with data a person
would see (tables of many rows, long supplier names, paged lists)."""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from portal import create_app
from portal.demo import DEMO_LOGINS
from portal.extensions import db
from portal.models import Bin, ItemStatus, Product, Receipt, ReceiptStatus, SerialItem, Supplier, Warehouse
from tests.conftest import PortalClient, _empty_all_tables, _test_config

AXE = Path(__file__).parent.parent / "vendor" / "axe-core-4.14.1.min.js"
PASSWORDS = {role: (name, password) for name, password, role in DEMO_LOGINS}
ROLES = ("admin", "manager", "receiver", "operator")


@dataclass
class Demo:
    url: str
    pages: dict[str, str]  # what a person would call the page -> path
    #: pages before logging in (the same for every role)
    logged_out: dict[str, str] = field(default_factory=lambda: {"log in": "/login"})

    def log_in(self, page, role: str) -> None:
        username, password = PASSWORDS[role]
        page.goto(f"{self.url}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.url}/")


def _staged_upload(app) -> int:
    """An upload waiting in its preview, as a receiver leaves it: one row wrong."""
    client = app.test_client()
    username, password = PASSWORDS["receiver"]
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    with app.app_context():
        supplier = db.session.scalars(select(Supplier.code).order_by(Supplier.id)).first()
        warehouse = db.session.scalars(select(Warehouse.code).order_by(Warehouse.id)).first()
        sku = db.session.scalars(select(Product.sku).order_by(Product.id)).first()
    rows = "".join(f"PREVIEW-{n:04d},{sku}\n" for n in range(30)) + "PREVIEW-BAD,NO-SUCH-SKU\n"
    answer = client.post(
        "/receiving/uploads", headers={"HX-Request": "true"}, content_type="multipart/form-data",
        data={"supplier": supplier, "warehouse": warehouse, "reference": "PO-PREVIEW", "product": "",
              "condition": "regular", "ownership": "owned",
              "file": (io.BytesIO(f"serial,sku\n{rows}".encode()), "preview.csv")},
    )
    return int(re.search(r"/receiving/uploads/(\d+)", answer.get_data(as_text=True)).group(1))


def _open_transfer(s, in_bin: SerialItem) -> int:
    """An open transfer holding ``in_bin`` (still in stock: the demo's figures stay as they are)."""
    from portal.transfers import services as transfers

    other = s.scalars(select(Warehouse.code).where(Warehouse.id != in_bin.warehouse_id).order_by(Warehouse.id)).first()
    transfer = transfers.open_transfer(s, from_warehouse=s.get(Warehouse, in_bin.warehouse_id).code,
                                       to_warehouse=other, reference="VAN-DEMO", actor=None)
    transfers.add_item(s, transfer_id=transfer.id, serial=in_bin.serial, actor=None)
    return transfer.id


def _demo_pages(app) -> dict[str, str]:
    from portal.scanning.routes import TASKS

    staged_id = _staged_upload(app)
    with app.app_context(), app.test_request_context():
        s = db.session
        in_bin = s.scalars(select(SerialItem).where(SerialItem.status == ItemStatus.IN_STOCK,
                                                    SerialItem.bin_id.is_not(None)).order_by(SerialItem.id)).first()
        sold = s.scalars(select(SerialItem).where(SerialItem.status == ItemStatus.SOLD)
                         .order_by(SerialItem.id)).first()
        expected = s.scalars(select(SerialItem).where(SerialItem.status == ItemStatus.EXPECTED)
                             .order_by(SerialItem.id)).first()
        open_receipt = s.scalars(select(Receipt).where(Receipt.status == ReceiptStatus.OPEN)
                                 .order_by(Receipt.id)).first()
        closed_receipt = s.scalars(select(Receipt).where(Receipt.status != ReceiptStatus.OPEN)
                                   .order_by(Receipt.id)).first()
        warehouse = s.scalars(select(Warehouse).order_by(Warehouse.id)).first()
        bin_ = s.scalars(select(Bin).where(Bin.warehouse_id == warehouse.id).order_by(Bin.id)).first()
        supplier = s.scalars(select(Supplier).order_by(Supplier.id)).first()
        product = s.scalars(select(Product).order_by(Product.id)).first()
        from portal.supplier_returns.services import open_return
        supplier_return = open_return(s, supplier=supplier.code, warehouse=warehouse.code, rma_number="RMA-DEMO",
                                      actor=None).id
        transfer = _open_transfer(s, in_bin)
        from portal.recalls.services import open_recall
        recall = open_recall(s, reason="Demo recall <b>battery</b>", actor=None, supplier=supplier.code).recall.id
        s.commit()
        pages = {
            "home": url_for("home.index"),
            "password change": url_for("auth.change_password"),
            "items": url_for("items.list"),
            "items in stock in a warehouse": url_for("items.list", status="in_stock", warehouse=warehouse.code),
            "items page 2": url_for("items.list", status="in_stock", page=2),
            "items, a filter refused": url_for("items.list", received_from="2026-13-40"),
            "lookup": url_for("items.lookup"),
            "lookup, no such serial": url_for("items.lookup", serial="NO-SUCH-3554"),
            "item in a bin": url_for("items.detail", serial=in_bin.serial),
            "item sold": url_for("items.detail", serial=sold.serial),
            "item expected": url_for("items.detail", serial=expected.serial),
            "receiving": url_for("receiving.index"),
            "open receipt": url_for("receiving.receipt", receipt_id=open_receipt.id),
            "closed receipt": url_for("receiving.receipt", receipt_id=closed_receipt.id),
            "upload preview": url_for("receiving.staged", staged_id=staged_id),
            "scan tasks": url_for("scanning.index"),
            **{f"scan {slug}": url_for("scanning.task", task=slug) for slug in TASKS},
            "device check": url_for("scanning.device_check"),
            "catalog": url_for("catalog.index"),
            "suppliers": url_for("catalog.suppliers"),
            "products": url_for("catalog.products"),
            "products page 2": url_for("catalog.products", page=2),
            "warehouses": url_for("catalog.warehouses"),
            "bins": url_for("catalog.bins", warehouse_id=warehouse.id),
            "new supplier": url_for("catalog.new_supplier"),
            "new product": url_for("catalog.new_product"),
            "new warehouse": url_for("catalog.new_warehouse"),
            "new bins": url_for("catalog.new_bins", warehouse_id=warehouse.id),
            "edit supplier": url_for("catalog.edit_supplier", supplier_id=supplier.id),
            "edit product": url_for("catalog.edit_product", product_id=product.id),
            "edit warehouse": url_for("catalog.edit_warehouse", warehouse_id=warehouse.id),
            "edit bin": url_for("catalog.edit_bin", bin_id=bin_.id),
            "reports": url_for("reports.index"),
            "stock aging": url_for("reports.stock_aging"),
            "defects by supplier": url_for("reports.defects_by_supplier"),
            "labels": url_for("reports.labels"),
            "quarantine": url_for("defects.quarantine", warehouse=warehouse.code),
            "defect reasons": url_for("defects.reasons"),
            "returns to supplier": url_for("supplier_returns.index"),
            "return to supplier": url_for("supplier_returns.show", return_id=supplier_return),
            "as it was on a date": url_for("items.as_of"),
            "as it was, a serial": url_for("items.as_of", serial=in_bin.serial, at="2026-01-01T00:00"),
            "recalls": url_for("recalls.index"),
            "recall": url_for("recalls.show", recall_id=recall),
            "consignment": url_for("consignment.index"),
            "consignment statement": url_for("consignment.show", code=supplier.code),
            "transfers": url_for("transfers.index"),
            "transfer": url_for("transfers.show", transfer_id=transfer),
            "admin": url_for("admin.index"),
            "users": url_for("admin.users"),
            "tokens": url_for("admin.tokens"),
        }
        s.rollback()
    return pages


@pytest.fixture(scope="module")
def demo_server(database_url, tmp_path_factory):
    """The demo warehouse (``flask seed-demo``) served from a thread, once per
    module and database; emptied afterwards."""
    from werkzeug.serving import make_server

    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("demo-pages")))
    app.test_client_class = PortalClient
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    pages = _demo_pages(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Demo(url=f"http://127.0.0.1:{server.server_port}", pages=pages)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        _empty_all_tables(app)


@pytest.fixture
def axe(context):
    """axe-core in every page of this context, loaded by Playwright's init
    script: it runs outside the page's CSP, so the pages keep theirs."""
    context.add_init_script(path=str(AXE))

    def run(page) -> list[str]:
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " -> " +
                    v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + (n.failureSummary || "")
                    .replace(/\\s+/g, " ")).join(" | "));
            }"""
        )
        return violations

    return run
