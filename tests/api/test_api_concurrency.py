"""Two clients creating the same code at the same moment: one 201, one 409,
never a 500; and the serial endpoint's query count does not grow with history."""

import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.extensions import db
from portal.items.services import transition
from portal.models import Bin, ItemStatus, MovementKind, SerialItem, Supplier


def test_the_same_code_posted_twice_at_once_is_one_201_and_one_409(app, api_as, fresh):
    admins = [api_as("admin") for _ in range(4)]
    barrier = threading.Barrier(len(admins))
    statuses = []

    def post(client):
        barrier.wait()
        statuses.append(client.post("/api/v1/suppliers", json={"code": "RACE", "name": "Race"}).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [201, 409, 409, 409]
    with fresh() as s:
        assert s.query(Supplier).filter_by(code="RACE").count() == 1


def test_the_serial_endpoint_needs_few_queries_however_long_the_history(app, api_as, make_item, make_bin):
    item = make_item(serial="BUSY-1")
    bins = [make_bin(warehouse_id=item.warehouse_id) for _ in range(3)]
    with app.app_context():
        row = db.session.get(SerialItem, item.id)
        for n in range(30):
            transition(db.session, row, to_status=ItemStatus.IN_STOCK, kind=MovementKind.MOVED, actor=None,
                       to_bin=db.session.get(Bin, bins[n % 3].id))
        db.session.commit()
    client = api_as("operator")
    client.get("/api/v1/suppliers")  # token use recorded now, not during the count

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        response = client.get("/api/v1/serials/BUSY-1")
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert len(response.json["movements"]) == 32
    # token, item, movements, replacement links, former serials (+ nothing per movement)
    assert len(statements) <= 5, statements
