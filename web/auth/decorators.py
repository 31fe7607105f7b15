from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user


def coordinator_required(view):
    """Coordinators only; anyone else gets 403 (the gate already refused anonymous users)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_coordinator or not current_user.is_approved:
            abort(403)
        from .totp import gate_redirect  # second factor: code pending or enrolment required

        if (second_step := gate_redirect(current_user)) is not None:
            return second_step
        return view(*args, **kwargs)

    return wrapped
