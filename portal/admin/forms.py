from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..auth.services import MIN_PASSWORD_LENGTH
from ..models import Role

ROLE_CHOICES = [SelectChoice(role.value) for role in Role]


class NewUserForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired("Type a user name."), Length(max=64)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.OPERATOR.value)
    password = PasswordField(
        "Password",
        validators=[
            DataRequired("Type a password."),
            Length(min=MIN_PASSWORD_LENGTH, max=200,
                   message=f"A password needs {MIN_PASSWORD_LENGTH} to 200 characters."),
        ],
    )


class TokenForm(FlaskForm):
    user_id = SelectField("For user", coerce=int, validate_choice=False)
    name = StringField(
        "What it is for",
        validators=[DataRequired("Say what the token is for, e.g. 'ERP sync'."), Length(max=100)],
    )


def _known_role(form, field) -> None:
    if field.data not in {role.value for role in Role}:
        raise ValidationError(f"Unknown role {field.data or ''!r}.")


class RoleForm(FlaskForm):
    """A user row's role change: the role's name, one of the roles."""

    role = StringField("Role", validators=[_known_role])


class PasswordResetForm(FlaskForm):
    """A user row's password reset; the same length rule as the account service."""

    password = PasswordField(
        "New password",
        validators=[
            InputRequired("Type the new password."),
            Length(min=MIN_PASSWORD_LENGTH,
                   message=f"A password needs at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )
