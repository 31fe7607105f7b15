"""Profile fields, shared by registration and profile editing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import taxonomy
from ..validation import Form


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def options(pairs) -> list[SelectChoice]:
    """Choices for WTForms (tuples are deprecated there): ``{code: label}`` or ``[(code, label)]``."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(code, label) for code, label in items]


def _choices(vocabulary):
    return lambda: options(vocabulary)


class ProfileFields(Form):
    display_name = StringField(
        _l("Display name"),
        validators=[InputRequired(_l("Enter the name other members will see.")), Length(max=80)],
        description=_l("Your name as colleagues should see it, e.g. Aigerim S."),
    )
    country = SelectField(_l("Country"), validators=[InputRequired()])
    agency_kind = SelectField(_l("Kind of agency"), validators=[InputRequired()])
    agency_name = StringField(
        _l("Agency name"),
        validators=[InputRequired(_l("Enter the name of your agency.")), Length(max=160)],
    )
    rank = StringField(_l("Rank (optional)"), validators=[Optional(), Length(max=80)])
    years_of_service = IntegerField(
        _l("Years of service"),
        validators=[
            InputRequired(_l("Enter your years of service as a whole number.")),
            NumberRange(0, 50, _l("Enter a number from 0 to 50.")),
        ],
    )
    languages = MultiCheckboxField(_l("Languages you work in"))
    role = RadioField(_l("In the mentoring programme I am"), validators=[InputRequired()])
    capacity = SelectField(
        _l("How many mentees can you take at once?"),
        choices=options([("1", "1"), ("2", "2"), ("3", "3")]),
        default="1",
        description=_l("Only for mentors."),
    )
    skills = MultiCheckboxField(_l("Skills I can share"))
    goals = MultiCheckboxField(_l("Topics I want to grow in"))
    goals_text = TextAreaField(_l("My goals in my own words (optional)"), validators=[Optional(), Length(max=2000)])
    bio = TextAreaField(_l("About me (optional)"), validators=[Optional(), Length(max=2000)])
    locale = SelectField(_l("Interface language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = _choices(taxonomy.COUNTRIES)()
        self.agency_kind.choices = _choices(taxonomy.AGENCY_KINDS)()
        self.languages.choices = _choices(taxonomy.LANGUAGES)()
        self.role.choices = _choices(taxonomy.ROLES)()
        self.skills.choices = _choices(taxonomy.TOPICS)()
        self.goals.choices = _choices(taxonomy.TOPICS)()
        self.locale.choices = options(taxonomy.UI_LANGUAGES)

    def profile_data(self) -> dict:
        return {
            "display_name": self.display_name.data,
            "country": self.country.data,
            "agency_kind": self.agency_kind.data,
            "agency_name": self.agency_name.data,
            "rank": self.rank.data,
            "years_of_service": self.years_of_service.data,
            "languages": self.languages.data or [],
            "role": self.role.data,
            "capacity": self.capacity.data,
            "skills": self.skills.data or [],
            "goals": self.goals.data or [],
            "goals_text": self.goals_text.data,
            "bio": self.bio.data,
            "locale": self.locale.data,
        }


class ProfileForm(ProfileFields):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=254)])
    current_password = PasswordField(_l("Current password (only to change your email)"), validators=[Optional()])
    show_agency_name = BooleanField(_l("Show my agency name"))
    show_rank = BooleanField(_l("Show my rank"))
    show_bio = BooleanField(_l("Show my 'About me' text"))
    show_email = BooleanField(_l("Show my email address"))
    email_notifications = SelectField(
        _l("Email notifications"),
        choices=options(
            [
                ("immediately", _l("Immediately")),
                ("digest", _l("Daily digest")),
                ("off", _l("Off")),
            ]
        ),
    )
    submit = SubmitField(_l("Save profile"))

    def profile_data(self) -> dict:
        return super().profile_data() | {
            "email": self.email.data,
            "current_password": self.current_password.data,
        }

    def privacy_data(self) -> dict:
        return {
            "show_agency_name": self.show_agency_name.data,
            "show_rank": self.show_rank.data,
            "show_bio": self.show_bio.data,
            "show_email": self.show_email.data,
            "email_notifications": self.email_notifications.data,
        }
