"""Forms of the defect pages: keeping the reasons, flagging a defect, and the
quarantine outcomes (repair, scrap). Every one carries its CSRF token."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_NAME, MAX_NOTE, STAGES

_LONG = "This is too long."


class ReasonForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Give the reason a code."), Length(max=32, message=_LONG)])
    name = StringField("Name", validators=[DataRequired("Give the reason a name."),
                                           Length(max=MAX_NAME, message=_LONG)])


class RenameReasonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the reason a name."),
                                           Length(max=MAX_NAME, message=_LONG)])


class ReasonActiveForm(FlaskForm):
    active = HiddenField(validators=[DataRequired()])


class FlagDefectForm(FlaskForm):
    reason = SelectField("Reason", validators=[DataRequired("Choose a reason.")])
    stage = SelectField("Found at", default="storage",
                        choices=[SelectChoice(stage, stage.replace("_", " ")) for stage in STAGES])
    note = TextAreaField("Note", validators=[Optional(), Length(max=MAX_NOTE, message=_LONG)])


class RepairForm(FlaskForm):
    bin = StringField("Into bin", validators=[DataRequired("Scan or choose the storage bin."),
                                              Length(max=64, message=_LONG)])
    note = StringField("What was repaired", validators=[Optional(), Length(max=MAX_NOTE, message=_LONG)])


class ScrapForm(FlaskForm):
    note = StringField("Why scrapped", validators=[DataRequired("Say why it is scrapped."),
                                                   Length(max=MAX_NOTE, message=_LONG)])
