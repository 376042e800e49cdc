"""API endpoints: master data (suppliers, products, warehouses, bins), so an
ERP can keep them in step. Reads for any valid token, writes for admins.
Each object is named by its code (a product by its SKU), compared upper-case."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import url_for
from pydantic import Field, StrictBool, StrictInt, StrictStr, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from ..catalog import services as catalog
from ..errors import NotFound
from ..extensions import db
from ..models import Bin, Product, Supplier, Warehouse
from . import bp
from .payload import Page, PageQuery, page_of, unique_or_conflict
from .schema import ApiModel, Money, Request, Stamp, answer, operation

# --- bodies -------------------------------------------------------------------

CODE_RULE = "letters, digits, '-', '_' and '.'; trimmed and stored upper-case"
Code = Annotated[StrictStr, Field(description=f"At most 32 {CODE_RULE}")]
Name = Annotated[StrictStr, Field(description="1 to 200 characters, no control characters")]


class SupplierNew(Request):
    code: Code
    name: Name
    trusted: StrictBool = False


class SupplierOut(ApiModel):
    code: str
    name: str
    trusted: bool
    active: bool
    created_at: Stamp


class ProductNew(Request):
    sku: Annotated[StrictStr, Field(description=f"At most 64 {CODE_RULE}")]
    name: Name
    warranty_months: Annotated[StrictInt, Field(description=f"0 to {catalog.MAX_WARRANTY_MONTHS}")]
    unit_cost: Annotated[
        StrictInt | float | StrictStr,
        Field(description='A JSON number or a decimal string ("129.90"), 0 to 9,999,999,999',
              union_mode="left_to_right"),
    ]
    shelf_life_days: Annotated[
        StrictInt | None, Field(description=f"1 to {catalog.MAX_SHELF_LIFE_DAYS} days, or null")
    ] = None
    gtin: Annotated[StrictStr | None, Field(description="8, 12, 13 or 14 digits with a valid check digit")] = None

    @field_validator("unit_cost", mode="before")
    @classmethod
    def _a_number(cls, value):
        if isinstance(value, bool) or (isinstance(value, float) and value != value):
            raise PydanticCustomError("wrong_type", "must be a number or a decimal string")
        return value


class ProductOut(ApiModel):
    sku: str
    name: str
    warranty_months: int
    unit_cost: Money
    shelf_life_days: int | None
    gtin: str | None
    active: bool
    created_at: Stamp


class WarehouseNew(Request):
    code: Code
    name: Name


class WarehouseOut(ApiModel):
    code: str
    name: str
    active: bool
    created_at: Stamp


class BinNew(Request):
    code: Code


class BinOut(ApiModel):
    code: str
    warehouse: Annotated[str, Field(description="The warehouse's code")]
    kind: Literal["storage", "dock", "quarantine"]
    active: bool
    created_at: Stamp

    @classmethod
    def of(cls, bin_: Bin, warehouse: Warehouse) -> BinOut:
        return cls(code=bin_.code, warehouse=warehouse.code, kind=bin_.kind, active=bin_.active,
                   created_at=bin_.created_at)


def created(body: ApiModel, location: str):
    return answer(body, 201, {"Location": location})


def listed(model, rows_and_next: tuple[list, str | None], as_model=None):
    rows, next_after = rows_and_next
    as_model = as_model or model.model_validate
    return answer(Page[model](items=[as_model(row) for row in rows], next_after=next_after))


# --- look-ups and lists -------------------------------------------------------


def _found(look_up, noun: str, word: str, code: str):
    record = look_up(db.session, code)
    if record is None:
        raise NotFound(f"No {noun} has the {word} {code.strip().upper()}.")
    return record


def _warehouse(code: str) -> Warehouse:
    return _found(catalog.warehouse_by_code, "warehouse", "code", code)


def _list_and_detail(noun: str, key, out: type[ApiModel], look_up, *, param: str = "code") -> None:
    """GET /<noun>s, paged and ordered by ``key`` (endpoint ``<noun>s_list``), and GET /<noun>s/<param>,
    the one ``look_up`` finds by it (endpoint ``<noun>_detail``)."""
    word = "SKU" if param == "sku" else "code"

    def list_view(query: PageQuery):
        return listed(out, page_of(db.session, select(key.class_), key, query))

    def detail_view(**path: str):
        return answer(out.model_validate(_found(look_up, noun, word, path[param])))

    bp.add_url_rule(f"/{noun}s", f"{noun}s_list", operation(
        tag="catalog", summary=f"List {noun}s, ordered by {word}", query=PageQuery, answers={200: Page[out]},
    )(list_view), methods=["GET"])
    bp.add_url_rule(f"/{noun}s/<{param}>", f"{noun}_detail", operation(
        tag="catalog", summary=f"One {noun}", answers={200: out},
    )(detail_view), methods=["GET"])


def _create(noun: str, out: type[ApiModel], conflict: str, make, *, param: str = "code"):
    """Creates the record ``make`` returns (a duplicate is a 409 saying ``conflict``) and answers 201 with it
    and where its ``<noun>_detail`` view is."""
    with unique_or_conflict(conflict):
        record = make()
    location = url_for(f"api.{noun}_detail", **{param: getattr(record, param)})
    return created(out.model_validate(record), location)


# --- suppliers ----------------------------------------------------------------

_list_and_detail("supplier", Supplier.code, SupplierOut, catalog.supplier_by_code)


@bp.post("/suppliers")
@operation(tag="catalog", summary="Create a supplier (admins only)", roles=("admin",), body=SupplierNew,
           answers={201: SupplierOut}, errors={409: "A supplier with this code already exists"})
def supplier_create(body: SupplierNew):
    return _create("supplier", SupplierOut, f"A supplier with code {body.code.strip().upper()} already exists.",
                   lambda: catalog.create_supplier(db.session, code=body.code, name=body.name, trusted=body.trusted))


# --- products -----------------------------------------------------------------


_list_and_detail("product", Product.sku, ProductOut, catalog.product_by_sku, param="sku")


@bp.post("/products")
@operation(tag="catalog", summary="Create a product (admins only); a duplicate SKU or GTIN is 409",
           roles=("admin",), body=ProductNew, answers={201: ProductOut},
           errors={409: "A product with this SKU or GTIN already exists"})
def product_create(body: ProductNew):
    return _create(
        "product", ProductOut, f"A product with SKU {body.sku.strip().upper()} or this GTIN already exists.",
        lambda: catalog.create_product(
            db.session,
            sku=body.sku,
            name=body.name,
            warranty_months=body.warranty_months,
            unit_cost=body.unit_cost,
            shelf_life_days=body.shelf_life_days,
            gtin=(body.gtin or "").strip() or None,
        ),
        param="sku",
    )


# --- warehouses and their bins ------------------------------------------------


_list_and_detail("warehouse", Warehouse.code, WarehouseOut, catalog.warehouse_by_code)


@bp.post("/warehouses")
@operation(tag="catalog", summary="Create a warehouse (admins only); it comes with its DOCK and QUARANTINE bins",
           roles=("admin",), body=WarehouseNew, answers={201: WarehouseOut},
           errors={409: "A warehouse with this code already exists"})
def warehouse_create(body: WarehouseNew):
    return _create("warehouse", WarehouseOut, f"A warehouse with code {body.code.strip().upper()} already exists.",
                   lambda: catalog.create_warehouse(db.session, code=body.code, name=body.name))


@bp.get("/warehouses/<code>/bins")
@operation(tag="catalog", summary="List a warehouse's bins, ordered by code", query=PageQuery,
           answers={200: Page[BinOut]})
def bins_list(code: str, query: PageQuery):
    warehouse = _warehouse(code)
    page = page_of(db.session, catalog.bins_for_warehouse(warehouse.id), Bin.code, query)
    return listed(BinOut, page, lambda bin_: BinOut.of(bin_, warehouse))


@bp.get("/warehouses/<code>/bins/<bin_code>")
@operation(tag="catalog", summary="One bin", answers={200: BinOut})
def bin_detail(code: str, bin_code: str):
    warehouse = _warehouse(code)
    key = bin_code.strip().upper()
    bin_ = db.session.scalar(catalog.bins_for_warehouse(warehouse.id).where(Bin.code == key))
    if bin_ is None:
        raise NotFound(f"Warehouse {warehouse.code} has no bin {key}.")
    return answer(BinOut.of(bin_, warehouse))


@bp.post("/warehouses/<code>/bins")
@operation(tag="catalog", summary="Create a bin in a warehouse (admins only)", roles=("admin",), body=BinNew,
           answers={201: BinOut}, errors={409: "The warehouse already has a bin with this code"})
def bin_create(code: str, body: BinNew):
    warehouse = _warehouse(code)
    with unique_or_conflict(f"Bin {body.code.strip().upper()} already exists in {warehouse.code}."):
        bin_ = catalog.create_bin(db.session, warehouse=warehouse, code=body.code)
    return created(BinOut.of(bin_, warehouse), url_for("api.bin_detail", code=warehouse.code, bin_code=bin_.code))
