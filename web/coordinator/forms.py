"""Forms of the coordinator area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .. import taxonomy
from ..profile.forms import options
from ..runs.services import WEIGHT_LABELS
from ..validation import Form


class ButtonForm(Form):
    """A button and the CSRF token (publish, discard, reset a second factor)."""


class MemberActionForm(Form):
    action = HiddenField()
    note = TextAreaField(_l("Note to the member (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class PairForm(Form):
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


class ForbidForm(Form):
    mentor = StringField(_l("Mentor (member number or email)"), validators=[Length(max=254)])
    mentee = StringField(_l("Mentee (member number or email)"), validators=[Length(max=254)])
    note = TextAreaField(_l("Note (for coordinators)"), validators=[Optional(), Length(max=2000)])


class EndForm(Form):
    reason = TextAreaField(_l("Why it ends"), validators=[Length(max=2000)])


class ReopenForm(Form):
    member = StringField(_l("Member (number or email)"), validators=[Length(max=254)])


class CoordinatorForm(Form):
    member = StringField(_l("Member (number or email)"), validators=[Length(max=254)])
    scope = SelectField(
        _l("Scope"),
        choices=lambda: options([("", _l("Regional (all countries)"))] + list(taxonomy.COUNTRIES.items())),
        validate_choice=False,
    )


class CommaDecimalField(DecimalField):
    """A decimal typed with a comma (0,4 on a Russian keyboard) or a point."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() for v in valuelist])


class WhatIfForm(Form):
    """One number field per matcher weight (added below from ``WEIGHT_LABELS``)."""


for _name, _label in WEIGHT_LABELS.items():
    setattr(
        WhatIfForm,
        _name,
        CommaDecimalField(
            _label,
            places=2,
            validators=[InputRequired(), NumberRange(min=0, max=1, message=_l("Between 0 and 1."))],
            description=_l("From 0 (ignored) to 1. The score is the weighted mean, so only the proportions count."),
        ),
    )


def weights_from(form: WhatIfForm) -> dict[str, float]:
    return {name: float(getattr(form, name).data) for name in WEIGHT_LABELS}
