"""Sessions that end on the server.

The session cookie is signed, not stored, so ending a session means making
the cookie worthless: it carries the user's ``session_epoch`` (through
``User.get_id``), which logout, a new password, a new role and disabling
bump, and the time the session was last seen, which must be within the idle
limit (``SESSION_IDLE_HOURS``). The epoch was chosen over server-side session
rows: one integer per user, no table that grows with every login, and no write
per request; the last-seen time is refreshed at most once a minute, so an
active session's cookie is re-sent that often and not on every request.
"""

from __future__ import annotations

import time

from flask import current_app, session

from ..extensions import db
from ..models import User

SEEN_KEY = "_seen"
#: The last-seen time in the cookie is rewritten at most this often (seconds).
SEEN_RESOLUTION_S = 60


def started() -> None:
    """Call right after login_user: the session is seen now."""
    session[SEEN_KEY] = int(time.time())


def _idle_limit_s() -> float:
    return float(current_app.config["SESSION_IDLE_HOURS"]) * 3600


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live session, or None (the
    request is then anonymous and pages ask for a log-in)."""
    number, _, epoch = (user_id or "").partition(":")
    if not (number.isascii() and number.isdigit() and epoch.isascii() and epoch.isdigit()):
        return None  # a cookie from before session epochs, or forged
    seen, now = session.get(SEEN_KEY), time.time()
    if not isinstance(seen, int) or now - seen > _idle_limit_s() or len(number) > 18:
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    if now - seen >= SEEN_RESOLUTION_S:
        session[SEEN_KEY] = int(now)
    return user
