"""Profile rules: validation shared by registration and editing, and privacy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .. import taxonomy
from ..extensions import db
from ..models import Member, MemberLanguage, MemberTopic
from ..validation import ValidationFailed

MAX_TOPICS = 10


def clean_profile(data: dict) -> dict:
    """Check profile values; return them normalised or raise ValidationFailed with every problem."""
    errors: list[tuple[str | None, object]] = []
    out: dict = {}
    name = (data.get("display_name") or "").strip()
    if not name:
        errors.append(("display_name", _l("Enter the name other members will see.")))
    elif len(name) > 80:
        errors.append(("display_name", _l("Use at most %(n)d characters.", n=80)))
    out["display_name"] = name
    for field, vocabulary, message in (
        ("country", taxonomy.COUNTRIES, _l("Choose your country from the list.")),
        ("agency_kind", taxonomy.AGENCY_KINDS, _l("Choose the kind of agency from the list.")),
        ("locale", taxonomy.UI_LANGUAGES, _l("Choose an interface language from the list.")),
    ):
        value = data.get(field)
        if value not in vocabulary:
            errors.append((field, message))
        out[field] = value
    agency_name = (data.get("agency_name") or "").strip()
    if not agency_name:
        errors.append(("agency_name", _l("Enter the name of your agency.")))
    out["agency_name"] = agency_name[:160]
    out["rank"] = (data.get("rank") or "").strip()[:80]
    years = data.get("years_of_service")
    try:
        years = int(years)
        if not 0 <= years <= 50:
            raise ValueError
    except (TypeError, ValueError):
        errors.append(("years_of_service", _l("Enter a number from 0 to 50.")))
        years = None
    out["years_of_service"] = years
    languages = sorted(set(data.get("languages") or []))
    if not languages:
        errors.append(("languages", _l("Choose at least one language you work in.")))
    elif any(code not in taxonomy.LANGUAGES for code in languages):
        errors.append(("languages", _l("Choose languages from the list.")))
    out["languages"] = languages
    role = data.get("role")
    if role not in taxonomy.ROLES:
        errors.append(("role", _l("Choose whether you want a mentor, want to mentor, or both.")))
    out["is_mentee"] = role in ("mentee", "both")
    out["is_mentor"] = role in ("mentor", "both")
    capacity = 0
    if out["is_mentor"]:
        try:
            capacity = int(data.get("capacity") or 0)
        except (TypeError, ValueError):
            capacity = 0
        if not 1 <= capacity <= 3:
            errors.append(("capacity", _l("A mentor takes 1 to 3 mentees.")))
    out["capacity"] = capacity
    for field in ("skills", "goals"):
        slugs = sorted(set(data.get(field) or []))
        if any(slug not in taxonomy.TOPICS for slug in slugs):
            errors.append((field, _l("Choose topics from the list.")))
        elif len(slugs) > MAX_TOPICS:
            errors.append((field, _l("Choose at most %(n)d topics.", n=MAX_TOPICS)))
        out[field] = slugs
    if out["is_mentor"] and not out["skills"]:
        errors.append(("skills", _l("As a mentor, choose at least one skill you can share.")))
    if out["is_mentee"] and not out["goals"]:
        errors.append(("goals", _l("As a mentee, choose at least one topic you want to grow in.")))
    for field in ("goals_text", "bio"):
        text = (data.get(field) or "").strip()
        if len(text) > 2000:
            errors.append((field, _l("Use at most %(n)d characters.", n=2000)))
        out[field] = text
    if errors:
        raise ValidationFailed(errors)
    return out


def apply_profile(member: Member, values: dict) -> Member:
    """Write cleaned profile values onto a member (no commit)."""
    for key in (
        "display_name",
        "country",
        "agency_kind",
        "agency_name",
        "rank",
        "years_of_service",
        "is_mentee",
        "is_mentor",
        "capacity",
        "goals_text",
        "bio",
        "locale",
    ):
        setattr(member, key, values[key])
    wanted_languages = set(values["languages"])
    member.languages = [lang for lang in member.languages if lang.code in wanted_languages] + [
        MemberLanguage(code=code) for code in sorted(wanted_languages - {lang.code for lang in member.languages})
    ]
    wanted = {("skill", s) for s in values["skills"]} | {("goal", g) for g in values["goals"]}
    have = {(t.kind, t.slug) for t in member.topics}
    member.topics = [t for t in member.topics if (t.kind, t.slug) in wanted] + [
        MemberTopic(kind=kind, slug=slug) for kind, slug in sorted(wanted - have)
    ]
    return member


def update_profile(member: Member, data: dict, privacy: dict) -> Member:
    """Save the profile form. A new email needs the current password and must be free."""
    errors: list = []
    new_email = (data.get("email") or member.email).strip().lower()
    if new_email != member.email:
        from ..auth.emails import email_problems, find_by_email
        from ..auth.passwords import verify_password

        errors += [("email", m) for m in email_problems(new_email)]
        if not errors and find_by_email(new_email) is not None:
            errors.append(("email", _l("An account with this email already exists.")))
        if not verify_password(member.password_hash, data.get("current_password") or ""):
            errors.append(("current_password", _l("Enter your current password to change your email.")))
    try:
        values = clean_profile(data)
    except ValidationFailed as exc:
        errors = exc.errors + errors
    if errors:
        raise ValidationFailed(errors)
    if new_email != member.email:
        from ..mail import queue_email

        old = member.email
        member.email = new_email
        queue_email(
            old,
            str(_l("Your Bridges email was changed")),
            str(
                _l(
                    "The email of your Bridges account was changed to %(email)s. "
                    "If you did not do this, contact your national focal point at once.",
                    email=new_email,
                )
            ),
            member_id=member.id,
        )
    apply_profile(member, values)
    for key in ("show_agency_name", "show_rank", "show_bio", "show_email"):
        setattr(member, key, bool(privacy.get(key)))
    if privacy.get("email_notifications") in ("immediately", "digest", "off"):
        member.email_notifications = privacy["email_notifications"]
    db.session.flush()
    return member


def profile_form_data(member: Member) -> dict:
    """A member's stored profile in the shape of the profile form."""
    return {
        "email": member.email,
        "display_name": member.display_name,
        "country": member.country,
        "agency_kind": member.agency_kind,
        "agency_name": member.agency_name,
        "rank": member.rank,
        "years_of_service": member.years_of_service,
        "languages": member.language_codes,
        "role": member.role,
        "capacity": str(member.capacity or 1),
        "skills": member.skills,
        "goals": member.goals,
        "goals_text": member.goals_text,
        "bio": member.bio,
        "locale": member.locale,
        "show_agency_name": member.show_agency_name,
        "show_rank": member.show_rank,
        "show_bio": member.show_bio,
        "show_email": member.show_email,
        "email_notifications": member.email_notifications,
    }


def visible_profile(member: Member, viewer: Member) -> dict:
    """What ``viewer`` may see of ``member``; the rule is ``web.policy.visible_profile``."""
    from ..policy import visible_profile as decide

    return decide(member, viewer)
