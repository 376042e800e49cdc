"""The transfer pages: open a transfer, scan serials onto it (the page's
script gets one answer row per scan, refused ones included), take one off,
dispatch, scan units into bins at the destination, close; hostile references
escaped; every role of the floor may, and only when logged in."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import ItemStatus, SerialItem
from tests.transfers import two_warehouses

HOSTILE = '<img src=x onerror="alert(1)">'
SCRIPT = {"HX-Request": "true"}


def _setting(app):
    with app.app_context():
        two_warehouses(db.session)
        db.session.commit()


def test_an_operator_moves_units_through_the_pages(app, client_as):
    _setting(app)
    operator = client_as("operator")
    assert 'href="/transfers/"' in operator.get("/").text
    opened = operator.post("/transfers/", data={"from_warehouse": "WH-A", "to_warehouse": "WH-B",
                                                "reference": HOSTILE}, follow_redirects=True)
    assert opened.status_code == 200 and "opened" in opened.text
    assert HOSTILE not in opened.text and "&lt;img src=x" in opened.text
    url = opened.request.path
    for serial in ("T-1", "T-2", "T-3"):
        answer = operator.post(f"{url}/scan", data={"serial": serial}, headers=SCRIPT)
        assert answer.status_code == 200 and 'data-result="accepted"' in answer.text
    assert 'data-count="on_it">3<' in answer.text
    refused = operator.post(f"{url}/scan", data={"serial": HOSTILE}, headers=SCRIPT)
    assert refused.status_code == 200 and 'data-result="refused"' in refused.text
    assert HOSTILE not in refused.text
    operator.post(f"{url}/items/T-3/remove")
    listing = operator.get("/transfers/").text
    assert "&lt;img src=x" in listing and HOSTILE not in listing
    dispatched = operator.post(f"{url}/dispatch", follow_redirects=True)
    assert "dispatched" in dispatched.text and 'id="transfer-bin"' in dispatched.text
    wrong = operator.post(f"{url}/scan", data={"serial": "T-1", "bin": "WH-A/A-01"}, headers=SCRIPT)
    assert 'data-result="refused"' in wrong.text and "not in WH-B" in wrong.text
    arrived = operator.post(f"{url}/scan", data={"serial": "T-1", "bin": "BIN:WH-B/B-02"}, headers=SCRIPT)
    assert 'data-result="accepted"' in arrived.text and "into B-02" in arrived.text
    assert 'data-count="received">1<' in arrived.text and 'data-count="still_missing">1<' in arrived.text
    page = operator.get(url).text
    assert 'data-serial="T-1" data-state="received"' in page and 'data-serial="T-2" data-state="in_transit"' in page
    closed = operator.post(f"{url}/close", follow_redirects=True)
    assert "closed" in closed.text and 'data-serial="T-2" data-state="missing"' in closed.text
    with app.app_context():
        statuses = dict(db.session.execute(select(SerialItem.serial, SerialItem.status)).all())
    assert statuses == {"T-1": ItemStatus.IN_STOCK, "T-2": ItemStatus.MISSING, "T-3": ItemStatus.IN_STOCK}


def test_without_script_a_scan_comes_back_to_the_page(app, client_as):
    _setting(app)
    receiver = client_as("receiver")
    url = receiver.post("/transfers/", data={"from_warehouse": "WH-A", "to_warehouse": "WH-B"},
                        follow_redirects=True).request.path
    added = receiver.post(f"{url}/scan", data={"serial": "T-1"}, follow_redirects=True)
    assert "On transfer" in added.text and 'data-serial="T-1"' in added.text
    same = receiver.post("/transfers/", data={"from_warehouse": "WH-A", "to_warehouse": "WH-A"},
                         follow_redirects=True)
    assert "from one warehouse to another" in same.text
    cancelled = receiver.post(f"{url}/close", follow_redirects=True)
    assert "cancelled" in cancelled.text


def test_every_floor_role_may_and_a_visitor_may_not(app, client, client_as):
    _setting(app)
    for role in ("receiver", "operator", "manager", "admin"):
        assert client_as(role).get("/transfers/").status_code == 200, role
    assert client.get("/transfers/").status_code == 302
    assert client.post("/transfers/", data={"from_warehouse": "WH-A", "to_warehouse": "WH-B"}).status_code in (
        302, 400)
    with app.app_context():
        from portal.transfers.models import Transfer
        assert db.session.scalars(select(Transfer)).all() == []
