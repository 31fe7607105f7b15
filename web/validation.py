"""The one error type services raise when input breaks a rule, and the text checks
every form shares (no control characters; no direction overrides in names)."""

from __future__ import annotations

import re
import unicodedata

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms.fields import EmailField, HiddenField, PasswordField, SearchField, StringField, TextAreaField


class ValidationFailed(Exception):
    """A list of ``(field, message)``; ``field`` is a form field name or ``None`` for the form."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("; ".join(str(m) for _, m in errors))
        self.errors = errors

    def apply_to(self, form) -> None:
        """Put the messages on the form's fields so the page shows them beside each input."""
        for field, message in self.errors:
            target = getattr(form, field, None) if field else None
            if target is not None:
                target.errors = list(target.errors or []) + [str(message)]
            else:
                form.form_errors.append(str(message))


# C0 and C1 controls and DEL, but not tab and line breaks (text areas hold them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Direction overrides and isolates: they make a name read differently from how it is stored.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Fields that hold a name somebody else reads (a display name, an agency).
NAME_FIELDS = frozenset({"display_name", "agency_name", "rank", "name"})

CONTROL_MESSAGE = _l("Remove the invisible control characters from this text.")
BIDI_MESSAGE = _l("Remove the invisible direction marks from this name.")


def text_problems(value: object, *, name: bool = False) -> list:
    """Translated reasons a piece of text is refused (empty when it is acceptable)."""
    if not isinstance(value, str):
        return []
    if _CONTROL.search(value) or any(unicodedata.category(c) == "Cs" for c in value):
        return [CONTROL_MESSAGE]
    if name and _BIDI.search(value):
        return [BIDI_MESSAGE]
    return []


def data_problems(data: dict) -> list[tuple[str, object]]:
    """``text_problems`` for every string (or list of strings) in a dict of form data."""
    errors = []
    for key, value in data.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            problems = text_problems(item, name=key in NAME_FIELDS)
            if problems:
                errors.append((key, problems[0]))
                break
    return errors


_TEXT_FIELDS = (StringField, TextAreaField, EmailField, PasswordField, HiddenField, SearchField)


class Form(FlaskForm):
    """The base of every form: text fields refuse control characters (NUL breaks
    PostgreSQL and hides text), and name fields refuse direction overrides."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # After a CSRF failure the page is only shown again (web/main/errors.py): never acted on.
        return self.check_text() and ok and not g.get("csrf_failed")

    def is_submitted(self) -> bool:
        return super().is_submitted() and not g.get("csrf_failed")

    def check_text(self) -> bool:
        """Put an error on each text field that holds forbidden characters; True when none does.
        Views that validate through a service call it before the service."""
        ok = True
        for field in self:
            if not isinstance(field, _TEXT_FIELDS) or field.name == "csrf_token":
                continue
            problems = text_problems(field.data, name=field.name in NAME_FIELDS)
            if problems:
                field.errors = list(field.errors or []) + [str(problems[0])]
                ok = False
        return ok


# The largest id a URL may carry: PostgreSQL's integer. A bigger one cannot exist, so
# it is a 404 rather than an overflow error from the database.
MAX_ID = 2**31 - 1
MAX_PAGE = 10_000


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a positive number of at most ten digits within ``MAX_ID``."""

    regex = r"\d{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_arg(name: str = "page") -> int:
    """The page number of the query string, clamped to 1..MAX_PAGE (junk reads as 1)."""
    value = request.args.get(name, 1, type=int) or 1
    return min(max(value, 1), MAX_PAGE)
