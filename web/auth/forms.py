from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import InputRequired, Length

from ..profile.forms import ProfileFields


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))])
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class RegistrationForm(ProfileFields):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email.")), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Choose a password."))],
        description=_l("At least 10 characters. A short sentence is easy to remember."),
    )
    password_confirm = PasswordField(_l("Repeat the password"), validators=[InputRequired(_l("Repeat the password."))])
    consent = BooleanField(_l("I have read the privacy notice and agree to it"))
    submit = SubmitField(_l("Apply to join"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(_l("New password"), validators=[InputRequired()], description=_l("At least 10 characters."))
    new_password_confirm = PasswordField(_l("Repeat the new password"), validators=[InputRequired()])
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email."))])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired()], description=_l("At least 10 characters."))
    password_confirm = PasswordField(_l("Repeat the new password"), validators=[InputRequired()])
    submit = SubmitField(_l("Set new password"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))
