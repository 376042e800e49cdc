"""The item pages' forms: the item list's filters and the as-of question (GET
forms: nothing changes, so no CSRF token; codes are the ones on the floor,
never database ids), and a serial's correction (POST, with its token)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..models import ItemStatus

_LONG = "This is far too long."


class ItemFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a read: filters in the query string

    status = SelectField("Status", default="", choices=[SelectChoice("", "Any status")] + [
        SelectChoice(s.value, s.value.replace("_", " ")) for s in ItemStatus])
    warehouse = StringField("Warehouse", validators=[Optional(), Length(max=64, message=_LONG)])
    bin = StringField("Bin", validators=[Optional(), Length(max=64, message=_LONG)])
    supplier = StringField("Supplier", validators=[Optional(), Length(max=64, message=_LONG)])
    product = StringField("Product (SKU)", validators=[Optional(), Length(max=64, message=_LONG)])
    order_ref = StringField("Order", validators=[Optional(), Length(max=100, message=_LONG)])
    received_from = DateField("Received from", validators=[Optional()])
    received_to = DateField("Received to", validators=[Optional()])
    shipped_from = DateField("Shipped from", validators=[Optional()])
    shipped_to = DateField("Shipped to", validators=[Optional()])
    defect = SelectField("Defect report", default="",
                         choices=[SelectChoice("", "Either"), SelectChoice("yes", "With a defect report")])


class CorrectionForm(FlaskForm):
    """A manager corrects the serial typed wrong (the item page; CSRF)."""

    serial = StringField("Correct serial", validators=[DataRequired("Type the serial as it should be."),
                                                       Length(max=200, message=_LONG)])
    note = TextAreaField("Why", validators=[Optional(), Length(max=2000, message=_LONG)])


class AsOfForm(FlaskForm):
    """As it was at a moment: a serial, or a warehouse (and bin), and the moment (UTC)."""

    class Meta:
        csrf = False  # a read: the question is in the query string

    at = StringField("Moment (UTC)", validators=[DataRequired("Give the moment, e.g. 2026-12-01T14:30.")])
    serial = StringField("Serial", validators=[Optional(), Length(max=200, message=_LONG)])
    warehouse = StringField("Warehouse", validators=[Optional(), Length(max=64, message=_LONG)])
    bin = StringField("Bin", validators=[Optional(), Length(max=64, message=_LONG)])

    def validate_at(self, field):
        from .as_of import parse_moment

        try:
            self.moment = parse_moment(field.data or "")
        except ValueError:
            raise ValidationError("Not a moment: write it as 2026-12-01T14:30 (UTC), or a date.") from None
