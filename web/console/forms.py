"""The sign-in code form of the TOTP pages (``totp_views``), which move to ``web/auth``.

Everything else of the former console lives in ``web/coordinator``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..validation import Form
from wtforms import StringField
from wtforms.validators import Length


class TotpForm(Form):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
