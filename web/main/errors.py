"""Error pages: short, translated, and the session is rolled back on failure."""

from __future__ import annotations

from flask import render_template, request
from flask_wtf.csrf import CSRFError

from ..extensions import db


def register(app) -> None:
    def page(code: int):
        def handler(error):
            if code >= 500:
                db.session.rollback()
                app.logger.exception("error %s on %s %s", code, request.method, request.path)
            return render_template("errors/error.html", code=code), code

        return handler

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        app.logger.info("csrf failure on %s: %s", request.path, error.description)
        return render_template("errors/error.html", code=400, csrf=True), 400
