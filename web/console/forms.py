"""Forms of the coordinator console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from .. import taxonomy
from ..profile.forms import options


class ButtonForm(FlaskForm):
    """A button and the CSRF token."""


class PairForm(FlaskForm):
    mentor = StringField(_l("Mentor (member number or email)"), validators=[Length(max=254)])
    mentee = StringField(_l("Mentee (member number or email)"), validators=[Length(max=254)])
    override = BooleanField(
        _l("Override: pair them although a matching rule is broken"),
        description=_l(
            "Only for the rules on country, language and years of service. "
            "Capacity, an existing mentorship and bans are never overridden."
        ),
    )
    reason = TextAreaField(
        _l("Reason for the override"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required with the override; kept in the audit log."),
    )


class ForbidForm(FlaskForm):
    mentor = StringField(_l("Mentor (member number or email)"), validators=[Length(max=254)])
    mentee = StringField(_l("Mentee (member number or email)"), validators=[Length(max=254)])
    note = TextAreaField(_l("Note (for coordinators)"), validators=[Optional(), Length(max=2000)])


class EndForm(FlaskForm):
    reason = TextAreaField(_l("Why it ends"), validators=[Length(max=2000)])


class ReopenForm(FlaskForm):
    member = StringField(_l("Member (number or email)"), validators=[Length(max=254)])


class CoordinatorForm(FlaskForm):
    member = StringField(_l("Member (number or email)"), validators=[Length(max=254)])
    scope = SelectField(
        _l("Scope"),
        choices=lambda: options([("", _l("Regional (all countries)"))] + list(taxonomy.COUNTRIES.items())),
        validate_choice=False,
    )


class TotpForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
