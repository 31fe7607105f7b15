from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..validation import Form
from .progress import GOAL_PROGRESS


class ActionForm(Form):
    """Accept or confirm: nothing but the CSRF token."""


class DeclineForm(Form):
    reason = TextAreaField(_l("Reason (optional)"), description=_l("Only you and the coordinators see it."))


class EndForm(Form):
    reason = TextAreaField(_l("Why does the mentorship end?"), description=_l("The coordinators see the reason."))


class GoalForm(Form):
    topic = SelectField(_l("One of the mentee's goals"), choices=[], validate_choice=False)
    text = StringField(_l("Or describe a goal in your own words"))


class ProgressForm(Form):
    progress = SelectField(_l("Progress"), coerce=int, choices=[SelectChoice(p, f"{p} %") for p in GOAL_PROGRESS])


class CheckInForm(Form):
    held_on = DateField(_l("Date"), validators=[Optional()])
    how_it_went = TextAreaField(_l("How did it go?"))
    next_step = TextAreaField(_l("Next step"))


class FeedbackForm(Form):
    rating = RadioField(
        _l("How would you rate the mentorship? (1 = poor, 5 = excellent)"),
        choices=[SelectChoice(str(i), str(i)) for i in range(1, 6)],
        validate_choice=False,
    )
    worked = TextAreaField(_l("What worked well?"))
    did_not_work = TextAreaField(_l("What did not work?"))
    would_continue = BooleanField(_l("I would like to continue with this partner"))
    share_with_partner = BooleanField(_l("Show my feedback to my partner (only if she agrees to share hers too)"))
