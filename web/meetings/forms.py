from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length

from ..validation import Form


class MeetingForm(Form):
    on = DateField(_l("Date"), validators=[DataRequired()])
    at = TimeField(_l("Time"), validators=[DataRequired()], description=_l("In your own time zone."))
    minutes = SelectField(_l("How long"), coerce=int, choices=[])
    place = StringField(
        _l("Place or call link"),
        validators=[DataRequired(), Length(max=300)],
        description=_l("An address, or the link to a video call."),
    )


class AnswerForm(Form):
    """Accept, decline or cancel: nothing but the CSRF token."""
