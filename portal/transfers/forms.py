"""Forms of the transfer pages: open a transfer, a scan (a serial, and at the
destination the bin it goes into); dispatch, close and take off are bare forms
(their CSRF token only)."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_REFERENCE


class NewTransferForm(FlaskForm):
    from_warehouse = StringField("From", validators=[DataRequired("Name the warehouse it leaves."), Length(max=32)])
    to_warehouse = StringField("To", validators=[DataRequired("Name the warehouse it goes to."), Length(max=32)])
    reference = StringField("Reference", validators=[Optional(), Length(max=MAX_REFERENCE,
                                                                        message="This is too long.")])


class ScanForm(FlaskForm):
    serial = StringField("Serial", validators=[DataRequired("Scan or type a serial."), Length(max=200)])
    bin = StringField("Bin", validators=[Optional(), Length(max=80)])


class ActionForm(FlaskForm):
    """Dispatch, close, take off: nothing but the CSRF token."""
