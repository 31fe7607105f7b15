"""Bridges web application: ``create_app`` builds it in named steps."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask

from .config import CONFIGS, Config, config_name_from_env, development_secret

log = logging.getLogger(__name__)


class ConfigurationError(RuntimeError):
    pass


def create_app(config: dict[str, Any] | str | None = None) -> Flask:
    """Build the app. ``config`` is a config name or a mapping that overrides everything."""
    overrides: dict[str, Any] = {}
    name = config_name_from_env()
    if isinstance(config, str):
        name = config
    elif isinstance(config, dict):
        overrides = dict(config)
        name = overrides.pop("CONFIG_NAME", "testing" if overrides.get("TESTING") else name)
    if name not in CONFIGS:
        raise ConfigurationError(f"Unknown configuration {name!r}; use one of {sorted(CONFIGS)}")

    app = Flask(__name__, instance_relative_config=True)
    configure(app, CONFIGS[name], overrides)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure(app: Flask, config_class: type[Config], overrides: dict[str, Any]) -> None:
    app.config.from_object(config_class)
    app.config.update(config_class.from_env(app.instance_path))
    app.config.update(overrides)
    app.config["CONFIG_NAME"] = config_class.NAME
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "bridges.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if config_class.NAME == "production":
        check_production_settings(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = development_secret(app.instance_path)
    # SQL errors in logs never carry the statement's values (message text, password hashes).
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options.setdefault("hide_parameters", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        opts = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts.setdefault("connect_args", {}).setdefault("timeout", 30)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def check_production_settings(app: Flask) -> None:
    """Refuse to start with an unsafe production setting; say loudly what else is unsafe."""
    from .config import unsafe_settings

    refused, warnings = unsafe_settings(app.config)
    for warning in warnings:
        log.warning("UNSAFE CONFIGURATION: %s", warning)
    if refused:
        raise ConfigurationError("Refusing to start in production: " + " ".join(refused))


def register_extensions(app: Flask) -> None:
    from . import i18n, page_cache, security, template_gettext
    from .extensions import babel, csrf, db, login_manager, migrate
    from .mail import init_mail

    db.init_app(app)
    with app.app_context():
        _configure_engine(db.engine)
    migrations = os.path.join(os.path.dirname(__file__), "..", "migrations")
    migrate.init_app(app, db, directory=migrations, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    template_gettext.init_app(app)  # after Flask-Babel installed its own
    page_cache.init_app(app)
    init_mail(app)
    from . import assets, observability

    observability.init_app(app)  # after ProxyFix: its WSGI layer must see the socket peer
    assets.init_app(app)


def _configure_engine(engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    from . import collation

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        collation.install_sqlite_collations(dbapi_connection)  # PostgreSQL has them from migration 0009


def register_blueprints(app: Flask) -> None:
    from .account.views import bp as account_bp
    from .account.views import requests_bp as account_requests_bp
    from .auth import totp_views, views  # noqa: F401 - the route modules of the auth blueprint
    from .auth.blueprint import bp as auth_bp
    from .coordinator.views import bp as coordinator_bp
    from .directory.views import bp as directory_bp
    from .main.views import bp as main_bp
    from .matches.views import bp as matches_bp
    from .meetings.views import bp as meetings_bp
    from .messages.views import bp as messages_bp
    from .notifications.views import bp as notifications_bp
    from .profile.views import bp as profile_bp

    for bp in (
        main_bp,
        auth_bp,
        profile_bp,
        directory_bp,
        coordinator_bp,
        matches_bp,
        meetings_bp,
        messages_bp,
        notifications_bp,
        account_bp,
        account_requests_bp,
    ):
        app.register_blueprint(bp)
    from . import policy

    app.context_processor(policy.template_helpers)  # templates ask ``may.*``; they do not decide


def register_errorhandlers(app: Flask) -> None:
    from .main.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from .commands import register

    register(app)
