from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ..profile.forms import ProfileFields
from ..validation import Form


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=256)])
    next = HiddenField(validators=[Length(max=2000)])
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


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired()])
    new_password = PasswordField(_l("New password"), validators=[InputRequired()], description=_l("At least 10 characters."))
    new_password_confirm = PasswordField(_l("Repeat the new password"), validators=[InputRequired()])
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email.")), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[InputRequired()], description=_l("At least 10 characters."))
    password_confirm = PasswordField(_l("Repeat the new password"), validators=[InputRequired()])
    submit = SubmitField(_l("Set new password"))


class LogoutForm(Form):
    submit = SubmitField(_l("Sign out"))


class TotpForm(Form):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
