"""Models of conversations, messages, goals, check-ins, feedback and notifications."""

from __future__ import annotations
