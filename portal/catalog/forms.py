"""Catalog forms. WTForms binds and renders the fields and checks CSRF; the
rules (codes, duplicates, ranges) live in the services, so the page, the API
and the CLI give the same messages. Lengths here only stop absurd input."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from .bin_patterns import SEPARATORS

_LONG = "This is far too long."


class SupplierForm(FlaskForm):
    code = StringField("Code", validators=[Length(max=200, message=_LONG)])
    name = StringField("Name", validators=[Length(max=1000, message=_LONG)])
    trusted = BooleanField("Trusted: its receipts may be received all at once at the dock")
    active = BooleanField("Active", default=True)


class ProductForm(FlaskForm):
    sku = StringField("SKU", validators=[Length(max=200, message=_LONG)])
    name = StringField("Name", validators=[Length(max=1000, message=_LONG)])
    gtin = StringField("GTIN (barcode number, optional)", validators=[Length(max=100, message=_LONG)])
    warranty_months = StringField("Warranty (months)", default="12",
                                  validators=[Length(max=20, message=_LONG)])
    shelf_life_days = StringField("Shelf life (days, optional)",
                                  validators=[Length(max=20, message=_LONG)])
    unit_cost = StringField("Unit cost", default="0.00", validators=[Length(max=40, message=_LONG)])
    active = BooleanField("Active", default=True)


class WarehouseForm(FlaskForm):
    code = StringField("Code", validators=[Length(max=200, message=_LONG)])
    name = StringField("Name", validators=[Length(max=1000, message=_LONG)])
    active = BooleanField("Active", default=True)


class BinForm(FlaskForm):
    code = StringField("Code", validators=[Length(max=200, message=_LONG)])
    active = BooleanField("Active", default=True)


class BinPatternForm(FlaskForm):
    """Up to four segments, e.g. aisles A-D, racks 01-10, levels 1-5. The
    example fills the empty form only (a missing field in a POST stays empty)."""

    EXAMPLE = {"segment1": "A-D", "segment2": "01-10", "segment3": "1-5", "separator": "-"}

    segment1 = StringField("Aisles", validators=[Length(max=200, message=_LONG)])
    segment2 = StringField("Racks", validators=[Length(max=200, message=_LONG)])
    segment3 = StringField("Levels", validators=[Length(max=200, message=_LONG)])
    segment4 = StringField("Positions (optional)", validators=[Length(max=200, message=_LONG)])
    separator = SelectField(
        "Separator",
        choices=[SelectChoice(s, s or "none") for s in SEPARATORS],
        default="-",
    )
    skip_existing = BooleanField("Skip bins that already exist (otherwise nothing is created)")

    @property
    def segments(self) -> list[str]:
        return [self.segment1.data, self.segment2.data, self.segment3.data, self.segment4.data]
