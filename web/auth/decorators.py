from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from .. import policy


def coordinator_required(view):
    """Coordinators past their second factor only (``policy.acting_coordinator``); a
    coordinator still owing the code or an enrolment is sent there; anyone else gets 403
    (the gate already refused anonymous users)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if policy.acting_coordinator(current_user):
            return view(*args, **kwargs)
        if current_user.is_authenticated and current_user.is_coordinator and current_user.is_approved:
            from .totp import gate_redirect

            second_step = gate_redirect(current_user)
            if second_step is not None:
                return second_step
        abort(403)

    return wrapped
