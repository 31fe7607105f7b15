"""The coordinator area: one blueprint (``views``) over service modules split by concern.

``members`` (applications and member status), ``health``, ``reports``, ``exports``,
``actions`` (pairs by hand), ``roles`` (coordinators), ``audit`` and ``scope`` (loaders that
ask ``web.policy``). Importing the package also makes the audit log append-only in the
ORM (``audit_guard``)."""

from . import audit_guard  # noqa: F401
