"""The development outbox: the emails the service would have sent."""

from __future__ import annotations

from flask import abort, current_app, render_template

from ...extensions import db
from ...models import OutboxEmail
from . import bp


@bp.get("/outbox")
def outbox():
    if current_app.config.get("MAIL_SERVER"):
        abort(404)
    mails = db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(50))
    return render_template("coordinator/outbox.html", mails=list(mails))
