"""Who may see and do what: the one module every page, export, email and template asks.

The rules, in one place:

* **Coordinator powers** count only for an approved coordinator who has passed her second
  factor (where one is enrolled or required); before that she is an ordinary member.
* **Scope.** A regional coordinator (``coordinator_scope`` None) covers every member; a
  national focal point covers the members of her country.
* **Cross-border rule.** A pair (proposal, mentorship, a run's pair, a ban) or a report on
  a conversation concerns two members. A focal point sees and acts on it when *either* of
  the two is of her country: she looks after her side of a cross-border pair. Private
  fields are still shown only of her own country's members.
* **Private fields** (agency name, rank, bio, email) are shown to the member herself, to a
  coordinator who covers her, and to others only as her privacy settings allow.
* **Rows naming one person** (an application, an unmatched mentee, an email) are listed
  only inside the scope. Counts that name nobody (a run's headline figures, cross-border
  flows) are region-wide, so a focal point can compare her country.
* **Coordinators act on coordinators** only when regional: a focal point never suspends,
  rejects, demotes or resets another coordinator, and nobody acts on herself.
* **Messages**: an active member may write to another active member (not herself).
* **The outbox page** exists only in development without a mail server; a focal point sees
  the emails to members she covers; links carrying a token (password reset) are masked for
  anyone but the addressee.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import String, and_, cast, false, or_, select, true

from .models import AuditLog, Member, MemberStatus, MessageReport, OutboxEmail

PRIVATE_FIELDS = ("agency_name", "rank", "bio", "email")
MEMBER_ACTIONS = ("approve", "reject", "suspend", "reactivate")


# --- who is acting as a coordinator -------------------------------------------------------


def acting_coordinator(viewer: Member | None) -> bool:
    """An approved coordinator past her second factor (when she is the one signed in)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if not (getattr(viewer, "is_coordinator", False) and viewer.is_approved):
        return False
    return _second_factor_done(viewer)


def _second_factor_done(viewer: Member) -> bool:
    if not has_request_context():
        return True  # a service called by a job or a test: the caller vouches for her
    from flask_login import current_user

    if not current_user.is_authenticated or current_user.id != viewer.id:
        return True  # deciding for someone else (an email's addressee): her role alone counts
    from flask import g

    from .auth.totp import gate_redirect

    cache = g.setdefault("policy_second_factor", {})
    if viewer.id not in cache:
        cache[viewer.id] = gate_redirect(viewer) is None
    return cache[viewer.id]


def may_enter_coordination(viewer: Member | None) -> bool:
    """Whether the header leads her to the coordinator area: an approved coordinator, also
    before her second factor (the area's door, ``coordinator_required``, then asks for the
    code or the enrolment; without the link she would have no way there)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return bool(getattr(viewer, "is_coordinator", False) and viewer.is_approved)


def is_regional(viewer: Member | None) -> bool:
    return acting_coordinator(viewer) and viewer.coordinator_scope is None


def scope_of(viewer: Member) -> str | None:
    """The country a focal point covers, or None for a regional coordinator."""
    return viewer.coordinator_scope


# --- scope: one member, a pair or report, and the same as SQL -----------------------------


def covers(viewer: Member | None, member: Member | None) -> bool:
    """The viewer coordinates this member (a missing member only for a regional coordinator)."""
    if not acting_coordinator(viewer):
        return False
    if viewer.coordinator_scope is None:
        return True
    return member is not None and member.country == viewer.coordinator_scope


def covers_any(viewer: Member | None, *members: Member | None) -> bool:
    """The cross-border rule: a pair or report is hers when either member is of her country."""
    if not acting_coordinator(viewer):
        return False
    return viewer.coordinator_scope is None or any(covers(viewer, m) for m in members)


def _ids_in_scope(viewer: Member):
    return select(Member.id).where(Member.country == viewer.coordinator_scope)


def member_clause(viewer: Member, id_column) -> Any:
    """SQL condition: ``id_column`` is a member the viewer covers."""
    if not acting_coordinator(viewer):
        return false()
    if viewer.coordinator_scope is None:
        return true()
    return id_column.in_(_ids_in_scope(viewer))


def pair_clause(viewer: Member, *id_columns) -> Any:
    """SQL condition for the cross-border rule: any of the member columns is covered."""
    if not acting_coordinator(viewer):
        return false()
    if viewer.coordinator_scope is None:
        return true()
    return or_(*(col.in_(_ids_in_scope(viewer)) for col in id_columns))


def scoped_members(viewer: Member):
    """``select(Member)`` limited to the members the viewer covers."""
    return select(Member).where(member_clause(viewer, Member.id))


def report_clause(viewer: Member) -> Any:
    """Reported conversations: the reporter or the reported member is covered."""
    return pair_clause(viewer, MessageReport.reporter_id, MessageReport.reported_member_id)


def coordinators_covering(*members: Member | None) -> list[Member]:
    """Active coordinators who cover any of these members (who is told about a report)."""
    from .extensions import db

    countries = {m.country for m in members if m is not None}
    stmt = select(Member).where(
        Member.is_coordinator.is_(True),
        Member.status == MemberStatus.ACTIVE,
        or_(Member.coordinator_scope.is_(None), Member.coordinator_scope.in_(countries or {""})),
    )
    return list(db.session.scalars(stmt.order_by(Member.id)))


def audit_clause(viewer: Member) -> Any:
    """A focal point reads what coordinators of her country did and what was done to members
    she covers; a regional coordinator reads everything."""
    if not acting_coordinator(viewer):
        return false()
    scope = viewer.coordinator_scope
    if scope is None:
        return true()
    colleagues = select(Member.id).where(Member.is_coordinator.is_(True), Member.coordinator_scope == scope)
    own = select(cast(Member.id, String)).where(Member.country == scope)
    return or_(AuditLog.actor_id.in_(colleagues), and_(AuditLog.target_type == "member", AuditLog.target_id.in_(own)))


# --- profiles -----------------------------------------------------------------------------


def may_view_profile(viewer: Member, member: Member) -> bool:
    """Any approved member sees an active member's profile; a coordinator also sees the
    pending, suspended and rejected members she covers."""
    if viewer.id == member.id:
        return True
    if member.status == MemberStatus.ACTIVE:
        return viewer.is_approved
    return covers(viewer, member)


def sees_private(viewer: Member | None, member: Member, field: str) -> bool:
    """Whether ``viewer`` sees ``field`` (one of ``PRIVATE_FIELDS``) of ``member``."""
    if viewer is not None and getattr(viewer, "id", None) == member.id:
        return True
    if covers(viewer, member):
        return True
    return bool(getattr(member, f"show_{field}"))


def profile_view_class(viewer: Member | None) -> tuple:
    """Viewers who see the same fields of every member but themselves (``sees_private``):
    members, and coordinators before their second factor, alike; an acting coordinator with
    the others of her scope. A page of profiles made for one viewer may be shown to another
    of the same class when neither of them is on it (each sees all of her own fields)."""
    if acting_coordinator(viewer):
        return ("coordinator", viewer.coordinator_scope)
    return ("member",)


def visible_profile(member: Member, viewer: Member | None) -> dict:
    """What ``viewer`` may see of ``member``: name, country, agency kind, languages, topics
    and role always; the private fields as ``sees_private`` allows (None when hidden)."""
    out = {
        "id": member.id,
        "display_name": member.display_name,
        "country": member.country,
        "skills": member.skills,
        "goals": member.goals,
        "languages": member.language_codes,
        "agency_kind": member.agency_kind,
        "role": member.role,
        "is_mentor": member.is_mentor,
        "years_of_service": member.years_of_service,
    }
    for field in PRIVATE_FIELDS:
        out[field] = getattr(member, field) if sees_private(viewer, member, field) else None
    return out


# --- acting on members, coordinators and runs ---------------------------------------------


def may_act_on_member(viewer: Member, member: Member, action: str | None = None) -> bool:
    """Approve, reject, suspend or reactivate: a member she covers, never herself, and a
    coordinator only when she is regional."""
    if action is not None and action not in MEMBER_ACTIONS:
        return False
    if member.id == viewer.id or not covers(viewer, member):
        return False
    return not member.is_coordinator or is_regional(viewer)


def may_manage_coordinators(viewer: Member) -> bool:
    """Grant, change or revoke the role, reset a second factor: regional coordinators."""
    return is_regional(viewer)


def may_act_on_coordinator(viewer: Member, coordinator: Member) -> bool:
    return may_manage_coordinators(viewer) and coordinator.id != viewer.id


def may_decide_runs(viewer: Member) -> bool:
    """Publishing, discarding and "what if" runs change the whole region."""
    return is_regional(viewer)


def may_open_runs(viewer: Member) -> bool:
    """Every coordinator may open a run; what it lists is scoped row by row."""
    return acting_coordinator(viewer)


def run_details(viewer: Member, run) -> dict:
    """A run's technical details for the viewer: the matcher summary's per-person list
    (unmatched mentees) keeps only the rows she covers."""
    from .extensions import db

    summary = dict(run.summary or {})
    if not is_regional(viewer) and summary.get("unmatched"):
        rows = summary["unmatched"]
        ids = {int(row["id"]) for row in rows if str(row.get("id", "")).isdigit()}
        people = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids or {-1})))}
        summary["unmatched"] = [
            row for row in rows if str(row.get("id", "")).isdigit() and covers(viewer, people.get(int(row["id"])))
        ]
    return {"config": run.config, "summary": summary, "timings": run.timings, "input_hash": run.input_hash}


# --- messages -----------------------------------------------------------------------------


def may_message(sender: Member, recipient: Member | None) -> bool:
    """An active member may write to another active member."""
    return (
        recipient is not None
        and sender.id != recipient.id
        and sender.status == MemberStatus.ACTIVE
        and recipient.status == MemberStatus.ACTIVE
    )


# --- the development outbox ---------------------------------------------------------------


def outbox_page_enabled() -> bool:
    """The outbox page exists only in the development configuration without a mail server."""
    config = current_app.config
    return config.get("CONFIG_NAME") == "development" and not config.get("MAIL_SERVER")


def outbox_clause(viewer: Member) -> Any:
    """Emails to members the viewer covers (emails to no member: regional only)."""
    if is_regional(viewer):
        return true()
    return member_clause(viewer, OutboxEmail.member_id)


def _token_link_pattern() -> re.Pattern:
    """Paths of every route that takes a ``token`` (password reset): derived from the URL
    map, so a new token link is masked too."""
    prefixes = []
    for rule in current_app.url_map.iter_rules():
        if "token" in rule.arguments:
            prefix = rule.rule.split("<", 1)[0]
            if prefix:
                prefixes.append(re.escape(prefix))
    if not prefixes:
        return re.compile(r"(?!x)x")
    return re.compile("(" + "|".join(prefixes) + r")[^\s<>\"']+")


def mail_body_for(viewer: Member, mail: OutboxEmail) -> str:
    """The body of an email as the viewer may read it: token links masked unless it is hers."""
    if mail.member_id is not None and mail.member_id == viewer.id:
        return mail.body
    return _token_link_pattern().sub(lambda m: m.group(1) + "…", mail.body)


# --- for templates ------------------------------------------------------------------------


class _May:
    """``may`` in templates: the policy's answers for the signed-in member."""

    def __init__(self, viewer):
        self.viewer = viewer

    def act_on(self, member: Member, action: str | None = None) -> bool:
        return may_act_on_member(self.viewer, member, action)

    def act_on_coordinator(self, member: Member) -> bool:
        return may_act_on_coordinator(self.viewer, member)

    def manage_coordinators(self) -> bool:
        return may_manage_coordinators(self.viewer)

    def decide_runs(self) -> bool:
        return may_decide_runs(self.viewer)

    def see_outbox(self) -> bool:
        return acting_coordinator(self.viewer) and outbox_page_enabled()

    def coordinate(self) -> bool:
        return acting_coordinator(self.viewer)

    def enter_coordination(self) -> bool:
        return may_enter_coordination(self.viewer)

    def message(self, member: Member) -> bool:
        return may_message(self.viewer, member)

    @property
    def scope(self) -> str | None:
        return self.viewer.coordinator_scope if acting_coordinator(self.viewer) else None


def template_helpers() -> dict[str, Any]:
    from flask_login import current_user

    return {"may": _May(current_user)}
