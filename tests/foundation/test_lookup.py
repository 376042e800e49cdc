"""Serial lookup and the item page."""

import pytest


def test_scanned_serial_opens_its_item_page(client_as, make_item):
    make_item(serial="Ab-123-xyz")
    client = client_as("operator")
    response = client.get("/items/lookup?serial=%20ab-123-XYZ%20")  # whitespace, other case
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ab-123-xyz" in page
    assert "in stock" in page
    assert "0 days" in page


def test_unknown_serial_says_so_and_lists_partial_matches(client_as, make_item):
    make_item(serial="ZX-98765-A")
    make_item(serial="ZX-98765-B")
    client = client_as("operator")
    response = client.get("/items/lookup?serial=98765")
    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No item has the serial" in text
    assert "ZX-98765-A" in text and "ZX-98765-B" in text


@pytest.mark.parametrize(
    "hostile",
    ['<script>alert(1)</script>', '"\'><img src=x onerror=alert(1)>', "x" * 5000,
     "' OR 1=1 --", "%_%"],
)
def test_hostile_serials_render_escaped_and_never_error(client_as, hostile):
    client = client_as("operator")
    response = client.get("/items/lookup", query_string={"serial": hostile})
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "<img src=x" not in text
