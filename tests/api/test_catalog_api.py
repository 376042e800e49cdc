"""Master data through the API: read with any token, write as an admin,
each object named by its code; duplicates are 409 and bad bodies never 500."""

import pytest

from portal.models import Bin, Product, Supplier, Warehouse

# --- create and read back -------------------------------------------------------


def test_admin_creates_a_supplier_and_anyone_reads_it(api_as):
    admin = api_as("admin")
    response = admin.post("/api/v1/suppliers", json={"code": " acme-1 ", "name": "Acme Parts"})
    assert response.status_code == 201
    assert response.json["code"] == "ACME-1"
    assert response.headers["Location"].endswith("/api/v1/suppliers/ACME-1")

    operator = api_as("operator")
    got = operator.get("/api/v1/suppliers/acme-1")
    assert got.status_code == 200
    assert got.json["name"] == "Acme Parts" and got.json["trusted"] is False
    listing = operator.get("/api/v1/suppliers").json
    assert [s["code"] for s in listing["items"]] == ["ACME-1"]
    assert listing["next_after"] is None


def test_admin_creates_a_product_with_its_warranty_and_cost(api_as, fresh):
    admin = api_as("admin")
    body = {"sku": "lap-14", "name": "Laptop 14", "warranty_months": 24, "unit_cost": "799.90",
            "gtin": "04012345678901", "shelf_life_days": 3650}
    response = admin.post("/api/v1/products", json=body)
    assert response.status_code == 201, response.json
    assert response.json["sku"] == "LAP-14"
    assert response.json["unit_cost"] == "799.90"
    assert api_as("receiver").get("/api/v1/products/LAP-14").json["warranty_months"] == 24
    with fresh() as s:
        product = s.query(Product).one()
        assert str(product.unit_cost) == "799.90" and product.gtin == "04012345678901"


def test_unit_cost_may_be_a_json_number(api_as):
    admin = api_as("admin")
    response = admin.post("/api/v1/products",
                          json={"sku": "CAB", "name": "Cable", "warranty_months": 0, "unit_cost": 4.5})
    assert response.status_code == 201
    assert response.json["unit_cost"] == "4.50"


def test_a_new_warehouse_comes_with_dock_and_quarantine_bins(api_as):
    admin = api_as("admin")
    assert admin.post("/api/v1/warehouses", json={"code": "north", "name": "North"}).status_code == 201
    created = admin.post("/api/v1/warehouses/NORTH/bins", json={"code": "a-01-1"})
    assert created.status_code == 201
    assert created.json == {**created.json, "code": "A-01-1", "warehouse": "NORTH", "kind": "storage"}
    assert created.headers["Location"].endswith("/api/v1/warehouses/NORTH/bins/A-01-1")

    reader = api_as("manager")
    bins = reader.get("/api/v1/warehouses/north/bins").json["items"]
    assert [(b["code"], b["kind"]) for b in bins] == [
        ("A-01-1", "storage"), ("DOCK", "dock"), ("QUARANTINE", "quarantine"),
    ]
    assert reader.get("/api/v1/warehouses/NORTH").json["name"] == "North"
    assert reader.get("/api/v1/warehouses/NORTH/bins/a-01-1").json["kind"] == "storage"


def test_bins_of_one_warehouse_only(api_as, make_warehouse, make_bin):
    north, south = make_warehouse(code="N1"), make_warehouse(code="S1")
    make_bin(warehouse_id=north.id, code="X-1")
    make_bin(warehouse_id=south.id, code="Y-1")
    bins = api_as("operator").get("/api/v1/warehouses/S1/bins").json["items"]
    assert {b["code"] for b in bins} == {"Y-1", "DOCK", "QUARANTINE"}


def test_lists_page_by_code(api_as, make_supplier):
    for code in ["C", "A", "E", "B", "D"]:
        make_supplier(code=code)
    reader = api_as("operator")
    first = reader.get("/api/v1/suppliers?limit=2").json
    assert [s["code"] for s in first["items"]] == ["A", "B"] and first["next_after"] == "B"
    second = reader.get("/api/v1/suppliers?limit=2&after=B").json
    assert [s["code"] for s in second["items"]] == ["C", "D"]
    last = reader.get("/api/v1/suppliers?limit=2&after=D").json
    assert [s["code"] for s in last["items"]] == ["E"] and last["next_after"] is None


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1001"])
def test_a_bad_limit_is_a_400(api_as, limit):
    response = api_as("operator").get(f"/api/v1/products?limit={limit}")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_limit"


# --- not found, duplicates, roles ------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/suppliers/NOPE", "/api/v1/products/NOPE", "/api/v1/warehouses/NOPE",
     "/api/v1/warehouses/NOPE/bins", "/api/v1/warehouses/NOPE/bins/A-1"],
)
def test_unknown_codes_are_404_json(api_as, path):
    response = api_as("operator").get(path)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert "NOPE" in response.json["error"]["message"]


def test_unknown_bin_in_a_known_warehouse_is_404(api_as, make_warehouse):
    make_warehouse(code="W9")
    response = api_as("operator").get("/api/v1/warehouses/W9/bins/ZZ")
    assert response.status_code == 404
    assert "W9 has no bin ZZ" in response.json["error"]["message"]


def test_adding_a_bin_to_an_unknown_warehouse_is_404(api_as, db_snapshot):
    admin = api_as("admin")
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    response = admin.post("/api/v1/warehouses/NOPE/bins", json={"code": "A-1"})
    assert response.status_code == 404
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before


@pytest.mark.parametrize(
    "path,body,existing",
    [
        ("/api/v1/suppliers", {"code": "acme", "name": "Again"}, "supplier"),
        ("/api/v1/products", {"sku": "sku-1", "name": "Again", "warranty_months": 1, "unit_cost": 1},
         "product"),
        ("/api/v1/warehouses", {"code": "wh", "name": "Again"}, "warehouse"),
        ("/api/v1/warehouses/WH/bins", {"code": "dock"}, "warehouse"),
        ("/api/v1/warehouses/WH/bins", {"code": "a-1"}, "bin"),
    ],
)
def test_a_duplicate_code_is_409_and_changes_nothing(
    api_as, make_supplier, make_product, make_warehouse, make_bin, db_snapshot, path, body, existing
):
    make_supplier(code="ACME")
    make_product(sku="SKU-1", gtin="12345670")
    wh = make_warehouse(code="WH")
    make_bin(warehouse_id=wh.id, code="A-1")
    admin = api_as("admin")
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    response = admin.post(path, json=body)
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "duplicate"
    assert "already exists" in response.json["error"]["message"]
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before


def test_a_duplicate_gtin_is_409(api_as, make_product, db_snapshot):
    make_product(sku="FIRST", gtin="12345670")
    admin = api_as("admin")
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    response = admin.post("/api/v1/products", json={"sku": "SECOND", "name": "Other", "warranty_months": 0,
                                                    "unit_cost": 1, "gtin": "12345670"})
    assert response.status_code == 409
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before


@pytest.mark.parametrize("role", ["operator", "receiver", "manager"])
@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/suppliers", {"code": "S", "name": "S"}),
        ("/api/v1/products", {"sku": "P", "name": "P", "warranty_months": 0, "unit_cost": 0}),
        ("/api/v1/warehouses", {"code": "W", "name": "W"}),
        ("/api/v1/warehouses/WH/bins", {"code": "B-1"}),
    ],
)
def test_writes_are_for_admins_only(api_as, make_warehouse, db_snapshot, role, path, body):
    make_warehouse(code="WH")
    client = api_as(role)
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    response = client.post(path, json=body)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert f"the token's user is {role}" in response.json["error"]["message"]
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before


# --- bad bodies ---------------------------------------------------------------------

PRODUCT_OK = {"sku": "P-1", "name": "Phone", "warranty_months": 12, "unit_cost": "10.00"}


@pytest.mark.parametrize(
    "kwargs,status,code",
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": "", "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": "sku=P-1&name=Phone", "content_type": "application/x-www-form-urlencoded"}, 400, "not_json"),
        ({"data": b"\xff\xfe\x00garbage", "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": "[" * 100_000, "content_type": "application/json"}, 400, "malformed_json"),
        ({"data": '{"a": ' * 50_000 + "1" + "}" * 50_000, "content_type": "application/json"}, 400,
         "malformed_json"),
        ({"json": ["P-1", "Phone"]}, 400, "not_an_object"),
        ({"json": "P-1"}, 400, "not_an_object"),
        ({"json": {**PRODUCT_OK, "sku": None}}, 422, "field_required"),
        ({"json": {"sku": "P-1", "name": "Phone", "unit_cost": 1}}, 422, "field_required"),
        ({"json": {**PRODUCT_OK, "sku": 12345}}, 422, "wrong_type"),
        ({"json": {**PRODUCT_OK, "name": ["x"]}}, 422, "wrong_type"),
        ({"json": {**PRODUCT_OK, "warranty_months": "12"}}, 422, "wrong_type"),
        ({"json": {**PRODUCT_OK, "warranty_months": 12.5}}, 422, "wrong_type"),
        ({"json": {**PRODUCT_OK, "warranty_months": True}}, 422, "wrong_type"),
        ({"json": {**PRODUCT_OK, "warranty_months": -1}}, 422, "invalid_warranty"),
        ({"json": {**PRODUCT_OK, "warranty_months": 10**30}}, 422, "invalid_warranty"),
        ({"json": {**PRODUCT_OK, "unit_cost": "ten"}}, 422, "invalid_cost"),
        ({"json": {**PRODUCT_OK, "unit_cost": -5}}, 422, "invalid_cost"),
        ({"json": {**PRODUCT_OK, "unit_cost": 1e300}}, 422, "invalid_cost"),
        ({"json": {**PRODUCT_OK, "unit_cost": False}}, 422, "wrong_type"),
        ({"data": '{"sku": "P-1", "name": "Phone", "warranty_months": 1, "unit_cost": NaN}',
          "content_type": "application/json"}, 422, "wrong_type"),
        ({"data": '{"sku": "P-1", "name": "Phone", "warranty_months": 1, "unit_cost": Infinity}',
          "content_type": "application/json"}, 422, "invalid_cost"),
        ({"json": {**PRODUCT_OK, "shelf_life_days": 0}}, 422, "invalid_shelf_life"),
        ({"json": {**PRODUCT_OK, "shelf_life_days": 2**40}}, 422, "invalid_shelf_life"),
        ({"json": {**PRODUCT_OK, "gtin": "12ab5678"}}, 422, "invalid_gtin"),
        ({"json": {**PRODUCT_OK, "gtin": "1" * 40}}, 422, "invalid_gtin"),
        ({"json": {**PRODUCT_OK, "sku": ""}}, 422, "code_required"),
        ({"json": {**PRODUCT_OK, "sku": "x" * 65}}, 422, "code_too_long"),
        ({"json": {**PRODUCT_OK, "sku": "<script>"}}, 422, "code_invalid"),
        ({"json": {**PRODUCT_OK, "sku": "'; DROP TABLE products; --"}}, 422, "code_invalid"),
        ({"json": {**PRODUCT_OK, "name": "   "}}, 422, "name_required"),
        ({"json": {**PRODUCT_OK, "name": "n" * 201}}, 422, "name_required"),
    ],
)
def test_bad_product_bodies_get_a_clear_error_and_save_nothing(api_as, db_snapshot, kwargs, status, code):
    admin = api_as("admin")
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    response = admin.post("/api/v1/products", **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before


@pytest.mark.parametrize(
    "path,body,code",
    [
        ("/api/v1/suppliers", {"code": "S"}, "field_required"),
        ("/api/v1/suppliers", {"code": "S", "name": "S", "trusted": "yes"}, "wrong_type"),
        ("/api/v1/suppliers", {"code": "=cmd|' /C calc'!A0", "name": "S"}, "code_invalid"),
        ("/api/v1/warehouses", {"name": "W"}, "field_required"),
        ("/api/v1/warehouses/WH/bins", {"code": 7}, "wrong_type"),
        ("/api/v1/warehouses/WH/bins", {}, "field_required"),
    ],
)
def test_bad_bodies_elsewhere_are_422(api_as, make_warehouse, db_snapshot, path, body, code):
    make_warehouse(code="WH")
    admin = api_as("admin")
    before = db_snapshot(ignore={"api_tokens": {"last_used_at"}})
    response = admin.post(path, json=body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == code
    assert db_snapshot(ignore={"api_tokens": {"last_used_at"}}) == before


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/products", {**PRODUCT_OK, "warrenty_months": 3, "colour": "red"}),
        ("/api/v1/warehouses", {"code": "W", "name": "W", "city": "Oslo"}),
    ],
)
def test_unknown_fields_are_ignored_so_older_and_newer_clients_keep_working(api_as, fresh, path, body):
    response = api_as("admin").post(path, json=body)
    assert response.status_code == 201, response.json
    assert "warrenty_months" not in response.json and "city" not in response.json
    with fresh() as s:
        assert s.query(Product).count() + s.query(Warehouse).count() == 1


def test_hostile_names_are_stored_as_text(api_as, fresh):
    admin = api_as("admin")
    name = "<script>alert(1)</script> =cmd|' /C calc'!A0 ' OR 1=1 --"
    assert admin.post("/api/v1/suppliers", json={"code": "EVIL", "name": name}).status_code == 201
    assert admin.get("/api/v1/suppliers/EVIL").json["name"] == name
    with fresh() as s:
        assert s.query(Supplier).one().name == name
        assert s.query(Warehouse).count() == 0 and s.query(Bin).count() == 0


def test_unknown_api_paths_and_methods_answer_json(api_as):
    client = api_as("operator")
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.client.delete("/api/v1/suppliers", headers={"Authorization": f"Bearer {client.token}"})
    assert wrong.status_code == 405 and "error" in wrong.json
