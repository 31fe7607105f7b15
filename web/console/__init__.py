"""The coordinator console: pairing reports, programme health, actions, exports, audit log.

Importing the package also makes the audit log append-only in the ORM (``audit_guard``)."""

from . import audit_guard  # noqa: F401
