"""The sign-in blueprint object, apart from its route modules (views, totp_views), so that
neither imports the other."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
