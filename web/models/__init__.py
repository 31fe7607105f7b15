"""Typed SQLAlchemy models, one module per area; import them from here.

Stored data is language-neutral: countries, agencies, languages and topics
are codes (see ``web.taxonomy``)."""

from .base import TZDateTime, count, new_session_token, utcnow
from .matching import ForbiddenPair, MatchRun, MatchRunPair, MatchRunStatus
from .meetings import Meeting, MeetingState
from .members import LoginThrottle, Member, MemberLanguage, MemberStatus, MemberTopic, PasswordResetToken
from .mentoring import (
    CheckIn,
    Feedback,
    Mentorship,
    MentorshipEvent,
    MentorshipGoal,
    MentorshipReminder,
    MentorshipState,
)
from .messaging import (
    Conversation,
    ConversationKind,
    ConversationParticipant,
    ConversationState,
    EmailState,
    Message,
    MessageRateCounter,
    MessageReport,
    Notification,
    ReportedMessage,
)
from .system import AuditLog, CacheVersion, JobExecution, OutboxEmail, SchedulerLock

__all__ = [
    "AuditLog",
    "CacheVersion",
    "CheckIn",
    "Conversation",
    "ConversationKind",
    "ConversationParticipant",
    "ConversationState",
    "EmailState",
    "Feedback",
    "ForbiddenPair",
    "JobExecution",
    "LoginThrottle",
    "MatchRun",
    "MatchRunPair",
    "MatchRunStatus",
    "Meeting",
    "MeetingState",
    "Member",
    "MemberLanguage",
    "MemberStatus",
    "MemberTopic",
    "Mentorship",
    "MentorshipEvent",
    "MentorshipGoal",
    "MentorshipReminder",
    "MentorshipState",
    "Message",
    "MessageRateCounter",
    "MessageReport",
    "Notification",
    "OutboxEmail",
    "PasswordResetToken",
    "ReportedMessage",
    "SchedulerLock",
    "TZDateTime",
    "count",
    "new_session_token",
    "utcnow",
]
