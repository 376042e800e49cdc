from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from .services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    """A signed-in user's own password change; the same length rule as the admin's reset."""

    current_password = PasswordField("Current password", validators=[
        InputRequired("Type your current password."), Length(max=200, message="This is far too long.")])
    new_password = PasswordField("New password", validators=[
        InputRequired("Type the new password."),
        Length(min=MIN_PASSWORD_LENGTH, max=200,
               message=f"A password needs {MIN_PASSWORD_LENGTH} to 200 characters.")])
    new_password_again = PasswordField("New password again", validators=[
        InputRequired("Type the new password a second time."),
        EqualTo("new_password", message="The two new passwords are not the same.")])
