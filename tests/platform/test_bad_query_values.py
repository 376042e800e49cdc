"""Page numbers that are not ASCII digits (``²``, ``٣``, ``１``) on the item list and on a
receipt's items are a clear 422 naming ``page``, never a 500 and never a silent guess
(issue 11.5), as on the catalog lists (tests/platform/test_urls.py)."""

from __future__ import annotations

import pytest

from tests.receiving.files import serial_list
from tests.receiving.test_routes import staged_id, upload

HX = {"HX-Request": "true"}
NOT_DIGITS = ["²", "٣", "１", "-1", "1e3", "abc"]


@pytest.fixture
def receipt_url(client_as, make_supplier, make_warehouse, make_product):
    make_supplier(code="ACME")
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    desk = client_as("receiver")
    done = desk.post(f"/receiving/uploads/{staged_id(upload(desk, serial_list(3)))}/commit",
                     data={"expected_invalid": "0"}, headers=HX)
    desk.receipt_url = done.headers["HX-Redirect"]
    return desk


def _refused(response):
    assert response.status_code == 422, response.status_code
    assert response.headers["X-Portal-Error"] == "invalid_number"
    assert "page must be a whole number" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", NOT_DIGITS)
def test_a_page_number_that_is_not_ascii_digits_on_the_item_list_is_a_422(client_as, page):
    manager = client_as("manager")
    _refused(manager.get("/items/", query_string={"page": page}))
    _refused(manager.get("/items/", query_string={"page": page, "status": "in_stock"}, headers=HX))
    assert manager.get("/items/", query_string={"page": "2"}).status_code == 200


@pytest.mark.parametrize("page", NOT_DIGITS)
def test_a_page_number_that_is_not_ascii_digits_on_a_receipts_items_or_the_receipts_is_a_422(receipt_url, page):
    desk, url = receipt_url, receipt_url.receipt_url
    _refused(desk.get(f"{url}/items", query_string={"page": page}, headers=HX))
    _refused(desk.get(url, query_string={"page": page}))
    _refused(desk.get("/receiving/", query_string={"page": page}))
    _refused(desk.get("/receiving/", query_string={"page": page}, headers=HX))
    assert desk.get(f"{url}/items", query_string={"page": "2"}, headers=HX).status_code == 200
