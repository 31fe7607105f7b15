"""Conversations: the list, one conversation, writing, requests, deleting,
reporting, polling; and the coordinators' page of reported messages."""

from __future__ import annotations

from datetime import UTC

from babel.dates import get_datetime_format
from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import policy
from ..extensions import db
from ..models import Member, utcnow
from ..validation import ValidationFailed, page_arg
from . import pages, services, text
from .forms import ActionForm, MessageForm, ReportForm

bp = Blueprint("messages", __name__)


@bp.app_template_filter("message_html")
def message_html(body: str):
    return text.render(body)


@bp.get("/messages/")
def index():
    return render_template("messages/index.html", conversations=services.conversations_of(current_user))


@bp.route("/messages/new/<int:member_id>", methods=["GET", "POST"])
def start(member_id: int):
    other = db.session.get(Member, member_id)
    if not policy.may_message(current_user, other):
        abort(404)
    existing = services.find_direct(current_user, other)
    if existing is not None:
        return redirect(url_for("messages.conversation", conversation_id=existing.id))
    form = MessageForm()
    if form.validate_on_submit():
        try:
            conv = services.start_direct(current_user, other, form.body.data or "", utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            exc.apply_to(form)
        else:
            db.session.commit()
            flash(_("Your message is sent. %(name)s can now accept the conversation.", name=other.display_name), "success")
            return redirect(url_for("messages.conversation", conversation_id=conv.id))
    return render_template("messages/start.html", other=other, form=form), 422 if form.errors else 200


@bp.get("/messages/<int:conversation_id>")
def conversation(conversation_id: int, form: MessageForm | None = None, status: int = 200):
    quick = pages.cached_conversation(current_user, conversation_id, page_arg()) if form is None else None
    if quick is not None:  # kept, and nothing new to mark read
        page, other_name = quick
        return render_template("messages/conversation.html", page=page, other_name=other_name), status
    conv = services.get_conversation_for(current_user, conversation_id)
    page = pages.conversation_html(conv, current_user, page_arg(), form)
    # Read up to the newest message shown; the commit waits until the page is rendered,
    # because a commit expires every loaded row and each would be loaded again.
    changed = page.page == 1 and bool(page.last_id) and services.mark_read(conv, current_user, utcnow(), page.last_id)
    other = services.other_member(conv, current_user)
    html = render_template("messages/conversation.html", page=page, other_name=other.display_name if other else None)
    if changed:
        db.session.commit()
    return html, status


@bp.post("/messages/<int:conversation_id>/send")
def send(conversation_id: int):
    conv = services.get_conversation_for(current_user, conversation_id)
    form = MessageForm()
    if form.validate():
        try:
            services.send_message(conv, current_user, form.body.data or "", utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            exc.apply_to(form)
        else:
            db.session.commit()
            return redirect(url_for("messages.conversation", conversation_id=conv.id, _anchor="latest"))
    return conversation(conversation_id, form=form, status=422)


def _action(conversation_id: int, action, done: str):
    conv = services.get_conversation_for(current_user, conversation_id)
    if not ActionForm().validate():
        flash(_("The form has expired. Please try again."), "error")
    else:
        try:
            action(conv)
        except ValidationFailed as exc:
            db.session.rollback()
            for _field, message in exc.errors:
                flash(str(message), "error")
        else:
            db.session.commit()
            flash(done, "success")
    return redirect(url_for("messages.conversation", conversation_id=conversation_id))


@bp.post("/messages/<int:conversation_id>/accept")
def accept(conversation_id: int):
    return _action(
        conversation_id, lambda c: services.accept_request(c, current_user, utcnow()), _("You accepted the conversation.")
    )


@bp.post("/messages/<int:conversation_id>/ignore")
def ignore(conversation_id: int):
    _action(
        conversation_id,
        lambda c: services.ignore_request(c, current_user, utcnow()),
        _("The request is hidden. The other member is not told."),
    )
    return redirect(url_for("messages.index"))


@bp.post("/messages/<int:conversation_id>/block")
def block(conversation_id: int):
    return _action(
        conversation_id,
        lambda c: services.block(c, current_user, utcnow()),
        _("The conversation is blocked. Nobody can write in it any more."),
    )


@bp.post("/messages/<int:conversation_id>/unblock")
def unblock(conversation_id: int):
    return _action(
        conversation_id, lambda c: services.unblock(c, current_user, utcnow()), _("The conversation is open again.")
    )


@bp.post("/messages/<int:conversation_id>/messages/<int:message_id>/delete")
def delete(conversation_id: int, message_id: int):
    return _action(
        conversation_id,
        lambda c: services.delete_message(c, current_user, message_id, utcnow()),
        _("Your message is deleted."),
    )


@bp.route("/messages/<int:conversation_id>/report", methods=["GET", "POST"])
def report(conversation_id: int):
    conv = services.get_conversation_for(current_user, conversation_id)
    candidates = [
        m for m in services.messages_after(conv, 0, limit=10_000) if m.sender_id != current_user.id and m.deleted_at is None
    ][-50:]
    form = ReportForm()
    form.messages.choices = [SelectChoice(m.id, str(m.id)) for m in candidates]
    if form.validate_on_submit():
        try:
            services.report(conv, current_user, form.messages.data or [], form.note.data or "", utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            exc.apply_to(form)
        else:
            db.session.commit()
            flash(_("Thank you. The coordinators will look at the messages you chose."), "success")
            return redirect(url_for("messages.conversation", conversation_id=conv.id))
    return render_template(
        "messages/report.html", conv=conv, form=form, candidates=candidates, other=services.other_member(conv, current_user)
    ), 422 if form.errors else 200


@bp.get("/messages/<int:conversation_id>/poll")
def poll(conversation_id: int):
    """New messages after ``after`` as escaped HTML fragments, and the unread counts."""
    after = request.args.get("after", 0, type=int) or 0
    if pages.nothing_after(current_user, conversation_id, after):  # the common case, without loading it
        counts = services.unread_counts(current_user)
        return jsonify(messages=[], unread=counts["messages"], notifications=counts["notifications"])
    conv = services.get_conversation_for(current_user, conversation_id)
    items = pages.messages_after(conv, after)
    read_upto, action_form = services.read_by_other(conv, current_user), ActionForm()
    html = [
        render_template("messages/_message.html", m=m, conv=conv, read_upto=read_upto, action_form=action_form)
        for m in items
    ]
    changed = bool(items) and services.mark_read(conv, current_user, utcnow(), items[-1].id)
    counts = services.unread_counts(current_user)
    response = jsonify(
        messages=[{"id": m.id, "html": h} for m, h in zip(items, html, strict=True)],
        unread=counts["messages"],
        notifications=counts["notifications"],
    )
    if changed:
        db.session.commit()  # after rendering, for the reason given in conversation()
    return response


@bp.get("/messages/unread")
def unread():
    counts = services.unread_counts(current_user)
    return jsonify(unread=counts["messages"], notifications=counts["notifications"])


@bp.app_template_global()
def message_time(value):
    """``format_datetime(value, "short")`` in the reader's locale and time zone, with the
    locale's patterns looked up once per request instead of once for each of a page's 30 messages."""
    if not value:
        return ""
    patterns = g.get("_message_time_patterns")
    if patterns is None:
        locale, tz = get_locale(), get_timezone()
        combined = get_datetime_format("short", locale=locale).replace("'", "")
        patterns = g._message_time_patterns = (
            locale,
            tz,
            combined,
            locale.time_formats["short"],
            locale.date_formats["short"],
            (str(locale), str(tz)),
        )
    locale, tz, combined, time_pattern, date_pattern, where = patterns
    # The same messages are shown again and again (reloads, polls, the other member): each
    # time is formatted once per process, language and time zone.
    key = (value, where)
    text = _message_times.get(key)
    if text is None:
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz)  # stored times are UTC
        text = combined.replace("{0}", time_pattern.apply(local, locale)).replace("{1}", date_pattern.apply(local, locale))
        if len(_message_times) >= 50_000:
            _message_times.clear()
        _message_times[key] = text
    return text


_message_times: dict[tuple, str] = {}
