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
from dataclasses import dataclass
from typing import Any

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


# --- new and edit pages: one editor for suppliers, products, warehouses and bins ---


@dataclass(frozen=True)
class Editor:
    """One kind of catalog record's new/edit pages and their inline validation.

    ``name`` names everything: the endpoints (``new_<name>``, ``validate_new_<name>``,
    ``edit_<name>``, ``validate_<name>``), the URLs below ``/<name>s``, the id in them
    (``<name>_id``), the templates (``catalog/<name>_form.html`` and its fragment
    ``catalog/_<name>_form.html``) and the services (``create_<name>``,
    ``update_<name>``, ``check_<name>``, which take the record as ``record_arg``)."""

    name: str
    model: type
    form: type[FlaskForm]
    fields: tuple[str, ...]  # what a new record takes; an edit also takes "active"
    created: str  # flash messages, formatted with the saved record
    saved: str
    back: Callable[[Any], str]  # the list a save returns to, given the record (None when new)
    can_create: bool = True
    record_arg: str = ""
    more_context: Callable[[Any], dict] = lambda record: {}

    def service(self, verb: str) -> Callable:
        return getattr(services, f"{verb}_{self.name}")

    def record(self, record) -> dict:
        """The record as its services take it (nothing for a new one)."""
        return {} if record is None else {self.record_arg or self.name: record}

    def values(self, form: FlaskForm, record) -> dict:
        return _values(form, self.fields if record is None else (*self.fields, "active"))

    def context(self, record) -> dict:
        name = self.name
        if record is None:
            urls = {"action": url_for(f"catalog.new_{name}"),
                    "validate_url": url_for(f"catalog.validate_new_{name}")}
        else:
            ids = {f"{name}_id": record.id}
            urls = {"action": url_for(f"catalog.edit_{name}", **ids),
                    "validate_url": url_for(f"catalog.validate_{name}", **ids)}
        return {"page": f"catalog/{name}_form.html", "fragment": f"catalog/_{name}_form.html",
                name: record, **urls, **self.more_context(record)}

    def form_page(self, record):
        """GET: the form; POST: save it (create or update), or answer 422."""
        form = self.form(obj=record)
        context = self.context(record)
        if request.method == "GET":
            return _form_view(form=form, **context)
        write = self.service("create" if record is None else "update")
        return _save(
            form,
            lambda: write(db.session, **self.record(record), **self.values(form, record)),
            success=(self.created if record is None else self.saved).format,
            next_url=self.back(record),
            **context,
        )

    def validation(self, record):
        form = self.form()
        check = self.service("check")
        return _validated(
            form, lambda: check(db.session, **self.record(record), **self.values(form, record)),
            **self.context(record),
        )

    def register(self) -> None:
        editing = roles_required(*EDITORS)
        name, prefix = self.name, f"/{self.name}s"
        if self.can_create:
            bp.add_url_rule(f"{prefix}/new", f"new_{name}", editing(lambda: self.form_page(None)),
                            methods=["GET", "POST"])
            bp.add_url_rule(f"{prefix}/validate", f"validate_new_{name}",
                            editing(lambda: self.validation(None)), methods=["POST"])
        bp.add_url_rule(f"{prefix}/<int:{name}_id>/edit", f"edit_{name}",
                        editing(lambda **ids: self.form_page(self.load(ids))), methods=["GET", "POST"])
        bp.add_url_rule(f"{prefix}/<int:{name}_id>/validate", f"validate_{name}",
                        editing(lambda **ids: self.validation(self.load(ids))), methods=["POST"])

    def load(self, ids: dict):
        return _get_or_404(self.model, ids[f"{self.name}_id"])


for _editor in (
    Editor("supplier", Supplier, SupplierForm, ("code", "name", "trusted"),
           created="Supplier {0.code} created.", saved="Supplier {0.code} saved.",
           back=lambda _: url_for("catalog.suppliers")),
    Editor("product", Product, ProductForm,
           ("sku", "name", "gtin", "warranty_months", "shelf_life_days", "unit_cost"),
           created="Product {0.sku} created.", saved="Product {0.sku} saved.",
           back=lambda _: url_for("catalog.products")),
    Editor("warehouse", Warehouse, WarehouseForm, ("code", "name"),
           created="Warehouse {0.code} created with its DOCK and QUARANTINE bins.",
           saved="Warehouse {0.code} saved.", back=lambda _: url_for("catalog.warehouses")),
    Editor("bin", Bin, BinForm, ("code",), created="", saved="Bin {0.code} saved.",
           back=lambda b: url_for("catalog.bins", warehouse_id=b.warehouse_id),
           can_create=False, record_arg="bin_", more_context=lambda b: {"warehouse": b.warehouse}),
):
    _editor.register()


# --- lists -------------------------------------------------------------------------


@bp.route("/suppliers")
def suppliers():
    q = _search_text()
    page = paginate(db.session, queries.suppliers(q), number=page_number())
    return render_page_or_fragment(
        "catalog/suppliers.html", "catalog/_suppliers_table.html", q=q, listing=page
    )


@bp.route("/products")
def products():
    q = _search_text()
    page = paginate(db.session, queries.products(q), number=page_number())
    in_stock = queries.in_stock_by_product(db.session, [p.id for p in page.rows])
    return render_page_or_fragment(
        "catalog/products.html", "catalog/_products_table.html", q=q, listing=page, in_stock=in_stock
    )


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


# --- bins --------------------------------------------------------------------------

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
