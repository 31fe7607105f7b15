"""Interface language and time zone selection, and template helpers for labels."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime
from flask_login import current_user

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
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        try:
            ZoneInfo(current_user.timezone)
            return current_user.timezone
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return current_app.config["DEFAULT_TIMEZONE"]


def init_app(app) -> None:
    @app.context_processor
    def _labels():
        from flask_babel import get_locale

        return {
            "taxonomy": taxonomy,
            "label": taxonomy.label,
            "current_locale": str(get_locale() or "ru"),
            "ui_languages": taxonomy.UI_LANGUAGES,
        }

    app.jinja_env.filters["topic"] = lambda code: taxonomy.label(taxonomy.TOPICS, code)
    app.jinja_env.filters["country"] = lambda code: taxonomy.label(taxonomy.COUNTRIES, code)
    app.jinja_env.filters["agency"] = lambda code: taxonomy.label(taxonomy.AGENCY_KINDS, code)
    app.jinja_env.filters["language"] = lambda code: taxonomy.label(taxonomy.LANGUAGES, code)
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
