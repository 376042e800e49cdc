"""Forms of the return pages: open a return, put a serial on it, close it;
ship and take off are bare forms (their CSRF token only)."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_NUMBER

_LONG = "This is too long."


class NewReturnForm(FlaskForm):
    supplier = StringField("Supplier code", validators=[DataRequired("Name the supplier."), Length(max=32)])
    warehouse = StringField("Warehouse code", validators=[DataRequired("Name the warehouse."), Length(max=32)])
    rma_number = StringField("RMA number", validators=[Optional(), Length(max=MAX_NUMBER, message=_LONG)])


class SerialForm(FlaskForm):
    serial = StringField("Serial", validators=[DataRequired("Scan or type a serial."), Length(max=64)])


class ReplacementForm(FlaskForm):
    replacement_serial = StringField("Replacement serial", validators=[
        DataRequired("Scan or type the serial of the unit the supplier sent."), Length(max=64)])


class CloseForm(FlaskForm):
    credit_note = StringField("Credit note", validators=[Optional(), Length(max=MAX_NUMBER, message=_LONG)])


class ActionForm(FlaskForm):
    """Ship, take off: nothing but the CSRF token."""
