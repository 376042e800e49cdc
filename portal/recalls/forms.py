"""Forms of the recall pages: open a recall (reason and criteria, a list of
serials pasted or uploaded); quarantine and close are bare forms (their CSRF
token only)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_LOT, MAX_REASON

_LONG = "This is too long."


class NewRecallForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Say why the supplier recalls these units."),
                                                 Length(max=MAX_REASON, message=_LONG)])
    supplier = StringField("Supplier code", validators=[Optional(), Length(max=32, message=_LONG)])
    product = StringField("Product SKU", validators=[Optional(), Length(max=64, message=_LONG)])
    lot = StringField("Lot", validators=[Optional(), Length(max=MAX_LOT, message=_LONG)])
    receipts = StringField("Receipt numbers", validators=[Optional(), Length(max=2000, message=_LONG)])
    received_from = StringField("Received from", validators=[Optional(), Length(max=10, message=_LONG)])
    received_to = StringField("Received to", validators=[Optional(), Length(max=10, message=_LONG)])
    serials = TextAreaField("Serials")
    serials_file = FileField("Or a file of serials")


class ActionForm(FlaskForm):
    """Quarantine, close: nothing but the CSRF token."""
