"""The return pages: open a return, put a defective serial on it by typing,
take one off, ship, close, the note PDF; hostile numbers escaped; roles on the server."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import ItemStatus, SerialItem
from tests.supplier_returns import defective_items

HOSTILE = '<img src=x onerror="alert(1)">'


def _setting(app):
    with app.app_context():
        defective_items(db.session, warehouse="WH-P", serials=("P-1", "P-2"))
        db.session.commit()


def test_a_receiver_works_a_return_through_the_pages(app, client_as):
    _setting(app)
    receiver = client_as("receiver")
    assert "Returns to supplier" in receiver.get("/").text
    opened = receiver.post("/supplier-returns/", data={"supplier": "acme", "warehouse": "wh-p",
                                                       "rma_number": HOSTILE}, follow_redirects=True)
    assert opened.status_code == 200 and "opened" in opened.text
    assert HOSTILE not in opened.text and "&lt;img src=x" in opened.text
    url = opened.request.path
    for serial in ("P-1", "P-2"):
        receiver.post(f"{url}/items", data={"serial": serial})
    refused = receiver.post(f"{url}/items", data={"serial": "NOPE"}, follow_redirects=True)
    assert "No item has the serial NOPE" in refused.text
    receiver.post(f"{url}/items/P-2/remove")
    listing = receiver.get("/supplier-returns/").text
    assert "&lt;img src=x" in listing and HOSTILE not in listing
    shipped = receiver.post(f"{url}/ship", follow_redirects=True)
    assert "Shipped" in shipped.text and "returned to supplier" in shipped.text
    closed = receiver.post(f"{url}/close", data={"credit_note": HOSTILE}, follow_redirects=True)
    assert "Return closed" in closed.text and HOSTILE not in closed.text
    pdf = receiver.get(f"{url}/note.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with app.app_context():
        statuses = dict(db.session.execute(select(SerialItem.serial, SerialItem.status)).all())
    assert statuses == {"P-1": ItemStatus.RETURNED_TO_SUPPLIER, "P-2": ItemStatus.DEFECTIVE,
                        "GOOD-WH-P": ItemStatus.IN_STOCK}
    assert "#1" not in receiver.get("/supplier-returns/").text.split("oldest first")[1]


def test_operators_cannot_work_returns(app, client_as):
    _setting(app)
    operator = client_as("operator")
    assert "Returns to supplier" not in operator.get("/").text
    assert operator.get("/supplier-returns/").status_code == 403
    assert operator.post("/supplier-returns/", data={"supplier": "ACME", "warehouse": "WH-P"}).status_code == 403
    assert client_as("manager").get("/supplier-returns/").status_code == 200
    assert client_as("admin").get("/supplier-returns/").status_code == 200
