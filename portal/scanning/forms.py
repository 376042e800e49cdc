"""The scan station's requests as WTForms forms (Flask-WTF: the CSRF token
comes in the X-CSRFToken header the station's script sends).

A form that does not validate is a request the page's script should never
have made (a malformed scan id, a field longer than any label): the view
answers 400 with the error code ``bad_scan_request``, and the station shows
the scan as refused and goes on with the next one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..errors import DomainError
from .services import CLIENT_SCAN_ID

_ID_MESSAGE = "8 to 64 letters, digits, '-', '_', '.' or ':'"


def _scan_id(label: str) -> StringField:
    return StringField(label, validators=[DataRequired(), Regexp(CLIENT_SCAN_ID, message=_ID_MESSAGE)])


class BadScanRequest(DomainError):
    status = 400
    code = "bad_scan_request"


class CheckedForm(FlaskForm):
    def checked(self) -> CheckedForm:
        """The form, validated, or :class:`BadScanRequest` naming the fields."""
        if not self.validate():
            fields = "; ".join(f"{name}: {', '.join(errors)}" for name, errors in self.errors.items())
            raise BadScanRequest(f"The scan page sent a malformed request ({fields}). Reload the page.",
                                 details=self.errors)
        return self


class StationForm(CheckedForm):
    """A request that names the page's scan session (sticky bin, order, count)."""

    session = _scan_id("Scan session")


class ScanForm(StationForm):
    client_scan_id = _scan_id("Scan id")
    code = StringField("Code", validators=[Length(max=200)])
    reason = StringField("Defect reason", validators=[Optional(), Length(max=40)])
    scanned_at = StringField("Scanned at (device time)", validators=[Optional(), Length(max=40)])
    confirm_order = BooleanField("Use the code as the order reference")
    expiry_override = StringField("Ship an expired unit anyway (a manager's note)",
                                  validators=[Optional(), Length(max=500)])


class ReturnScanForm(ScanForm):
    """A customer return's outcome: the code is the returned serial; ``bin`` the
    bin label scanned for a restock, ``replacement_serial`` the unit scanned for an exchange."""

    outcome = StringField("Outcome", validators=[DataRequired(), Length(max=20)])
    order_ref = StringField("Order reference", validators=[Optional(), Length(max=200)])
    condition = StringField("Condition", validators=[Optional(), Length(max=20)])
    bin = StringField("Bin label", validators=[Optional(), Length(max=200)])
    replacement_serial = StringField("Replacement serial", validators=[Optional(), Length(max=200)])
    note = StringField("Note", validators=[Optional(), Length(max=2000)])


class ConditionScanForm(ScanForm):
    """The condition task: the condition chosen once on the page, and its note, sent
    with every serial (the service checks both and refuses the scan, not the request)."""

    condition = StringField("Condition", validators=[Optional(), Length(max=40)])
    note = StringField("Note", validators=[Optional()])


class UndoForm(CheckedForm):
    """Undo names the scan it undoes; that scan knows its session."""

    client_scan_id = _scan_id("Scan id")
    target = StringField("Scan to undo", validators=[Optional(), Length(max=64)])


class NewOrderForm(StationForm):
    client_scan_id = _scan_id("Scan id")


class CountForm(StationForm):
    """Finish a count (no count id) or apply one (its id, from the finish answer)."""

    count_id = IntegerField("Count", validators=[Optional()])
