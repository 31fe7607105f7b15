"""Every page and export, as every role, on seeded data with private markers.

The routes come from the URL map, so a route added later is walked the day it is added; a
route whose arguments the walk cannot fill fails the test (``UNWALKED`` lists the few left
out on purpose, with the reason). Each marker is a unique string in a private place (a
hidden bio, rank, agency or email, a message, a report's note, an end reason, a ban note,
a suspension note, a run's unmatched row, an email); ``ALLOWED`` says, independently of
``web.policy``, which roles may ever read it. Countries: A and C are of Kazakhstan, B and
S of Tajikistan; the focal point of another country is Uzbekistan's. Exports that answer a
POST (a member's data on her written request) are posted too (``POST_EXPORTS``); such an
export may carry the messages its member wrote, to a coordinator of her country.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from flask import url_for

from tests.conftest import AuthActions
from tests.factories import PASSWORD, make_coordinator, make_member, make_mentor
from web.audit import record
from web.auth.services import request_password_reset
from web.coordinator import actions
from web.coordinator import members as member_actions
from web.mail import queue_email
from web.messages import services as messages
from web.models import (
    Conversation,
    MatchRun,
    MatchRunPair,
    Meeting,
    MeetingState,
    Member,
    MemberStatus,
    Mentorship,
    MentorshipState,
    Message,
    MessageReport,
    Notification,
    OutboxEmail,
)

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
SEED = "JBSWY3DPEHPK3PXP"

ROLES = (
    "anonymous",
    "pending",
    "suspended",
    "member",  # A, a mentee of Kazakhstan
    "mentor",  # B, her mentor, of Tajikistan
    "other_member",  # C, of Kazakhstan, not in the pair
    "regional",
    "focal_kz",  # focal point of the mentee's country
    "focal_uz",  # focal point of another country
    "before_second_factor",  # a regional coordinator who passed only the password step
)
COUNTRY_OF = {"member": "KZ", "mentor": "TJ", "other_member": "KZ", "pending": "KZ", "suspended": "TJ"}
COORDINATORS_OF = {"KZ": {"regional", "focal_kz"}, "TJ": {"regional"}, "UZ": {"regional", "focal_uz"}}


def _private(owner_role: str, country: str) -> set[str]:
    """A member's hidden field: herself and the coordinators who cover her country."""
    return {owner_role} | COORDINATORS_OF[country]


# marker -> the roles that may read it (pages, exports and emails alike)
ALLOWED = {
    **{f"zqa{f}": _private("member", "KZ") for f in ("bio", "rank", "agency", "mail")},
    **{f"zqb{f}": _private("mentor", "TJ") for f in ("bio", "rank", "agency", "mail")},
    **{f"zqc{f}": _private("other_member", "KZ") for f in ("bio", "rank", "agency", "mail")},
    **{f"zqp{f}": _private("pending", "KZ") for f in ("bio", "rank", "agency", "mail")},
    **{f"zqs{f}": _private("suspended", "TJ") for f in ("bio", "rank", "agency", "mail")},
    # the pair's private conversation: the two of them only, never a coordinator
    "zqmsgprivate": {"member", "mentor"},
    # a reported message and the reporter's note: the pair, and coordinators of either member
    "zqmsgreported": {"member", "mentor", "regional", "focal_kz"},
    "zqreportnote": {"member", "regional", "focal_kz"},
    # where A and B meet (their meeting's place): the pair only
    "zqmeetingplace": {"member", "mentor"},
    # a direct conversation C started with A
    "zqmsgdirect": {"member", "other_member"},
    # a coordinator's reason for ending C and B's mentorship: coordinators of either member
    # (a reason for ending is shown to the one who wrote it and to coordinators)
    "zqendreason": {"regional", "focal_kz"},
    # a coordinator's ban on a pair (B2 of Tajikistan, A): coordinators of either member
    "zqbannote": {"regional", "focal_kz"},
    # the note of S's suspension: S and coordinators of Tajikistan
    "zqsuspendnote": {"suspended", "regional"},
    # C's row among a run's unmatched mentees (in the technical details): coordinators of Kazakhstan
    "zqunmatchedc": {"regional", "focal_kz"},
    # an email to A, kept in the development outbox
    "zqmailtoa": {"member", "regional", "focal_kz"},
}
# Whose data each marker is: a member's data export made on her written request carries
# the messages she wrote, to the coordinator who may act on her (the export's documented purpose).
# A meeting is data of both partners.
AUTHORS = {
    "zqmsgprivate": {"mentor"},
    "zqmsgreported": {"mentor"},
    "zqmsgdirect": {"other_member"},
    "zqreportnote": {"member"},
    "zqmeetingplace": {"member", "mentor"},
}

# Routes the walk does not open, each with its reason. Everything else must be filled.
UNWALKED = {
    "static": "files under web/static; no data",
    "auth.reset_password": "the token is a secret; covered by RESET_TOKEN in pages and emails",
}
# Exports that answer a POST (a confirmation form first), with the form they need. Every POST
# route whose endpoint names an export must be here, so a new one is walked too.
POST_EXPORTS = {
    "account_requests.export_for": {"note": "Written request, email of 3 May", "confirm": "y"},
}
EXTRA_QUERIES = {
    "coordinator.members": ["status=pending", "status=suspended", "status=rejected"],
    "coordinator.dashboard": ["country=TJ", "country=KZ&period=all"],
    "coordinator.figures_csv": ["country=TJ&period=all"],
    "coordinator.audit": ["action=member", "action=mentorship"],
    "coordinator.report": ["sort=mentee"],
    "coordinator.actions": ["mentee=1"],
    "coordinator.message_reports": ["all=1"],
    "directory.index": ["q=zq", "country=TJ", "role=mentor"],
}


@dataclass
class Seeded:
    people: dict[str, Member]
    ids: dict[str, list[int]] = field(default_factory=dict)
    reset_token: str = ""


def _hidden(db, marker: str, **kw) -> Member:
    """A member whose private fields carry ``zq<marker><field>`` and are all hidden."""
    factory = make_mentor if kw.pop("mentor", False) else make_member
    return factory(
        db,
        email=f"zq{marker}mail@example.org",
        bio=f"zq{marker}bio",
        rank=f"zq{marker}rank",
        agency_name=f"zq{marker}agency",
        show_bio=False,
        show_rank=False,
        show_agency_name=False,
        show_email=False,
        **kw,
    )


def _seed(db) -> Seeded:
    a = _hidden(db, "a", country="KZ", display_name="Aida Mentee", languages=("ru", "kk"))
    b = _hidden(db, "b", country="TJ", display_name="Bahrom Mentor", mentor=True, capacity=3)
    c = _hidden(db, "c", country="KZ", display_name="Chingiz Other", is_mentor=True, capacity=1)
    p = _hidden(db, "p", country="KZ", display_name="Pending Applicant", status=MemberStatus.PENDING)
    s = _hidden(db, "s", country="TJ", display_name="Soon Suspended")
    b2 = make_mentor(db, country="TJ", display_name="Second Mentor")
    regional = make_coordinator(db, country="KG", display_name="Regional Coordinator", email="regional@example.org")
    focal_kz = make_coordinator(db, country="KZ", coordinator_scope="KZ", display_name="Focal KZ")
    focal_uz = make_coordinator(db, country="UZ", coordinator_scope="UZ", display_name="Focal UZ")
    two_step = make_coordinator(db, country="KG", display_name="Two Step", totp_secret=SEED)

    # A and B: an active cross-border mentorship with a private and a reported message.
    ab = Mentorship(mentor_id=b.id, mentee_id=a.id, state=MentorshipState.ACTIVE, proposed_at=NOW, activated_at=NOW)
    cb = Mentorship(mentor_id=b.id, mentee_id=c.id, state=MentorshipState.ACTIVE, proposed_at=NOW, activated_at=NOW)
    db.session.add_all([ab, cb])
    db.session.flush()
    conv = messages.open_mentorship_conversation(ab, NOW)
    messages.send_message(conv, b, "zqmsgprivate: just between us", NOW)
    reported = messages.send_message(conv, b, "zqmsgreported: rude words", NOW)
    messages.report(conv, a, [reported.id], "zqreportnote: please look", NOW)
    messages.start_direct(c, a, "zqmsgdirect: hello from Chingiz", NOW)
    meeting = Meeting(
        mentorship_id=ab.id,
        proposed_by_id=a.id,
        starts_at=NOW,
        minutes=60,
        place="zqmeetingplace, room 4",
        state=MeetingState.ACCEPTED,
        answered_at=NOW,
    )
    db.session.add(meeting)
    # Coordinators at work: end C and B's mentorship, ban a pair, suspend S.
    actions.end_mentorship(regional, cb, "zqendreason: mentor moved", NOW)
    actions.forbid_pair(regional, str(b2.id), str(a.id), "zqbannote: conflict of interest", NOW)
    member_actions.suspend(s, regional, "zqsuspendnote: left the service")
    record(focal_kz, "member.note", a, note="seen")
    queue_email(a.email, "A note for Aida", "zqmailtoa: a private email", member_id=a.id)
    token = request_password_reset(regional.email)
    # A run: A and B paired, C unmatched; its input snapshot carries every profile, as a real one does.
    snapshot = "".join(
        json.dumps({"id": str(m.id), "country": m.country, "bio": m.bio, "roles": ["mentee"], "capacity": 0}) + "\n"
        for m in (a, c)
    )
    run = MatchRun(
        status="draft",
        started_at=NOW,
        config={"min_gap": 2},
        snapshot=snapshot,
        summary={
            "pool": {"members": 3, "mentees": 2, "mentors": 1, "places": 3, "pairs": 1, "unmatched_mentees": 1},
            "mentees_eligible": 2,
            "mentees_matched": 1,
            "unmatched": [
                {"id": c.id, "reason": "no_language_partner", "country": "KZ", "languages": ["ru"], "note": "zqunmatchedc"}
            ],
            "unmatched_reasons": {"no_language_partner": 1},
            "flows": [{"mentor_country": "TJ", "mentee_country": "KZ", "pairs": 1}],
        },
    )
    db.session.add(run)
    db.session.flush()
    db.session.add(MatchRunPair(run_id=run.id, mentor_id=b.id, mentee_id=a.id, score=0.8, reasons=[]))
    db.session.commit()

    people = {
        "pending": p,
        "suspended": s,
        "member": a,
        "mentor": b,
        "other_member": c,
        "regional": regional,
        "focal_kz": focal_kz,
        "focal_uz": focal_uz,
        "before_second_factor": two_step,
    }
    seeded = Seeded(people=people, reset_token=token)
    ids = seeded.ids
    ids["member_id"] = [m.id for m in (a, b, c, p, s, b2, regional, focal_kz, focal_uz, two_step)]
    ids["mentorship_id"] = [ab.id, cb.id]
    ids["conversation_id"] = list(db.session.scalars(db.select(Conversation.id)))
    ids["run_id"] = [run.id]
    ids["meeting_id"] = [meeting.id]
    ids["report_id"] = list(db.session.scalars(db.select(MessageReport.id)))
    ids["message_id"] = list(db.session.scalars(db.select(Message.id)))
    ids["notification_id"] = list(db.session.scalars(db.select(Notification.id)))
    return seeded


def _sign_in(app, seeded: Seeded, role: str):
    client = app.test_client()
    if role == "anonymous":
        return client
    auth = AuthActions(client)
    member = seeded.people[role]
    if role == "suspended":
        auth.login(member.email, PASSWORD)  # refused: she walks as a visitor with a stale attempt
        return client
    response = auth.login(member.email, PASSWORD)
    assert response.status_code == 302, (role, response.status_code)
    if role == "before_second_factor":
        assert "/login/totp" in response.headers["Location"]
    return client


def _urls(app, seeded: Seeded) -> tuple[list[tuple[str, str]], list[str]]:
    """(endpoint, url) for every GET route with every seeded id; and the routes it cannot fill."""
    urls, unfilled = [], []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in UNWALKED:
                continue
            missing = [arg for arg in rule.arguments if arg not in seeded.ids]
            if missing:
                unfilled.append(f"{rule.endpoint} ({', '.join(missing)})")
                continue
            combos = [{}]
            for arg in sorted(rule.arguments):
                combos = [{**c, arg: value} for c in combos for value in seeded.ids[arg]]
            for args in combos:
                base = url_for(rule.endpoint, **args)
                urls.append((rule.endpoint, base))
                for query in EXTRA_QUERIES.get(rule.endpoint, []):
                    urls.append((rule.endpoint, f"{base}?{query}"))
    return urls, unfilled


def _leaks(text: str, role: str, markers: dict[str, set[str]]) -> list[str]:
    return [marker for marker, allowed in markers.items() if marker in text and role not in allowed]


def _post_exports(app, seeded: Seeded) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(endpoint, url, role of the member exported) for every POST export; and unknown ones."""
    role_of = {m.id: role for role, m in seeded.people.items()}
    urls, unknown = [], []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or "export" not in rule.endpoint:
                continue
            if rule.endpoint not in POST_EXPORTS or set(rule.arguments) - {"member_id"}:
                unknown.append(rule.endpoint)
                continue
            for member_id in seeded.ids["member_id"]:
                urls.append((rule.endpoint, url_for(rule.endpoint, member_id=member_id), role_of.get(member_id, "")))
    return urls, unknown


def _export_markers(markers: dict[str, set[str]], exported: str, role: str) -> dict[str, set[str]]:
    """An export of ``exported``'s data may carry what she wrote and her meetings, to a coordinator of her country."""
    if role not in COORDINATORS_OF.get(COUNTRY_OF.get(exported, ""), set()):
        return markers
    return {m: allowed | ({role} if exported in AUTHORS.get(m, ()) else set()) for m, allowed in markers.items()}


@pytest.fixture
def walk_config(app, monkeypatch):
    """The development outbox page exists in the walk; the flood limits do not stop it."""
    monkeypatch.setitem(app.config, "CONFIG_NAME", "development")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # POST exports without reading a token
    for key in ("PROFILE_VIEW_LIMIT_ACCOUNT", "PROFILE_VIEW_LIMIT_ADDRESS"):
        if key in app.config:
            monkeypatch.setitem(app.config, key, (100_000, 60))


def test_no_page_or_export_shows_a_marker_the_policy_does_not_allow(app, db, walk_config):
    seeded = _seed(db)
    markers = {**ALLOWED, seeded.reset_token: {"regional"}}
    urls, unfilled = _urls(app, seeded)
    assert unfilled == [], "a route the walk cannot fill: add its ids to _seed or, with a reason, to UNWALKED"
    exports, unknown = _post_exports(app, seeded)
    assert unknown == [], "a POST export the walk does not know: add its form to POST_EXPORTS"
    leaks, seen, errors, downloads = [], {}, [], 0
    for role in ROLES:
        client = _sign_in(app, seeded, role)
        visits = [("GET", url, markers) for _e, url in urls]
        visits += [("POST", url, _export_markers(markers, exported, role)) for e, url, exported in exports]
        for method, url, allowed in visits:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data=POST_EXPORTS[_endpoint_of(app, url)])
                downloads += "attachment" in response.headers.get("Content-Disposition", "")
            if response.status_code >= 500:
                errors.append((role, method, url, response.status_code))
            text = response.get_data(as_text=True) + str(response.headers)
            leaks += [(role, method, url, marker) for marker in _leaks(text, role, allowed)]
            for marker in markers:
                if marker in text:
                    seen.setdefault(marker, set()).add(role)
    assert errors == []
    assert leaks == [], "\n".join(map(str, leaks))
    assert downloads or not exports, "no POST export answered with a file: its form in POST_EXPORTS is wrong"
    # The walk must be able to fail: every marker is seen by someone allowed to see it.
    assert set(markers) - set(seen) == set(), "a marker no role ever saw: the seed or the walk is broken"
    assert "regional" in seen["zqabio"] and "focal_kz" in seen["zqabio"]
    assert seen["zqmsgprivate"] >= {"member", "mentor"}


def _endpoint_of(app, url: str) -> str:
    return app.url_map.bind("localhost").match(url, method="POST")[0]


def test_no_email_carries_a_marker_to_the_wrong_addressee(app, db):
    seeded = _seed(db)
    markers = {**ALLOWED, seeded.reset_token: {"regional"}}
    by_id = {m.id: role for role, m in seeded.people.items()}
    by_email = {m.email: role for role, m in seeded.people.items()}
    wrong = []
    mails = db.session.scalars(db.select(OutboxEmail)).all()
    assert len(mails) >= 5, "the seeded flows send emails"
    for mail in mails:
        role = by_id.get(mail.member_id) or by_email.get(mail.to) or f"outsider:{mail.to}"
        wrong += [(mail.to, mail.subject, marker) for marker in _leaks(mail.subject + mail.body, role, markers)]
    assert wrong == []
    told = {by_email.get(m.to) for m in mails if seeded.reset_token in m.body}
    assert told == {"regional"}, "the reset link goes to its addressee only"


def test_the_walk_fails_on_a_leak(app, db):
    """The oracle itself: a marker outside its roles is reported."""
    assert _leaks("<p>zqabio</p>", "focal_uz", ALLOWED) == ["zqabio"]
    assert _leaks("<p>zqabio</p>", "focal_kz", ALLOWED) == []
    assert re.fullmatch(r"[a-z]+", "zqabio")
