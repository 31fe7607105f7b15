"""Interface language and time zone selection, and template helpers for labels."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates
from babel.dates import get_datetime_format
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import HiddenInput

from . import taxonomy


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs and commands: callers use force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return browser_language(request.accept_languages, languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def browser_language(accepted, languages) -> str | None:
    """The first of the browser's languages, in its order of preference, that we speak.

    Each tag is tried whole, then without its last subtags: ``uz-Cyrl-UZ`` -> ``uz_Cyrl``,
    ``kk-KZ`` -> ``kk``, ``tg-TJ`` -> ``tg``. Unlike werkzeug's ``best_match`` a later exact
    match does not beat an earlier regional one (``kk-KZ, ru;q=0.8`` is Kazakh, not Russian).
    None when nothing fits; the caller then serves Russian, the network's common language."""
    ours = {code.replace("_", "-").lower(): code for code in languages}
    for value, quality in accepted:  # werkzeug keeps them sorted by quality, best first
        parts = value.replace("_", "-").lower().split("-")
        if quality <= 0 or parts == ["*"]:
            continue
        for end in range(len(parts), 0, -1):
            code = ours.get("-".join(parts[:end]))
            if code:
                return code
    return None


def bcp47(code) -> str:
    """A locale code as an HTML ``lang`` value: ``uz_Cyrl`` -> ``uz-Cyrl``."""
    return str(code).replace("_", "-")


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        try:
            ZoneInfo(current_user.timezone)
            return current_user.timezone
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return current_app.config["DEFAULT_TIMEZONE"]


class _HiddenInputWithoutId(HiddenInput):
    """The CSRF token's input: pages with several forms would otherwise repeat id="csrf_token"."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


def moment(value, fmt: str = "medium", zone=None) -> str:
    """A date and time to the minute (never seconds) in the viewer's time zone and language:
    "3 дек. 2026 г., 14:05" in Russian, "Dec 3, 2026, 2:05 PM" in English. ``zone`` (a
    ZoneInfo) shows it in somebody else's time zone instead."""
    if not value:
        return ""
    if zone is not None:
        locale = get_locale()
        when = value.astimezone(zone)
        day_text = babel_dates.format_date(when, fmt, locale=locale)
        time_text = babel_dates.format_time(when, "short", tzinfo=zone, locale=locale)
        return get_datetime_format(fmt, locale=locale).replace("{1}", day_text).replace("{0}", time_text)
    if fmt == "short":
        return format_datetime(value, "short")
    pattern = get_datetime_format(fmt, locale=get_locale())
    return pattern.replace("{1}", format_date(value, fmt)).replace("{0}", format_time(value, "short"))


def day(value, fmt: str = "medium") -> str:
    """A date alone ("3 дек. 2026 г."), for end dates and check-ins."""
    return format_date(value, fmt) if value else ""


def decimal(value, digits: int = 2) -> str:
    """A number with at most ``digits`` decimals, in the page's language: 0,47 in Russian."""
    if value is None:
        return ""
    return format_decimal(value, "#,##0" + ("." + "#" * digits if digits else ""))


def single_stop(text, name):
    """``text`` without the doubled full stop a sentence gets after a name ending in one:
    "Айгуль Т.." becomes "Айгуль Т.". Works on translated text and on escaped markup."""
    name = str(name or "")
    if not name.endswith("."):
        return text
    if isinstance(text, Markup):
        return text.replace(escape(name) + ".", escape(name))
    return str(text).replace(name + ".", name)


@functools.cache
def _translated(name: str, locale: str) -> dict[str, str]:
    return {code: str(label) for code, label in getattr(taxonomy, name).items()}


def translated(name: str) -> dict[str, str]:
    """The labels of the vocabulary ``taxonomy.<name>`` in the current language, translated once
    per process and language: a directory page shows a few hundred of them, and each lazy
    translation costs about 0.2 ms."""
    return _translated(name, str(get_locale()))


def init_app(app) -> None:
    CSRFTokenField.widget = _HiddenInputWithoutId()

    @app.context_processor
    def _labels():
        from flask_babel import get_locale

        return {
            "taxonomy": taxonomy,
            "label": taxonomy.label,
            "translated": translated,
            "current_locale": str(get_locale() or "ru"),
            "ui_languages": taxonomy.UI_LANGUAGES,
        }

    app.jinja_env.filters["topic"] = lambda code: translated("TOPICS").get(code, code or "")
    app.jinja_env.filters["country"] = lambda code: translated("COUNTRIES").get(code, code or "")
    app.jinja_env.filters["agency"] = lambda code: translated("AGENCY_KINDS").get(code, code or "")
    app.jinja_env.filters["language"] = lambda code: translated("LANGUAGES").get(code, code or "")
    app.jinja_env.filters["datetime"] = moment
    app.jinja_env.filters["date"] = day
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["single_stop"] = single_stop
    app.jinja_env.filters["bcp47"] = bcp47
