from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..validation import Form


class DeleteOwnAccountForm(Form):
    password = PasswordField(_l("Your password"), validators=[InputRequired(_l("Enter your password."))])
    confirm = BooleanField(
        _l("I understand that my account and profile are erased and cannot be restored."),
        validators=[InputRequired(_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))


class CoordinatorRequestForm(Form):
    note = TextAreaField(
        _l("Written request"),
        validators=[InputRequired(_l("Say whose written request this is and when it came.")), Length(max=2000)],
        description=_l("Who asked, when and how (for example: email of 3 March to the office)."),
    )
    confirm = BooleanField(
        _l("I have the member's written request."), validators=[InputRequired(_l("Tick the box to confirm."))]
    )
    submit = SubmitField(_l("Go ahead"))
