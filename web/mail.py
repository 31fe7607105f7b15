"""Email: every message is written to the outbox table in the caller's
transaction and delivered only after that transaction commits, so a rolled
back unit of work sends nothing. Without MAIL_SERVER the message is not sent: in
development it goes to the log and stays in the outbox page; anywhere else only its id
and subject are logged, never its body (reset links carry tokens), and start-up warns."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, g
from sqlalchemy import event, insert

from .extensions import db
from .models import OutboxEmail, utcnow

log = logging.getLogger(__name__)
_PENDING_KEY = "bridges_outbox_pending"


def queue_email(to: str, subject: str, body: str, member_id: int | None = None) -> OutboxEmail:
    """Add an email to the outbox; it is delivered once the session commits."""
    mail = OutboxEmail(to=to, subject=subject, body=body, member_id=member_id)
    db.session.add(mail)
    db.session.flush()
    db.session.info.setdefault(_PENDING_KEY, []).append(mail.id)
    return mail


def queue_emails(mails: list[dict]) -> None:
    """``queue_email`` for many emails (dicts of ``to``, ``subject``, ``body``,
    ``member_id``) in one insert; delivered once the session commits."""
    if not mails:
        return
    ids = db.session.scalars(insert(OutboxEmail).returning(OutboxEmail.id), mails).all()
    db.session.info.setdefault(_PENDING_KEY, []).extend(ids)


def after_response(fn, *args) -> None:
    """Run ``fn(*args)`` once the response has been sent, in its own app context, then commit
    and deliver what it queued. The answer then takes the same time whatever ``fn`` finds
    (a reset for a known address and for an unknown one look alike)."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                fn(*args)
                db.session.commit()
                ids = db.session.info.pop("bridges_outbox_deliver", None)
                if ids:
                    deliver(ids)
            except Exception:
                log.exception("work after the response failed: %s", getattr(fn, "__name__", fn))
                db.session.rollback()
            finally:
                db.session.remove()

    g.setdefault("bridges_after_response", []).append(run)


def init_mail(app) -> None:
    if not app.config.get("MAIL_SERVER") and app.config.get("CONFIG_NAME") == "production":
        log.warning(
            "MAIL_SERVER IS NOT SET: NO EMAIL WILL BE SENT. Password resets and notifications are "
            "written to the log without their text or links. Set MAIL_SERVER."
        )
    session_cls = db.session.session_factory.class_

    @event.listens_for(session_cls, "after_commit")
    def _after_commit(session):
        ids = session.info.pop(_PENDING_KEY, None)
        if ids:
            session.info.setdefault("bridges_outbox_deliver", []).extend(ids)

    @event.listens_for(session_cls, "after_rollback")
    def _after_rollback(session):
        session.info.pop(_PENDING_KEY, None)

    @app.after_request
    def _schedule_after_response(response):
        for run in g.pop("bridges_after_response", []):
            response.call_on_close(run)
        return response

    @app.teardown_request
    def _deliver(_exc):
        ids = db.session.info.pop("bridges_outbox_deliver", None)
        if ids:
            deliver(ids)


def deliver(ids: list[int] | None = None) -> int:
    """Send outbox emails (the given ids, or every unsent one). Returns how many went out."""
    query = db.select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
    if ids is not None:
        query = query.where(OutboxEmail.id.in_(ids))
    sent = 0
    for mail in db.session.scalars(query.order_by(OutboxEmail.id)).all():
        try:
            _send(mail)
            mail.sent_at = utcnow()
            mail.error = ""
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            mail.error = f"{type(exc).__name__}: {exc}"[:1000]
            log.warning("email %s to member %s not delivered: %s", mail.id, mail.member_id, exc)
    db.session.commit()
    return sent


def _send(mail: OutboxEmail) -> None:
    config = current_app.config
    if config.get("MAIL_SUPPRESS_SEND") and not config.get("MAIL_SERVER"):
        return
    if not config.get("MAIL_SERVER"):
        if config.get("CONFIG_NAME") == "development":
            log.info("email (no MAIL_SERVER) id=%s to=%s subject=%r\n%s", mail.id, mail.to, mail.subject, mail.body)
        else:
            log.warning("email id=%s to member %s NOT SENT (no MAIL_SERVER): %r", mail.id, mail.member_id, mail.subject)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    smtp_cls = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_cls(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
