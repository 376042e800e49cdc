"""A small warehouse for scan tests: two storage bins, a product with a
12-month warranty, and a helper that scans the way a page does."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

import pytest

from portal.models import Receipt
from portal.scanning import services
from tests import factories

_ids = itertools.count(1)


@dataclass
class Floor:
    session: object
    user: object
    warehouse: object
    bin_a: object
    bin_b: object
    product: object
    supplier: object
    receipt: object

    def item(self, serial=None, status="in_stock", bin=None, **kwargs):  # noqa: A002
        target = bin or self.bin_a
        return factories.item(
            self.session,
            serial=serial,
            status=status,
            product_id=kwargs.pop("product_id", self.product.id),
            supplier_id=self.supplier.id,
            bin_id=target.id if status in ("in_stock", "defective") else None,
            receipt_id=kwargs.pop("receipt_id", self.receipt.id),
            **kwargs,
        )

    def label(self, bin_):
        return f"BIN:{self.warehouse.code}/{bin_.code}"


@pytest.fixture
def floor(session):
    user = factories.user(session, role="operator")
    warehouse = factories.warehouse(session, code=f"WH{next(_ids)}")
    bin_a = factories.bin_(session, warehouse_id=warehouse.id, code="A-01")
    bin_b = factories.bin_(session, warehouse_id=warehouse.id, code="B-02")
    product = factories.product(session, warranty_months=12)
    supplier = factories.supplier(session)
    receipt = Receipt(supplier_id=supplier.id, warehouse_id=warehouse.id, reference="PO-4711")
    session.add(receipt)
    session.flush()
    return Floor(session, user, warehouse, bin_a, bin_b, product, supplier, receipt)


@pytest.fixture
def scan(floor):
    """``scan(task, code)`` as a page would send it (one session per test and
    task unless ``key`` is given); returns the answer."""
    keys = {}

    def do(task, code, *, key=None, scan_id=None, **kwargs):
        session_key = key or keys.setdefault(task, uuid.uuid4().hex)
        answer = services.record_scan(
            floor.session,
            actor=floor.user,
            client_scan_id=scan_id or uuid.uuid4().hex,
            task=task,
            code=code,
            session_key=session_key,
            settings=kwargs.pop("settings", services.ScanSettings()),
            **kwargs,
        )
        floor.session.flush()
        return answer

    do.keys = keys
    return do
