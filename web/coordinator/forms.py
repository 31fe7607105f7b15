from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional


class MemberActionForm(FlaskForm):
    action = HiddenField()
    note = TextAreaField(_l("Note to the member (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))
