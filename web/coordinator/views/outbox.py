"""The development outbox: the emails the service would have sent.

Only in the development configuration without a mail server (``policy.outbox_page_enabled``);
a focal point sees the emails to members she covers, and links carrying a token are masked
for anyone but the addressee."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from ... import policy
from ...extensions import db
from ...models import OutboxEmail
from ..blueprint import bp


@bp.get("/outbox")
def outbox():
    if not policy.outbox_page_enabled():
        abort(404)
    stmt = db.select(OutboxEmail).where(policy.outbox_clause(current_user))
    mails = db.session.scalars(stmt.order_by(OutboxEmail.id.desc()).limit(50))
    shown = [(mail, policy.mail_body_for(current_user, mail)) for mail in mails]
    return render_template("coordinator/outbox.html", mails=shown)
