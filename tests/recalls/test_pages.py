"""The recall pages through the test client: managers only, the form's
refusals flashed, a hostile reason escaped, the unit list paged and filtered,
CSV formula-safe and the PDF readable, the item page's flag."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.recalls.models import Recall
from tests import factories

HOSTILE = '<img src=x onerror=alert(1)>=1+2'


@pytest.fixture
def stock(app):
    with app.app_context():
        s = db.session
        acme = factories.supplier(s, code="ACME")
        shelf = factories.bin_(s, warehouse_id=factories.warehouse(s, code="WH-P").id, code="S-9")
        for n in range(1, 106):
            factories.item(s, serial=f"P-{n:03d}", supplier_id=acme.id, bin_id=shelf.id)
        factories.item(s, serial="P-SOLD", supplier_id=acme.id, status="sold", order_ref="=ORDER")
        s.commit()


def _open(client, **form):
    return client.post("/recalls/", data={"reason": HOSTILE, **form}, follow_redirects=True)


def test_a_manager_opens_pages_and_exports_a_recall(app, client_as, stock, pdf_text, tmp_path):
    manager = client_as("manager")
    shown = _open(manager, supplier="acme", serials="P-001\nGHOST-9\n")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Recall #" in page and "1 listed serials are not known here" in page
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;=1+2" in page
    with app.app_context():
        recall = db.session.scalars(select(Recall)).one()
        assert (recall.reason, recall.affected) == (HOSTILE, 1)
    everything = _open(manager, supplier="ACME").get_data(as_text=True)
    assert "106 units affected" in everything and "1–100 of 106 units" in everything
    with app.app_context():
        recall_id = db.session.scalars(select(Recall.id).order_by(Recall.id.desc())).first()
    second = manager.get(f"/recalls/{recall_id}?page=2").get_data(as_text=True)
    assert "101–106 of 106 units" in second
    sold = manager.get(f"/recalls/{recall_id}?status=sold").get_data(as_text=True)
    assert "P-SOLD" in sold and "P-001" not in sold
    assert manager.get(f"/recalls/{recall_id}?status=nope").status_code == 422
    exported = manager.get(f"/recalls/{recall_id}/units.csv").get_data(as_text=True)
    assert "'=ORDER" in exported and ",=ORDER" not in exported
    pdf = manager.get(f"/recalls/{recall_id}/recall.pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(pdf_text(pdf.data, tmp_path))
    assert HOSTILE in " ".join(text.split()) and "Affected 106" in text
    quarantined = manager.post(f"/recalls/{recall_id}/quarantine", follow_redirects=True).get_data(as_text=True)
    assert "105 units quarantined." in quarantined
    again = manager.post(f"/recalls/{recall_id}/quarantine", follow_redirects=True).get_data(as_text=True)
    assert "nothing to quarantine" in again
    item = manager.get("/items/P-SOLD").get_data(as_text=True)
    assert f"recall #{recall_id}" in item and "It cannot be shipped" in item


def test_the_form_refuses_with_the_field_named_and_keeps_nothing(app, client_as, stock):
    manager = client_as("manager")
    for form, words in (({}, "Name at least one criterion"),
                        ({"received_from": "1.3.2026"}, "received_from"),
                        ({"receipts": "twelve"}, "Receipts"),
                        ({"supplier": "NOPE"}, "There is no supplier NOPE")):
        page = _open(manager, **form).get_data(as_text=True)
        assert words in page, form
    empty = _open(manager, supplier="ACME", lot="NO-LOT").get_data(as_text=True)
    assert "No unit matches these criteria" in empty
    with app.app_context():
        assert [r.affected for r in db.session.scalars(select(Recall))] == [0]


def test_only_managers_see_recalls(app, client_as, stock):
    for role in ("operator", "receiver"):
        client = client_as(role)
        assert client.get("/recalls/").status_code == 403
        assert client.post("/recalls/", data={"reason": "x", "supplier": "ACME"}).status_code == 403
        assert 'href="/recalls/"' not in client.get("/").get_data(as_text=True)
    manager = client_as("manager")
    assert 'href="/recalls/"' in manager.get("/").get_data(as_text=True)
