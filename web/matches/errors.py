"""Refusals that also work outside a request (jobs call the services from an app context)."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import force_locale

from ..validation import ValidationFailed


def refused(errors: list[tuple[str | None, object]]) -> ValidationFailed:
    """A ValidationFailed; outside a request its lazy messages are fixed in English, since
    there is no reader whose language could be chosen and they end up in logs."""
    if has_request_context():
        return ValidationFailed(errors)
    with force_locale("en"):
        return ValidationFailed([(field, str(message)) for field, message in errors])
