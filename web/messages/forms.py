from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ..validation import Form


class MessageForm(Form):
    body = TextAreaField(_l("Your message"), description=_l("Plain text. Links become clickable."))


class ActionForm(Form):
    """Accept, ignore, block, delete, resolve: nothing but the CSRF token."""


class ReportForm(Form):
    messages = SelectMultipleField(
        _l("Messages to show the coordinators"),
        coerce=int,
        choices=[],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    note = TextAreaField(_l("What happened? (optional)"))
