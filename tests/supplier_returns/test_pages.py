"""The return pages: open a return, put a defective serial on it by typing,
take one off, ship, close, the note PDF; hostile numbers escaped; roles on the server."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import ItemStatus, SerialItem
from tests.supplier_returns import defective_items, returned_items

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


def test_a_receiver_links_the_replacement_on_the_item_page_and_both_pages_show_it(app, client_as):
    with app.app_context():
        returned_items(db.session, warehouse="WH-P", serials=("OLD-P",), replacements=("NEW-P", "NEW-Q"))
        db.session.commit()
    receiver = client_as("receiver")
    page = receiver.get("/items/OLD-P").text
    assert "Link the replacement" in page and 'action="/supplier-returns/items/OLD-P/replacement"' in page
    assert "Link the replacement" not in receiver.get("/items/NEW-P").text  # in stock: nothing to replace
    refused = receiver.post("/supplier-returns/items/OLD-P/replacement", data={"replacement_serial": "OLD-P"},
                            follow_redirects=True)
    assert refused.request.path == "/items/OLD-P" and "cannot replace itself" in refused.text
    empty = receiver.post("/supplier-returns/items/OLD-P/replacement", data={"replacement_serial": " "},
                          follow_redirects=True)
    assert "Scan or type the serial of the unit the supplier sent." in empty.text
    hostile = receiver.post("/supplier-returns/items/OLD-P/replacement", data={"replacement_serial": HOSTILE},
                            follow_redirects=True)
    assert HOSTILE not in hostile.text and "No item has the serial" in hostile.text
    linked = receiver.post("/supplier-returns/items/OLD-P/replacement", data={"replacement_serial": "new-p"},
                           follow_redirects=True)
    assert linked.request.path == "/items/OLD-P" and "OLD-P is replaced by NEW-P." in linked.text
    assert 'data-replaced-by><a class="code" href="/items/NEW-P">NEW-P</a>' in linked.text
    assert "Link the replacement" not in linked.text  # replaced once
    new = receiver.get("/items/NEW-P").text
    assert 'data-replaces><a class="code" href="/items/OLD-P">OLD-P</a>' in new
    shown = receiver.get("/supplier-returns/1").text
    assert "Replaced by" in shown and 'href="/items/NEW-P">NEW-P</a>' in shown


def test_operators_neither_see_nor_post_the_replacement_form(app, client_as):
    with app.app_context():
        returned_items(db.session, warehouse="WH-P", serials=("OLD-P",), replacements=("NEW-P",))
        db.session.commit()
    operator = client_as("operator")
    assert "Link the replacement" not in operator.get("/items/OLD-P").text
    assert operator.post("/supplier-returns/items/OLD-P/replacement",
                         data={"replacement_serial": "NEW-P"}).status_code == 403
    assert "Link the replacement" in client_as("admin").get("/items/OLD-P").text
