"""One serial, however it is typed, scanned or listed, is one item on every path:
upload (receiving), scan (scanning), the look-up page and the API."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.auth.services import issue_token
from portal.extensions import db
from portal.models import SerialItem, User
from portal.receiving import services as receiving
from portal.scanning import services as scanning
from portal.serials import EDGE_CHARACTERS, serial_key
from tests import factories
from tests.receiving.files import csv_bytes

STORED = "Ab-12cd34x"
#: Edge characters a person, a scanner or a spreadsheet leaves around a serial (and none that
#: would end a CSV cell): spaces, no-break and ideographic spaces, zero-width space, BOM.
EDGES = [c for c in " \u00a0\u2009\u3000\u200b\ufeff" if c in EDGE_CHARACTERS]


@st.composite
def written(draw) -> str:
    """The stored serial in another case, with edge characters around it."""
    flips = draw(st.lists(st.booleans(), min_size=len(STORED), max_size=len(STORED)))
    body = "".join(c.swapcase() if flip else c for c, flip in zip(STORED, flips, strict=True))
    before = "".join(draw(st.lists(st.sampled_from(EDGES), max_size=3)))
    after = "".join(draw(st.lists(st.sampled_from(EDGES), max_size=3)))
    return before + body + after


def test_the_same_serial_is_one_item_on_every_path(app, client, login):
    with app.app_context():
        s = db.session
        factories.supplier(s, code="ACME")
        factories.warehouse(s, code="MAIN")
        factories.product(s, sku="PHONE-1")
        operator = factories.user(s, role="operator")
        manager = factories.user(s, role="manager")
        _, token = issue_token(s, user=manager, name="paths")

        def header():
            return receiving.receipt_header(db.session, supplier="ACME", warehouse="MAIN",
                                            reference=f"PO-{uuid.uuid4().hex[:6]}", product="PHONE-1")

        receipt, _ = receiving.import_list(
            s, header=header(), content=csv_bytes([["Serial", "SKU"], [f"\u00a0{STORED}\u200b ", "PHONE-1"]]),
            file_name="list.csv", actor=manager)
        item = s.query(SerialItem).one()
        assert (item.serial, item.serial_key) == (STORED, serial_key(STORED))
        s.commit()
        item_id, operator_id = item.id, operator.id
        s.refresh(operator)
        s.expunge(operator)
    login(client, operator)

    @settings(max_examples=30, deadline=None, database=None)
    @given(variant=written())
    def check(variant):
        with app.app_context():
            s = db.session
            # upload: the same serial on another list is the item already in the system
            preview = receiving.preview_list(
                s, header=header(), content=csv_bytes([["Serial", "SKU"], [variant, "PHONE-1"]]),
                file_name=f"{uuid.uuid4().hex}.csv")
            assert [e.code for e in preview.errors] == ["already_in_system"], variant
            # scan: a look-up at the scan station finds it
            answer = scanning.record_scan(
                s, actor=s.get(User, operator_id), client_scan_id=uuid.uuid4().hex, task="lookup",
                code=variant, session_key=uuid.uuid4().hex, settings=scanning.ScanSettings())
            assert answer["result"] == "accepted", (variant, answer["message"])
            assert answer["item"]["serial"] == STORED
            s.rollback()
        # the look-up page opens its item page
        page = client.get("/items/lookup", query_string={"serial": variant})
        assert page.status_code == 302 and page.headers["Location"].endswith(f"/{STORED}"), variant
        # the API answers it
        api = client.get(f"/api/v1/serials/{quote(variant, safe='')}", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 200, (variant, api.get_json())
        assert api.get_json()["serial"] == STORED

    check()
    with app.app_context():
        assert db.session.query(SerialItem).count() == 1
        assert db.session.get(SerialItem, item_id).serial == STORED
