"""The item list's filters: a GET form (nothing changes, so no CSRF token),
every field optional; codes are the ones on the floor, never database ids.
And the item page's change of condition or ownership (a POST with its token)."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

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


class ChangeInPlaceForm(FlaskForm):
    """Change an item's condition or its ownership (``prefix`` names which), with a
    note (its length is the service's to check, as for every note)."""

    value = SelectField("To", validators=[DataRequired("Choose what it becomes.")])
    note = TextAreaField("Note", validators=[Optional()])
