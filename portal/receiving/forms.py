"""The receipt form. The service checks the codes; the form carries the fields."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from ..models import Condition, Ownership


class ReceiptForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks every POST already (header or field)

    supplier = SelectField("Supplier", choices=[], validate_choice=False)
    warehouse = SelectField("Destination warehouse", choices=[], validate_choice=False)
    reference = StringField("Reference (PO, ASN or invoice number)", validators=[Length(max=100)])
    expected_date = StringField("Expected on", validators=[Optional()])
    product = StringField("Product (SKU), when the file has none", validators=[Length(max=64)])
    condition = SelectField("Condition", choices=[(c.value, c.value.title()) for c in Condition],
                            default=Condition.REGULAR.value)
    ownership = SelectField("Ownership", choices=[(o.value, o.value.title()) for o in Ownership],
                            default=Ownership.OWNED.value)
    unit_cost = StringField("Unit cost, when the file has none", validators=[Length(max=20)])
    sheet = StringField("Sheet (Excel), when not the first", validators=[Length(max=100)])
    file = FileField("Supplier's list")
