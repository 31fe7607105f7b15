"""Mentorships in aggregate: counts by state, those ended early, feedback without names."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ...matches import progress
from ...models import MentorshipState
from ..blueprint import bp


@bp.get("/mentorships")
def mentorships():
    overview = progress.overview_for(current_user)
    return render_template("coordinator/mentorships.html", overview=overview, S=MentorshipState)
