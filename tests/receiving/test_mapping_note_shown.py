"""Issue 11.1, "the preview says so", where the receiver and the API client see it: when a
file's own header disagrees with the supplier's remembered mapping, the file wins and the
rendered preview (``data-mapping-note``) and the API's dry-run body (``notes``) say so."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest

from portal.extensions import db
from portal.models import Supplier, utcnow
from portal.receiving.models import SupplierColumnMapping
from tests.receiving.files import csv_bytes

HX = {"HX-Request": "true"}
FILE = csv_bytes([["Ident", "Typ", "SKU"], ["MN-1", "old", "PHONE-2"], ["MN-2", "old", "PHONE-2"]])
NOTE = "SKU: this file's header “SKU” is used, not the column “Typ” remembered for this supplier."


@pytest.fixture
def remembered(app, make_supplier, make_warehouse, make_product):
    """Supplier ACME, whose lists were read before with the serial in “Ident” and the SKU in “Typ”."""
    supplier = make_supplier(code="ACME")
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-2")
    with app.app_context():
        db.session.add(SupplierColumnMapping(
            supplier_id=db.session.get(Supplier, supplier.id).id, updated_at=utcnow(),
            mapping=json.dumps({"columns": {"serial": "Ident", "sku": "Typ"}, "serial_kind": "any"})))
        db.session.commit()


FIELDS = {"supplier": "ACME", "warehouse": "MAIN", "reference": "PO-NOTE"}


def _notes(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r"<p [^>]*data-mapping-note[^>]*>(.*?)</p>", html)]


def test_the_rendered_preview_says_the_file_wins_over_the_remembered_mapping(remembered, client_as):
    desk = client_as("receiver")
    fragment = desk.post("/receiving/uploads", data={**FIELDS, "file": (io.BytesIO(FILE), "l.csv")}, headers=HX,
                         content_type="multipart/form-data")
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert NOTE in _notes(html)
    assert "Create receipt with 2 serials" in html  # read by the file's “SKU”, not the remembered “Typ”
    page = desk.get(fragment.headers["HX-Push-Url"])  # the staged preview's own page, after a reload
    assert NOTE in _notes(page.get_data(as_text=True))


def test_the_api_dry_run_body_carries_the_note(remembered, app, make_user):
    from portal.auth.services import issue_token
    from portal.models import User

    user = make_user(role="receiver")
    with app.app_context():
        token = issue_token(db.session, user=db.session.get(User, user.id), name="notes")[1]
        db.session.commit()
    response = app.test_client().post(
        "/api/v1/receipts", data={**FIELDS, "dry_run": "true", "file": (io.BytesIO(FILE), "l.csv")},
        headers={"Authorization": f"Bearer {token}"}, content_type="multipart/form-data")
    assert response.status_code == 200
    body = response.get_json()
    assert NOTE in body["notes"]
    assert body["mapping"]["columns"]["sku"] == "SKU" and body["valid"] == 2
