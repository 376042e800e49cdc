"""Reads on accounts and tokens, for the admin page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..models import ApiToken, LoginThrottle, User


def users() -> Select:
    return select(User).order_by(User.username)


def active_users() -> Select:
    return select(User).where(User.active.is_(True)).order_by(User.username)


def tokens() -> Select:
    """Every token, newest first: live ones before revoked ones."""
    return (
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    )


def held_back_logins(now: datetime) -> Select:
    """User names and addresses whose next log-in attempt must still wait."""
    return (
        select(LoginThrottle)
        .where(LoginThrottle.blocked_until > now)
        .order_by(LoginThrottle.blocked_until.desc(), LoginThrottle.id)
    )
