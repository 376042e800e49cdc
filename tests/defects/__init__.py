"""Shared test data for the quarantine's pages and API."""

from datetime import timedelta

from sqlalchemy import select

from portal.catalog.services import QUARANTINE_BIN_CODE
from portal.models import Bin, DefectReport, ItemStatus, Product, Supplier, utcnow
from tests import factories

REASONS = ("functional", "cosmetic", "dead_on_arrival")


def quarantine_of(s, *, warehouse: str, count: int, unreported: int = 0) -> list[str]:
    """Warehouse ``warehouse`` with ``count`` defective items in its quarantine
    bin, of suppliers ACME (even) and OTHER (odd), reasons in turn from
    REASONS, reported a minute apart, the first reported 10 days ago (their
    reports are written straight, filing each one through the service would
    take long); then ``unreported`` defective items with no report. Returns
    the serials oldest first, as the quarantine lists them."""
    place = factories.warehouse(s, code=warehouse)
    quarantine = s.scalars(select(Bin).filter_by(warehouse_id=place.id, code=QUARANTINE_BIN_CODE)).one()
    acme, other = (s.scalars(select(Supplier).filter_by(code=code)).first() or factories.supplier(s, code=code)
                   for code in ("ACME", "OTHER"))
    product = s.scalars(select(Product).filter_by(sku="Q-PRODUCT")).first() or factories.product(s, sku="Q-PRODUCT")
    first = utcnow() - timedelta(days=10)
    reported, bare = [], []
    for n in range(count + unreported):
        item = factories.item(s, serial=f"{warehouse}-{n:04d}", status=ItemStatus.DEFECTIVE, bin_id=quarantine.id,
                              product_id=product.id, supplier_id=(acme if n % 2 == 0 else other).id)
        if n < count:
            # the newest first in id order, so oldest first is not simply by id
            s.add(DefectReport(item_id=item.id, reason_code=REASONS[n % 3], stage_found="storage",
                               reported_at=first - timedelta(minutes=n)))
            reported.append(item.serial)
        else:
            bare.append(item.serial)
    s.flush()
    return bare + reported[::-1]
