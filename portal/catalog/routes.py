"""Catalog pages: suppliers, products, warehouses and bins.

Everyone logged in may look; managers and admins may create and edit (checked
here on the server, not only by hiding buttons). Lists have active search: a
plain GET form, enhanced by HTMX to swap only the table fragment. Forms
validate inline: each field posts the form to a ``validate`` endpoint on
change and picks its own part out of the answer; a failed submit answers 422
with the form fragment.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, render_template, request, url_for
from flask_wtf import FlaskForm

from ..auth.access import blueprint_roles, roles_required
from ..errors import DomainError
from ..extensions import db
from ..models import Bin, Product, Supplier, Warehouse
from ..web import redirect_to, render_page_or_fragment
from ..web.pagination import page_number, paginate
from . import bp, queries, services
from .bin_patterns import BadSegment, parse_bin_pattern
from .forms import BinForm, BinPatternForm, ProductForm, SupplierForm, WarehouseForm

blueprint_roles(bp, "receiver", "operator", "manager")
EDITORS = ("manager",)  # admins always pass
FORM_ERRORS = "__form__"


# --- shared helpers ----------------------------------------------------------------


def _search_text() -> str:
    return request.args.get("q", "")[: queries.MAX_SEARCH_LENGTH]


def _values(form: FlaskForm, names: tuple[str, ...]) -> dict:
    return {name: getattr(form, name).data for name in names}


def _show_messages(form: FlaskForm, messages: dict[str, str]) -> None:
    """Put service messages beside their fields (unless the form already has one there)."""
    for name, message in messages.items():
        field = getattr(form, name, None)
        if field is None or name == FORM_ERRORS:
            form.form_errors.append(message)
        elif not field.errors:
            field.errors = [*field.errors, message]


def _form_view(*, form, page: str, fragment: str, status: int = 200, **context):
    return render_page_or_fragment(page, fragment, status=status, form=form, **context)


def _save(form: FlaskForm, write: Callable[[], object], *, success: Callable[[object], str], next_url: str,
          page: str, fragment: str, **context):
    """Validate the form's shape, run one service, commit once, or answer 422."""
    if form.validate():
        try:
            saved = write()
        except DomainError as error:
            db.session.rollback()
            _show_messages(form, services.field_messages(error) or {FORM_ERRORS: error.message})
        else:
            message = success(saved)
            db.session.commit()
            flash(message, "success")
            return redirect_to(next_url)
    return _form_view(form=form, page=page, fragment=fragment, status=422, **context)


def _validated(form: FlaskForm, check: Callable[[], dict[str, str]], *, page: str, fragment: str,
               **context):
    """Inline validation: the form fragment with every field's message; writes nothing."""
    form.validate()
    _show_messages(form, check())
    return _form_view(form=form, page=page, fragment=fragment, **context)


def _get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404, f"No such {model.__name__.lower()}.")
    return obj


@bp.route("/")
def index():
    return render_template("catalog/index.html")


# --- suppliers ---------------------------------------------------------------------

SUPPLIER_FIELDS = ("code", "name", "trusted")
SUPPLIER_FORM = {"page": "catalog/supplier_form.html", "fragment": "catalog/_supplier_form.html"}


@bp.route("/suppliers")
def suppliers():
    q = _search_text()
    page = paginate(db.session, queries.suppliers(q), number=page_number())
    return render_page_or_fragment(
        "catalog/suppliers.html", "catalog/_suppliers_table.html", q=q, listing=page
    )


def _supplier_context(supplier: Supplier | None) -> dict:
    if supplier is None:
        return {"supplier": None, "action": url_for("catalog.new_supplier"),
                "validate_url": url_for("catalog.validate_new_supplier")}
    return {"supplier": supplier,
            "action": url_for("catalog.edit_supplier", supplier_id=supplier.id),
            "validate_url": url_for("catalog.validate_supplier", supplier_id=supplier.id)}


@bp.route("/suppliers/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_supplier():
    form = SupplierForm()
    context = {**SUPPLIER_FORM, **_supplier_context(None)}
    if request.method == "GET":
        return _form_view(form=form, **context)
    return _save(
        form,
        lambda: services.create_supplier(db.session, **_values(form, SUPPLIER_FIELDS)),
        success=lambda s: f"Supplier {s.code} created.",
        next_url=url_for("catalog.suppliers"),
        **context,
    )


@bp.route("/suppliers/validate", methods=["POST"])
@roles_required(*EDITORS)
def validate_new_supplier():
    form = SupplierForm()
    return _validated(
        form, lambda: services.check_supplier(db.session, **_values(form, SUPPLIER_FIELDS)),
        **SUPPLIER_FORM, **_supplier_context(None),
    )


@bp.route("/suppliers/<int:supplier_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_supplier(supplier_id: int):
    supplier = _get_or_404(Supplier, supplier_id)
    form = SupplierForm(obj=supplier)
    context = {**SUPPLIER_FORM, **_supplier_context(supplier)}
    if request.method == "GET":
        return _form_view(form=form, **context)
    return _save(
        form,
        lambda: services.update_supplier(
            db.session, supplier=supplier, **_values(form, (*SUPPLIER_FIELDS, "active"))
        ),
        success=lambda s: f"Supplier {s.code} saved.",
        next_url=url_for("catalog.suppliers"),
        **context,
    )


@bp.route("/suppliers/<int:supplier_id>/validate", methods=["POST"])
@roles_required(*EDITORS)
def validate_supplier(supplier_id: int):
    supplier = _get_or_404(Supplier, supplier_id)
    form = SupplierForm()
    return _validated(
        form,
        lambda: services.check_supplier(
            db.session, supplier=supplier, **_values(form, (*SUPPLIER_FIELDS, "active"))
        ),
        **SUPPLIER_FORM, **_supplier_context(supplier),
    )


# --- products ----------------------------------------------------------------------

PRODUCT_FIELDS = ("sku", "name", "gtin", "warranty_months", "shelf_life_days", "unit_cost")
PRODUCT_FORM = {"page": "catalog/product_form.html", "fragment": "catalog/_product_form.html"}


@bp.route("/products")
def products():
    q = _search_text()
    page = paginate(db.session, queries.products(q), number=page_number())
    in_stock = queries.in_stock_by_product(db.session, [p.id for p in page.rows])
    return render_page_or_fragment(
        "catalog/products.html", "catalog/_products_table.html", q=q, listing=page, in_stock=in_stock
    )


def _product_context(product: Product | None) -> dict:
    if product is None:
        return {"product": None, "action": url_for("catalog.new_product"),
                "validate_url": url_for("catalog.validate_new_product")}
    return {"product": product,
            "action": url_for("catalog.edit_product", product_id=product.id),
            "validate_url": url_for("catalog.validate_product", product_id=product.id)}


@bp.route("/products/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_product():
    form = ProductForm()
    context = {**PRODUCT_FORM, **_product_context(None)}
    if request.method == "GET":
        return _form_view(form=form, **context)
    return _save(
        form,
        lambda: services.create_product(db.session, **_values(form, PRODUCT_FIELDS)),
        success=lambda p: f"Product {p.sku} created.",
        next_url=url_for("catalog.products"),
        **context,
    )


@bp.route("/products/validate", methods=["POST"])
@roles_required(*EDITORS)
def validate_new_product():
    form = ProductForm()
    return _validated(
        form, lambda: services.check_product(db.session, **_values(form, PRODUCT_FIELDS)),
        **PRODUCT_FORM, **_product_context(None),
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_product(product_id: int):
    product = _get_or_404(Product, product_id)
    form = ProductForm(obj=product)
    context = {**PRODUCT_FORM, **_product_context(product)}
    if request.method == "GET":
        return _form_view(form=form, **context)
    return _save(
        form,
        lambda: services.update_product(
            db.session, product=product, **_values(form, (*PRODUCT_FIELDS, "active"))
        ),
        success=lambda p: f"Product {p.sku} saved.",
        next_url=url_for("catalog.products"),
        **context,
    )


@bp.route("/products/<int:product_id>/validate", methods=["POST"])
@roles_required(*EDITORS)
def validate_product(product_id: int):
    product = _get_or_404(Product, product_id)
    form = ProductForm()
    return _validated(
        form,
        lambda: services.check_product(
            db.session, product=product, **_values(form, (*PRODUCT_FIELDS, "active"))
        ),
        **PRODUCT_FORM, **_product_context(product),
    )


# --- warehouses --------------------------------------------------------------------

WAREHOUSE_FIELDS = ("code", "name")
WAREHOUSE_FORM = {"page": "catalog/warehouse_form.html", "fragment": "catalog/_warehouse_form.html"}


@bp.route("/warehouses")
def warehouses():
    q = _search_text()
    page = paginate(db.session, queries.warehouses(q), number=page_number())
    ids = [w.id for w in page.rows]
    return render_page_or_fragment(
        "catalog/warehouses.html", "catalog/_warehouses_table.html", q=q, listing=page,
        bin_counts=queries.bins_by_warehouse(db.session, ids),
        in_stock=queries.in_stock_by_warehouse(db.session, ids),
    )


def _warehouse_context(warehouse: Warehouse | None) -> dict:
    if warehouse is None:
        return {"warehouse": None, "action": url_for("catalog.new_warehouse"),
                "validate_url": url_for("catalog.validate_new_warehouse")}
    return {"warehouse": warehouse,
            "action": url_for("catalog.edit_warehouse", warehouse_id=warehouse.id),
            "validate_url": url_for("catalog.validate_warehouse", warehouse_id=warehouse.id)}


@bp.route("/warehouses/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_warehouse():
    form = WarehouseForm()
    context = {**WAREHOUSE_FORM, **_warehouse_context(None)}
    if request.method == "GET":
        return _form_view(form=form, **context)
    return _save(
        form,
        lambda: services.create_warehouse(db.session, **_values(form, WAREHOUSE_FIELDS)),
        success=lambda w: f"Warehouse {w.code} created with its DOCK and QUARANTINE bins.",
        next_url=url_for("catalog.warehouses"),
        **context,
    )


@bp.route("/warehouses/validate", methods=["POST"])
@roles_required(*EDITORS)
def validate_new_warehouse():
    form = WarehouseForm()
    return _validated(
        form, lambda: services.check_warehouse(db.session, **_values(form, WAREHOUSE_FIELDS)),
        **WAREHOUSE_FORM, **_warehouse_context(None),
    )


@bp.route("/warehouses/<int:warehouse_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_warehouse(warehouse_id: int):
    warehouse = _get_or_404(Warehouse, warehouse_id)
    form = WarehouseForm(obj=warehouse)
    context = {**WAREHOUSE_FORM, **_warehouse_context(warehouse)}
    if request.method == "GET":
        return _form_view(form=form, **context)
    return _save(
        form,
        lambda: services.update_warehouse(
            db.session, warehouse=warehouse, **_values(form, (*WAREHOUSE_FIELDS, "active"))
        ),
        success=lambda w: f"Warehouse {w.code} saved.",
        next_url=url_for("catalog.warehouses"),
        **context,
    )


@bp.route("/warehouses/<int:warehouse_id>/validate", methods=["POST"])
@roles_required(*EDITORS)
def validate_warehouse(warehouse_id: int):
    warehouse = _get_or_404(Warehouse, warehouse_id)
    form = WarehouseForm()
    return _validated(
        form,
        lambda: services.check_warehouse(
            db.session, warehouse=warehouse, **_values(form, (*WAREHOUSE_FIELDS, "active"))
        ),
        **WAREHOUSE_FORM, **_warehouse_context(warehouse),
    )


# --- bins --------------------------------------------------------------------------

BIN_FORM = {"page": "catalog/bin_form.html", "fragment": "catalog/_bin_form.html"}
PATTERN_FORM = {"page": "catalog/bin_pattern.html", "fragment": "catalog/_bin_pattern_form.html"}


@bp.route("/warehouses/<int:warehouse_id>/bins")
def bins(warehouse_id: int):
    warehouse = _get_or_404(Warehouse, warehouse_id)
    q = _search_text()
    page = paginate(db.session, queries.bins(warehouse.id, q), number=page_number())
    return render_page_or_fragment(
        "catalog/bins.html", "catalog/_bins_table.html", warehouse=warehouse, q=q, listing=page,
        item_counts=queries.items_by_bin(db.session, [b.id for b in page.rows]),
    )


def _pattern_preview(form: BinPatternForm, warehouse: Warehouse) -> dict:
    """Count, first codes and clashes of the pattern in the form; errors go
    beside their segment, or above the preview when they concern the whole."""
    try:
        pattern = parse_bin_pattern(form.segments, form.separator.data or "")
    except BadSegment as error:
        field = getattr(form, f"segment{error.details['segment']}")
        field.errors = [*field.errors, error.message]
        return {"pattern": None}
    except DomainError as error:
        form.form_errors.append(error.message)
        return {"pattern": None}
    existing = services.existing_bin_codes(db.session, warehouse_id=warehouse.id, codes=pattern.codes())
    return {"pattern": pattern, "existing": existing}


@bp.route("/warehouses/<int:warehouse_id>/bins/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_bins(warehouse_id: int):
    warehouse = _get_or_404(Warehouse, warehouse_id)
    form = BinPatternForm(data=BinPatternForm.EXAMPLE if request.method == "GET" else None)
    context = {**PATTERN_FORM, "warehouse": warehouse}
    if request.method == "GET":
        return _form_view(form=form, **context, **_pattern_preview(form, warehouse))
    if form.validate():
        preview = _pattern_preview(form, warehouse)
        if preview["pattern"] is not None:
            try:
                result = services.create_bins(
                    db.session, warehouse=warehouse, codes=preview["pattern"].codes(),
                    skip_existing=form.skip_existing.data,
                )
            except DomainError as error:
                db.session.rollback()
                form.form_errors.append(error.message)
            else:
                db.session.commit()
                message = f"Created {len(result.created):,} bins in {warehouse.code}."
                if result.skipped:
                    message += f" Skipped {len(result.skipped):,} that already existed."
                flash(message, "success")
                return redirect_to(url_for("catalog.bins", warehouse_id=warehouse.id))
        return _form_view(form=form, status=422, **context, **preview)
    return _form_view(form=form, status=422, pattern=None, **context)


@bp.route("/warehouses/<int:warehouse_id>/bins/preview", methods=["POST"])
@roles_required(*EDITORS)
def preview_bins(warehouse_id: int):
    warehouse = _get_or_404(Warehouse, warehouse_id)
    form = BinPatternForm()
    form.validate()
    return _form_view(form=form, **PATTERN_FORM, warehouse=warehouse,
                      **_pattern_preview(form, warehouse))


def _bin_context(bin_: Bin) -> dict:
    return {"bin": bin_, "warehouse": bin_.warehouse,
            "action": url_for("catalog.edit_bin", bin_id=bin_.id),
            "validate_url": url_for("catalog.validate_bin", bin_id=bin_.id)}


@bp.route("/bins/<int:bin_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_bin(bin_id: int):
    bin_ = _get_or_404(Bin, bin_id)
    form = BinForm(obj=bin_)
    context = {**BIN_FORM, **_bin_context(bin_)}
    if request.method == "GET":
        return _form_view(form=form, **context)
    return _save(
        form,
        lambda: services.update_bin(db.session, bin_=bin_, code=form.code.data, active=form.active.data),
        success=lambda b: f"Bin {b.code} saved.",
        next_url=url_for("catalog.bins", warehouse_id=bin_.warehouse_id),
        **context,
    )


@bp.route("/bins/<int:bin_id>/validate", methods=["POST"])
@roles_required(*EDITORS)
def validate_bin(bin_id: int):
    bin_ = _get_or_404(Bin, bin_id)
    form = BinForm()
    return _validated(
        form,
        lambda: services.check_bin(db.session, bin_=bin_, code=form.code.data, active=form.active.data),
        **BIN_FORM, **_bin_context(bin_),
    )
