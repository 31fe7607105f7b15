from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange

from .services import WEIGHT_LABELS


class DecideForm(FlaskForm):
    """Publish or discard: a button and the CSRF token."""


class WhatIfForm(FlaskForm):
    pass


for _name, _label in WEIGHT_LABELS.items():
    setattr(
        WhatIfForm,
        _name,
        DecimalField(
            _label,
            places=2,
            validators=[InputRequired(), NumberRange(min=0, max=10, message=_l("Between 0 and 10."))],
            description=_l("From 0 (ignored) to 10."),
        ),
    )


def weights_from(form: WhatIfForm) -> dict[str, float]:
    return {name: float(getattr(form, name).data) for name in WEIGHT_LABELS}
