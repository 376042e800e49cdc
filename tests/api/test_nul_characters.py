"""A NUL character (which PostgreSQL text cannot hold) gets a clear answer, never a 500."""

import pytest

from tests.admin.conftest import HX


@pytest.mark.parametrize(
    "path", ["/api/v1/suppliers/A%00B", "/api/v1/serials/A%00B", "/api/v1/products?after=A%00",
             "/api/v1/warehouses/W%00/bins"],
)
def test_a_nul_in_the_url_is_400(api_as, path):
    response = api_as("operator").get(path)
    assert response.status_code == 400
    assert "NUL" in response.json["error"]["message"]


def test_a_nul_in_a_json_field_is_422_and_saves_nothing(api_as, db_snapshot):
    admin = api_as("admin")
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    response = admin.post("/api/v1/suppliers", json={"code": "X", "name": "a\u0000b"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_character"
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before


def test_a_nul_in_a_token_name_on_the_admin_page_is_422(client_as, db_snapshot):
    admin = client_as("admin")
    before = db_snapshot()
    response = admin.post("/admin/tokens", data={"user_id": admin.user.id, "name": "a\x00b"}, headers=HX)
    assert response.status_code == 422
    assert "printable characters" in response.get_data(as_text=True)
    assert db_snapshot() == before


@pytest.mark.parametrize("path", ["/items/lookup?serial=A%00B", "/items/lookup?serial=ABCD%00EFGH", "/items/A%00B"])
def test_a_nul_in_a_looked_up_serial_is_just_not_found(client_as, path):
    response = client_as("operator").get(path, follow_redirects=True)
    assert response.status_code == 404
    assert "No item has the serial" in response.get_data(as_text=True)
