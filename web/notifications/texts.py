"""What each kind of notification says, where it leads, and whether it is emailed.

Texts are composed when shown or mailed, in the reader's language; stored
notifications hold only the kind and ids. Mail goes through servers the network does not
control, so an email names no one: it says that something is waiting (``mail``) and links
to it; the names are on the page behind the link (``text``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    text: object  # lazy string with %(name)s: the other member (shown on the site only)
    subject: object
    email: bool  # important enough to email (per the member's setting)
    mail: object = None  # the email's sentence: names no one


KINDS: dict[str, Kind] = {
    "proposal_new": Kind(
        _l("New mentee proposal: %(name)s. Please accept or decline it."),
        _l("Bridges: a new mentee proposal"),
        True,
        _l("You have a new proposal. Please accept or decline it."),
    ),
    "proposal_reminder": Kind(
        _l("A proposal with %(name)s is waiting for your answer."),
        _l("Bridges: a proposal is waiting for your answer"),
        True,
        _l("A proposal is waiting for your answer."),
    ),
    "proposal_accepted": Kind(
        _l("%(name)s accepted to be your mentor. Please confirm to start."),
        _l("Bridges: a mentor accepted you"),
        True,
        _l("A mentor accepted your proposal. Please confirm to start."),
    ),
    "mentorship_active": Kind(
        _l("%(name)s confirmed: your mentorship has started."),
        _l("Bridges: your mentorship has started"),
        True,
        _l("Your mentorship has started."),
    ),
    "proposal_declined": Kind(
        _l("The proposal with %(name)s was declined."),
        _l("Bridges: a proposal was declined"),
        True,
        _l("A proposal was declined."),
    ),
    "proposal_expired": Kind(
        _l("The proposal with %(name)s expired without an answer."),
        _l("Bridges: a proposal expired"),
        True,
        _l("A proposal expired without an answer."),
    ),
    "mentorship_ended": Kind(
        _l("%(name)s ended your mentorship."), _l("Bridges: a mentorship ended"), True, _l("A mentorship ended.")
    ),
    "mentorship_completed": Kind(
        _l("Your mentorship with %(name)s is completed. Thank you!"),
        _l("Bridges: your mentorship is completed"),
        False,
        _l("A mentorship is completed. Thank you!"),
    ),
    "message_new": Kind(
        _l("New message from %(name)s."), _l("Bridges: you have a new message"), True, _l("You have a new message.")
    ),
    "conversation_request": Kind(
        _l("%(name)s would like to start a conversation with you."),
        _l("Bridges: a member would like to talk with you"),
        True,
        _l("Someone wants to start a conversation with you."),
    ),
    "checkin_due": Kind(
        _l("Time for a check-in with %(name)s."), _l("Bridges: time for a check-in"), False, _l("It is time for a check-in.")
    ),
    "feedback_due": Kind(
        _l("Your mentorship with %(name)s ends soon. Please give your feedback."),
        _l("Bridges: please give feedback on your mentorship"),
        True,
        _l("A mentorship ends soon. Please give your feedback."),
    ),
    "report_new": Kind(
        _l("A member reported a conversation."),
        _l("Bridges: a conversation was reported"),
        True,
        _l("A member reported a conversation."),
    ),
    "meeting_proposed": Kind(
        _l("%(name)s proposes a meeting. Please accept or decline it."),
        _l("Bridges: a meeting is proposed"),
        True,
        _l("A meeting is proposed to you. Please accept or decline it."),
    ),
    "meeting_accepted": Kind(
        _l("%(name)s accepted your meeting."), _l("Bridges: your meeting is accepted"), True, _l("Your meeting is accepted.")
    ),
    "meeting_declined": Kind(
        _l("%(name)s declined your meeting."), _l("Bridges: a meeting was declined"), True, _l("A meeting was declined.")
    ),
    "meeting_cancelled": Kind(
        _l("%(name)s cancelled your meeting."), _l("Bridges: a meeting was cancelled"), True, _l("A meeting was cancelled.")
    ),
    "meeting_reminder": Kind(
        _l("Reminder: you meet %(name)s soon."),
        _l("Bridges: a meeting soon"),
        True,
        _l("You have a mentoring meeting soon."),
    ),
}


def mail_text(kind: str) -> str:
    """The email's sentence for ``kind`` in the current language; it names no one."""
    spec = KINDS[kind]
    return str(spec.mail if spec.mail is not None else spec.subject)
