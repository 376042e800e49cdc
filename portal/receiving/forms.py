"""Receiving forms. WTForms binds the fields and checks CSRF (Flask-WTF); the
rules (codes, dates, costs, which columns exist) live in the services, so the
page, the API and the CLI give the same messages. Lengths here only stop
absurd input."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, SelectField, StringField
from wtforms.validators import Length

from ..models import Condition, Ownership
from ..web.pagination import whole_number
from . import supplier_lists as lists

CONDITIONS = [c.value for c in Condition]
OWNERSHIPS = [o.value for o in Ownership]
_LONG = "This is far too long."
_NUMBER = re.compile(r"-?[0-9]{1,9}")


def _short(n: int = 200):
    return [Length(max=n, message=_LONG)]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReceiptForm(FlaskForm):
    """What the receiver says about a shipment, and its list."""

    class Meta:
        # the one message per field the page shows comes from the service
        def bind_field(self, form, unbound_field, options):
            return unbound_field.bind(form=form, filters=[_strip], **options)

    supplier = StringField("Supplier", validators=_short())
    warehouse = StringField("Destination warehouse", validators=_short())
    reference = StringField("Reference (PO, ASN or invoice)", validators=_short())
    expected_date = StringField("Due on (optional)", validators=_short(40))
    product = StringField("Product (SKU) for rows without one", validators=_short())
    condition = StringField("Condition", default=Condition.REGULAR.value, validators=_short(40))
    ownership = StringField("Ownership", default=Ownership.OWNED.value, validators=_short(40))
    unit_cost = StringField("Unit cost for rows without one", validators=_short(40))
    sheet = StringField("Sheet name (the first sheet if empty)", validators=_short(100))
    file = FileField("Supplier's list")

    def header_values(self) -> dict:
        """The header fields as the service takes them."""
        return {name: self[name].data or None for name in (
            "supplier", "warehouse", "reference", "expected_date", "product", "condition", "ownership", "unit_cost")}

    def show_messages(self, messages: dict[str, str]) -> None:
        """Put the service's messages beside their fields."""
        for name, message in messages.items():
            if name in self:
                self[name].errors = [*self[name].errors, message]
            else:
                self.form_errors.append(message)


class MappingForm(FlaskForm):
    """The preview's choices: header row, which column holds what, the serial kind, the sheet.
    One ``column_<field>`` per field the reader knows (added below)."""

    header_row = StringField("Header row", validators=_short(12))
    serial_kind = SelectField("Serial column holds", choices=list(lists.SERIAL_KINDS), default="any",
                              validate_choice=False)
    sheet = StringField("Sheet", validators=_short(100))

    def column_choices(self, names: list[str]) -> dict[str, int | None]:
        """field -> column position; a value is a position or (older pages, the API) a header's text."""
        chosen: dict[str, int | None] = {}
        for name in lists.FIELDS:
            value = (self[f"column_{name}"].data or "").strip()
            if value in names:
                chosen[name] = names.index(value)
            elif _NUMBER.fullmatch(value) and 0 <= int(value) < len(names):
                chosen[name] = int(value)
            else:
                chosen[name] = None
        return chosen

    def header_row_choice(self) -> int | None:
        value = (self.header_row.data or "").strip()
        return int(value) if _NUMBER.fullmatch(value) else None


for _name in lists.FIELDS:
    setattr(MappingForm, f"column_{_name}", StringField(lists.FIELD_LABELS.get(_name, _name),
                                                        validators=_short(300)))


class CommitForm(FlaskForm):
    skip_invalid = BooleanField("Skip the invalid rows (the receipt records which)")
    expected_invalid = StringField(validators=_short(12))

    def expected_invalid_count(self) -> int | None:
        """How many invalid rows the receiver saw in the preview (None: not said)."""
        value = (self.expected_invalid.data or "").strip()
        return int(value) if _NUMBER.fullmatch(value) and int(value) >= 0 else None


class ArticlesForm(FlaskForm):
    """The product of each of a supplier's article numbers, remembered for the supplier."""

    article = FieldList(StringField(validators=_short(100)), max_entries=50)
    product = FieldList(StringField(validators=_short(64)), max_entries=50)

    def chosen(self) -> dict[str, str]:
        return {a.data: p.data for a, p in zip(self.article, self.product, strict=False) if a.data and p.data}


class UnexpectedForm(FlaskForm):
    serial = StringField("Serial", validators=_short())
    product = StringField("Product (SKU)", validators=_short(64))


class ReceiptSearchForm(FlaskForm):
    """The receipts list: search and page (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Reference, supplier or file name", validators=_short(100))
    page = StringField(validators=_short(12))

    def page_number(self) -> int:
        """The page asked for: 1 when not said; not ASCII digits (``²``, ``-1``) is a 422 naming ``page``,
        as on every other paged list (``web.pagination.whole_number``)."""
        return max(1, whole_number(self.page.data, name="page", default=1, maximum=100_000))
