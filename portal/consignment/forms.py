"""The settle form: the last day paid and the supplier's reference."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .services import MAX_REFERENCE


class SettleForm(FlaskForm):
    until = StringField("Up to (last day paid)", validators=[DataRequired("Give the last day the settlement pays.")])
    reference = StringField("Supplier's reference", validators=[
        DataRequired("Give the supplier's reference."), Length(max=MAX_REFERENCE, message="This is too long.")])
