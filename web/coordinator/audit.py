"""Reading the audit log (``web.audit.record`` writes it), within the coordinator's scope,
and saying each entry as a translated sentence (the log keeps codes and ids)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import or_, select

from .. import policy, taxonomy
from ..extensions import db
from ..matches import rules
from ..models import (
    AuditLog,
    Member,
)

# What each action code is called in the filter; an unknown code is shown as it is.
ACTION_LABELS: dict[str, Any] = {
    "coordinator.sign_in": _l("Signed in to a coordinator account"),
    "coordinator.second_factor": _l("Entered the second-factor code"),
    "coordinator.second_factor_failed": _l("Entered a wrong second-factor code"),
    "coordinator.second_factor_locked": _l("Locked out after wrong second-factor codes"),
    "coordinator.second_factor_enrol": _l("Set up the authenticator app"),
    "coordinator.grant": _l("Made a member a coordinator"),
    "coordinator.scope": _l("Changed a coordinator's scope"),
    "coordinator.revoke": _l("Removed a coordinator"),
    "coordinator.totp_reset": _l("Reset a coordinator's second factor"),
    "member.approve": _l("Approved an application"),
    "member.reject": _l("Refused an application"),
    "member.suspend": _l("Suspended a member"),
    "member.reactivate": _l("Reactivated a member"),
    "member.reopen": _l("Re-opened a member to matching"),
    "pair.manual": _l("Proposed a pair by hand"),
    "pair.override": _l("Overrode a matching rule"),
    "pair.forbid": _l("Banned a pair"),
    "mentorship.end": _l("Ended a mentorship"),
    "run.start": _l("Started a matching run"),
    "run.what_if": _l("Started a what-if run"),
    "run.publish": _l("Published a matching run"),
    "run.discard": _l("Discarded a matching run"),
    "export.figures": _l("Exported the programme figures"),
    "export.run_pairs": _l("Exported a run's pairs"),
    "export.run_unmatched": _l("Exported a run's unmatched mentees"),
    "export.run_print": _l("Opened a run's printable report"),
    "account.export": _l("Exported a member's data on her request"),
    "account.delete": _l("Deleted a member's account"),
}


def audit_entries(coordinator: Member, action: str | None = None):
    """Newest first. A focal point reads what coordinators of her country did and what was
    done to members of her country."""
    stmt = select(AuditLog)
    if action:
        stmt = stmt.where(or_(AuditLog.action == action, AuditLog.action.like(f"{action}.%")))
    stmt = stmt.where(policy.audit_clause(coordinator))
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def audit_actions() -> list[tuple[str, str]]:
    """The filter's options: (code, translated name), by name."""
    codes = db.session.scalars(select(AuditLog.action).distinct())
    return sorted(((code, action_label(code)) for code in codes), key=lambda pair: pair[1].casefold())


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def _ids(entry: AuditLog) -> set[int]:
    detail = entry.detail or {}
    found = {entry.actor_id} if entry.actor_id else set()
    if entry.target_type == "member" and str(entry.target_id).isdigit():
        found.add(int(entry.target_id))
    for key in ("mentor", "mentee"):
        if isinstance(detail.get(key), int):
            found.add(detail[key])
    return found


def sentences(entries) -> dict[int, str]:
    """Each entry's sentence, by entry id; the members named are loaded in one query."""
    entries = list(entries)
    wanted = set().union(*(_ids(e) for e in entries)) if entries else set()
    names = {m.id: m.display_name for m in db.session.scalars(select(Member).where(Member.id.in_(wanted)))} if wanted else {}
    return {e.id: describe(e, names) for e in entries}


def _name(names: dict[int, str], member_id) -> str:
    if member_id in names:
        return names[member_id]
    return str(_l("a deleted member")) if member_id else str(_l("nobody"))


def _target_member(entry: AuditLog, names: dict[int, str]) -> str:
    return _name(names, int(entry.target_id)) if str(entry.target_id).isdigit() else str(_l("a deleted member"))


def _problems(codes) -> str:
    return " ".join(rules.message(code) for code in codes or [])


def _scope_name(scope) -> str:
    return str(_l("all countries")) if not scope else taxonomy.COUNTRIES.get(scope, scope)


def describe(entry: AuditLog, names: dict[int, str]) -> str:  # noqa: C901, PLR0911, PLR0912 - one branch a code
    """One entry as a sentence in the page's language, with its details (names, not ids)."""
    d = entry.detail or {}
    code = entry.action
    who = _target_member(entry, names) if entry.target_type == "member" else ""
    pair = {"mentor": _name(names, d.get("mentor")), "mentee": _name(names, d.get("mentee"))}
    run = entry.target_id if entry.target_type == "matchrun" else ""
    note = str(_l("Note: %(note)s", note=d["note"])) if d.get("note") else ""
    reason = str(_l("Reason: %(reason)s", reason=d["reason"])) if d.get("reason") else ""
    if code == "pair.manual":
        text = str(_l("Proposed %(mentor)s as mentor of %(mentee)s.", **pair))
        return _join(
            text, _problems(d.get("broken")) and str(_l("Rules broken: %(rules)s", rules=_problems(d["broken"]))), reason
        )
    if code == "pair.override":
        text = str(_l("Paired %(mentor)s and %(mentee)s although a rule is broken.", **pair))
        return _join(text, _problems(d.get("broken")), reason)
    if code == "pair.forbid":
        return _join(str(_l("Banned the pair %(mentor)s (mentor) and %(mentee)s (mentee).", **pair)), note)
    if code == "member.reopen":
        n = int(d.get("lifted") or 0)
        return ngettext(
            "Re-opened %(name)s to matching; %(num)d ban lifted.",
            "Re-opened %(name)s to matching; %(num)d bans lifted.",
            n,
            name=who,
        )
    if code == "mentorship.end":
        return _join(str(_l("Ended a mentorship.")), reason)
    if code in ("member.approve", "member.reject", "member.suspend", "member.reactivate"):
        texts = {
            "member.approve": _l("Approved the application of %(name)s."),
            "member.reject": _l("Refused the application of %(name)s."),
            "member.suspend": _l("Suspended %(name)s."),
            "member.reactivate": _l("Reactivated %(name)s."),
        }
        return _join(str(texts[code]) % {"name": who}, note)
    if code in ("coordinator.grant", "coordinator.scope"):
        scope = _scope_name((d.get("after") or {}).get("scope"))
        text = (
            _l("Made %(name)s a coordinator for %(scope)s.")
            if code == "coordinator.grant"
            else _l("Changed the scope of %(name)s to %(scope)s.")
        )
        return str(text) % {"name": who, "scope": scope}
    if code == "coordinator.revoke":
        return str(_l("%(name)s is no longer a coordinator.", name=who))
    if code == "coordinator.totp_reset":
        return str(_l("Reset the second factor of %(name)s.", name=who))
    if code.startswith("run.") and not run:
        label = action_label(code)
        if code == "run.publish":
            n = int(d.get("proposed") or 0)
            return label + ": " + ngettext("%(num)d proposal sent.", "%(num)d proposals sent.", n)
        return label + "."
    if code in ("run.start", "run.what_if"):
        text = _l("Started matching run %(id)s.") if code == "run.start" else _l("Started what-if run %(id)s.")
        return str(text) % {"id": run}
    if code == "run.publish":
        n = int(d.get("proposed") or 0)
        return ngettext(
            "Published matching run %(id)s: %(num)d proposal sent.",
            "Published matching run %(id)s: %(num)d proposals sent.",
            n,
            id=run,
        )
    if code == "run.discard":
        return str(_l("Discarded matching run %(id)s.", id=run))
    if code.startswith("export."):
        scope = _scope_name(d.get("scope") if d.get("scope") != "all" else None)
        if code == "export.figures" or not run:
            return f"{action_label(code)} ({scope})."
        if code == "export.run_print":
            return str(_l("Opened the printable report of run %(id)s (%(scope)s).", id=run, scope=scope))
        n = int(d.get("rows") or 0)
        what = (
            ngettext("Exported %(num)d pair of run %(id)s", "Exported %(num)d pairs of run %(id)s", n, id=run)
            if code == "export.run_pairs"
            else ngettext(
                "Exported %(num)d unmatched mentee of run %(id)s",
                "Exported %(num)d unmatched mentees of run %(id)s",
                n,
                id=run,
            )
        )
        return f"{what} ({scope})."
    if code == "account.export":
        return _join(str(_l("Exported the data of %(name)s on her written request.", name=who)), note)
    if code == "account.delete":
        by_self = d.get("requested_by") == "member"
        text = _l("%(name)s deleted her account.") if by_self else _l("Deleted the account of %(name)s on her request.")
        return _join(str(text) % {"name": who}, note)
    return action_label(code) + "."


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)
