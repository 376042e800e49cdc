"""API endpoints: master data (suppliers, products, warehouses, bins), so an
ERP can keep them in step. Reads for any valid token, writes for admins.
Each object is named by its code (a product by its SKU), compared upper-case."""

from __future__ import annotations

from flask import jsonify, url_for
from sqlalchemy import select

from ..catalog import services as catalog
from ..errors import Invalid, NotFound
from ..extensions import db
from ..models import Bin, Product, Supplier, Warehouse
from . import bp, spec
from .auth import api_roles
from .payload import json_object, jsonable, page_of, unique_or_conflict

# --- answers ------------------------------------------------------------------


def supplier_json(supplier: Supplier) -> dict:
    return {
        "code": supplier.code,
        "name": supplier.name,
        "trusted": supplier.trusted,
        "active": supplier.active,
        "created_at": jsonable(supplier.created_at),
    }


def product_json(product: Product) -> dict:
    return {
        "sku": product.sku,
        "name": product.name,
        "warranty_months": product.warranty_months,
        "unit_cost": jsonable(product.unit_cost),
        "shelf_life_days": product.shelf_life_days,
        "gtin": product.gtin,
        "active": product.active,
        "created_at": jsonable(product.created_at),
    }


def warehouse_json(warehouse: Warehouse) -> dict:
    return {
        "code": warehouse.code,
        "name": warehouse.name,
        "active": warehouse.active,
        "created_at": jsonable(warehouse.created_at),
    }


def bin_json(bin_: Bin, warehouse: Warehouse) -> dict:
    return {
        "code": bin_.code,
        "warehouse": warehouse.code,
        "kind": bin_.kind,
        "active": bin_.active,
        "created_at": jsonable(bin_.created_at),
    }


def created(body: dict, location: str):
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


def listed(page: dict, as_json) -> dict:
    return {"items": [as_json(row) for row in page["rows"]], "next_after": page["next_after"]}


# --- look-ups -----------------------------------------------------------------


def _supplier(code: str) -> Supplier:
    supplier = catalog.supplier_by_code(db.session, code)
    if supplier is None:
        raise NotFound(f"No supplier has the code {code.strip().upper()}.")
    return supplier


def _product(sku: str) -> Product:
    product = catalog.product_by_sku(db.session, sku)
    if product is None:
        raise NotFound(f"No product has the SKU {sku.strip().upper()}.")
    return product


def _warehouse(code: str) -> Warehouse:
    warehouse = catalog.warehouse_by_code(db.session, code)
    if warehouse is None:
        raise NotFound(f"No warehouse has the code {code.strip().upper()}.")
    return warehouse


# --- suppliers ----------------------------------------------------------------


@bp.get("/suppliers")
def suppliers_list():
    page = page_of(db.session, select(Supplier), Supplier.code)
    return listed(page, supplier_json)


@bp.get("/suppliers/<code>")
def supplier_detail(code: str):
    return supplier_json(_supplier(code))


@bp.post("/suppliers")
@api_roles("admin")
def supplier_create():
    body = json_object({"code": ("string", True), "name": ("string", True), "trusted": ("boolean", False)})
    with unique_or_conflict(f"A supplier with code {body['code'].strip().upper()} already exists."):
        supplier = catalog.create_supplier(
            db.session, code=body["code"], name=body["name"], trusted=body.get("trusted", False)
        )
    return created(supplier_json(supplier), url_for("api.supplier_detail", code=supplier.code))


# --- products -----------------------------------------------------------------

MAX_SHELF_LIFE_DAYS = 36_500
GTIN_LENGTHS = (8, 12, 13, 14)


@bp.get("/products")
def products_list():
    page = page_of(db.session, select(Product), Product.sku)
    return listed(page, product_json)


@bp.get("/products/<sku>")
def product_detail(sku: str):
    return product_json(_product(sku))


@bp.post("/products")
@api_roles("admin")
def product_create():
    body = json_object(
        {
            "sku": ("string", True),
            "name": ("string", True),
            "warranty_months": ("integer", True),
            "unit_cost": ("number", True),
            "shelf_life_days": ("integer", False),
            "gtin": ("string", False),
        }
    )
    shelf_life = body.get("shelf_life_days")
    if shelf_life is not None and not 1 <= shelf_life <= MAX_SHELF_LIFE_DAYS:
        raise Invalid(f"shelf_life_days is from 1 to {MAX_SHELF_LIFE_DAYS}.", code="invalid_shelf_life")
    gtin = (body.get("gtin") or "").strip() or None
    if gtin is not None and not (gtin.isascii() and gtin.isdigit() and len(gtin) in GTIN_LENGTHS):
        raise Invalid("A GTIN is 8, 12, 13 or 14 digits.", code="invalid_gtin")
    with unique_or_conflict(f"A product with SKU {body['sku'].strip().upper()} or this GTIN already exists."):
        product = catalog.create_product(
            db.session,
            sku=body["sku"],
            name=body["name"],
            warranty_months=body["warranty_months"],
            unit_cost=body["unit_cost"],
            shelf_life_days=shelf_life,
            gtin=gtin,
        )
    return created(product_json(product), url_for("api.product_detail", sku=product.sku))


# --- warehouses and their bins ------------------------------------------------


@bp.get("/warehouses")
def warehouses_list():
    page = page_of(db.session, select(Warehouse), Warehouse.code)
    return listed(page, warehouse_json)


@bp.get("/warehouses/<code>")
def warehouse_detail(code: str):
    return warehouse_json(_warehouse(code))


@bp.post("/warehouses")
@api_roles("admin")
def warehouse_create():
    body = json_object({"code": ("string", True), "name": ("string", True)})
    with unique_or_conflict(f"A warehouse with code {body['code'].strip().upper()} already exists."):
        warehouse = catalog.create_warehouse(db.session, code=body["code"], name=body["name"])
    return created(warehouse_json(warehouse), url_for("api.warehouse_detail", code=warehouse.code))


@bp.get("/warehouses/<code>/bins")
def bins_list(code: str):
    warehouse = _warehouse(code)
    page = page_of(db.session, catalog.bins_for_warehouse(warehouse.id), Bin.code)
    return listed(page, lambda bin_: bin_json(bin_, warehouse))


@bp.get("/warehouses/<code>/bins/<bin_code>")
def bin_detail(code: str, bin_code: str):
    warehouse = _warehouse(code)
    key = bin_code.strip().upper()
    bin_ = db.session.scalar(catalog.bins_for_warehouse(warehouse.id).where(Bin.code == key))
    if bin_ is None:
        raise NotFound(f"Warehouse {warehouse.code} has no bin {key}.")
    return bin_json(bin_, warehouse)


@bp.post("/warehouses/<code>/bins")
@api_roles("admin")
def bin_create(code: str):
    warehouse = _warehouse(code)
    body = json_object({"code": ("string", True)})
    with unique_or_conflict(f"Bin {body['code'].strip().upper()} already exists in {warehouse.code}."):
        bin_ = catalog.create_bin(db.session, warehouse=warehouse, code=body["code"])
    return created(
        bin_json(bin_, warehouse),
        url_for("api.bin_detail", code=warehouse.code, bin_code=bin_.code),
    )


# --- the OpenAPI description ----------------------------------------------------

_STAMP = {"type": "string", "format": "date-time", "readOnly": True}
_CODE = {"type": "string", "maxLength": 32, "pattern": "^[A-Za-z0-9._-]+$",
         "description": "Letters, digits, '-', '_' and '.'; stored upper-case"}
_NAME = {"type": "string", "minLength": 1, "maxLength": 200}

SUPPLIER = {
    "type": "object",
    "properties": {"code": _CODE, "name": _NAME, "trusted": {"type": "boolean"},
                   "active": {"type": "boolean", "readOnly": True}, "created_at": _STAMP},
}
SUPPLIER_NEW = {
    "type": "object", "required": ["code", "name"], "additionalProperties": False,
    "properties": {"code": _CODE, "name": _NAME, "trusted": {"type": "boolean", "default": False}},
}
PRODUCT = {
    "type": "object",
    "properties": {
        "sku": {**_CODE, "maxLength": 64}, "name": _NAME,
        "warranty_months": {"type": "integer", "minimum": 0, "maximum": 600},
        "unit_cost": {"type": "string", "description": "Decimal with two places, e.g. \"129.90\""},
        "shelf_life_days": {"type": "integer", "nullable": True},
        "gtin": {"type": "string", "nullable": True},
        "active": {"type": "boolean", "readOnly": True}, "created_at": _STAMP,
    },
}
PRODUCT_NEW = {
    "type": "object", "required": ["sku", "name", "warranty_months", "unit_cost"],
    "additionalProperties": False,
    "properties": {
        "sku": {**_CODE, "maxLength": 64}, "name": _NAME,
        "warranty_months": {"type": "integer", "minimum": 0, "maximum": 600},
        "unit_cost": {"oneOf": [{"type": "number", "minimum": 0},
                                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}]},
        "shelf_life_days": {"type": "integer", "minimum": 1, "maximum": MAX_SHELF_LIFE_DAYS},
        "gtin": {"type": "string", "pattern": "^([0-9]{8}|[0-9]{12,14})$"},
    },
}
WAREHOUSE = {
    "type": "object",
    "properties": {"code": _CODE, "name": _NAME,
                   "active": {"type": "boolean", "readOnly": True}, "created_at": _STAMP},
}
WAREHOUSE_NEW = {
    "type": "object", "required": ["code", "name"], "additionalProperties": False,
    "properties": {"code": _CODE, "name": _NAME},
}
BIN = {
    "type": "object",
    "properties": {"code": _CODE, "warehouse": {"type": "string"},
                   "kind": {"type": "string", "enum": ["storage", "dock", "quarantine"]},
                   "active": {"type": "boolean"}, "created_at": _STAMP},
}
BIN_NEW = {"type": "object", "required": ["code"], "additionalProperties": False,
           "properties": {"code": _CODE}}


def _collection(tag: str, what: str, item: dict, new: dict, params=(), post_note: str = "") -> dict:
    return {
        "get": {
            "tags": [tag], "summary": f"List {what}s, ordered by code",
            "parameters": [*params, *spec.PAGE_PARAMS],
            "responses": {"200": spec.json_response(f"A page of {what}s", spec.page_of(item)),
                          **spec.errors(400, 401, *((404,) if params else ()))},
        },
        "post": {
            "tags": [tag], "summary": f"Create a {what} (admins only){post_note}",
            "parameters": list(params),
            "requestBody": spec.json_body(new),
            "responses": {"201": spec.json_response(f"The new {what}; Location names it", item),
                          **spec.errors(400, 401, 403, *((404,) if params else ()), 409, 422)},
        },
    }


def _single(tag: str, what: str, item: dict, params) -> dict:
    return {"get": {"tags": [tag], "summary": f"One {what}", "parameters": params,
                    "responses": {"200": spec.json_response(f"The {what}", item), **spec.errors(401, 404)}}}


_WH = spec.path_param("code", "Warehouse code")

OPENAPI_PATHS: dict = {
    "/suppliers": _collection("catalog", "supplier", SUPPLIER, SUPPLIER_NEW),
    "/suppliers/{code}": _single("catalog", "supplier", SUPPLIER, [spec.path_param("code", "Supplier code")]),
    "/products": _collection("catalog", "product", PRODUCT, PRODUCT_NEW,
                             post_note="; a duplicate SKU or GTIN is 409"),
    "/products/{sku}": _single("catalog", "product", PRODUCT, [spec.path_param("sku", "Product SKU")]),
    "/warehouses": _collection("catalog", "warehouse", WAREHOUSE, WAREHOUSE_NEW,
                               post_note="; it comes with its DOCK and QUARANTINE bins"),
    "/warehouses/{code}": _single("catalog", "warehouse", WAREHOUSE, [_WH]),
    "/warehouses/{code}/bins": _collection("catalog", "bin", BIN, BIN_NEW, params=[_WH]),
    "/warehouses/{code}/bins/{bin_code}": _single(
        "catalog", "bin", BIN, [_WH, spec.path_param("bin_code", "Bin code within the warehouse")]
    ),
}
