"""Use cases for accounts and tokens. No commits here."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, Invalid, NotFound
from ..models import ApiToken, Role, User, utcnow
from . import throttle
from .throttle import ThrottlePolicy

MIN_PASSWORD_LENGTH = 8
#: werkzeug's hash method; the test suite swaps in a cheap one to stay fast.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
TOKEN_PREFIX = "sp_"  # noqa: S105 - a public prefix, not a secret


class LoginRefused(Invalid):
    status = 401
    code = "login_refused"


def normalise_username(name: str) -> str:
    return (name or "").strip().lower()


def available_username(session: Session, username: str) -> str:
    """The normalised name if a new user may take it; else Invalid or Conflict
    (the admin page also asks this while the name is being typed)."""
    name = normalise_username(username)
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise Invalid(
            "A user name is 1 to 64 letters, digits, dots, dashes or underscores.", code="invalid_username"
        )
    if session.scalar(select(User.id).where(User.username == name)):
        raise Conflict(f"There is already a user called {name}.", code="duplicate")
    return name


def create_user(session: Session, *, username: str, role: str, password: str, channel: str | None = None) -> User:
    """A user with a role; an integration account (role ``channel``) names the channel it acts for."""
    if role not in set(Role):
        raise Invalid(f"Unknown role {role!r}; choose one of {', '.join(Role)}.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    channel_row = _channel_for(session, role, channel)
    name = available_username(session, username)
    user = User(username=name, role=role, password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD))
    if channel_row is not None:  # left out otherwise: code for an older schema (the migration tests) inserts users
        user.channel_id = channel_row.id
    session.add(user)
    session.flush()
    return user


def _channel_for(session: Session, role: str, code: str | None):
    from ..channels.services import channel_named

    if role == Role.CHANNEL:
        if not (code or "").strip():
            raise Invalid("A channel account names its channel (--channel CODE).", code="channel_required")
        return channel_named(session, code)
    if (code or "").strip():
        raise Invalid(f"Only a channel account belongs to a channel; a {role} does not.", code="channel_not_allowed")
    return None


def update_user(
    session: Session, user: User, *, role: str | None = None, active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user. A new role, a new password or disabling ends every
    session of the user (their cookies stop working on the next request)."""
    ends_sessions = False
    if role is not None:
        if role not in set(Role):
            raise Invalid(f"Unknown role {role!r}.")
        ends_sessions |= role != user.role
        user.role = role
    if active is not None:
        ends_sessions |= user.active and not active
        user.active = active
    if password:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise Invalid(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
        user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
        throttle.lift_user(session, username=user.username)
        ends_sessions = True
    if ends_sessions:
        end_sessions(session, user=user)
    return user


def change_own_password(
    session: Session, *, user: User, current_password: str, new_password: str, remote_addr: str | None,
    policies: dict[str, ThrottlePolicy],
) -> User:
    """A signed-in user changes their own password: the same rule as the admin's reset, and the
    current password checked like a log-in (:func:`claim_login_attempt` first, whose claim the
    caller commits before calling this; a wrong current password is a failed log-in attempt of
    that user name, so guessing it here is throttled as at the log-in page). Ends every session
    of the user; the caller issues the current one again. Raises Invalid (wrong current password)."""
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", code="invalid_password")
    if not check_password_hash(user.password_hash, current_password or ""):
        raise Invalid("Your current password is not right: nothing was changed.", code="wrong_password")
    throttle.attempt_succeeded(session, username=user.username, address=remote_addr, policies=policies)
    return update_user(session, user, password=new_password)


def end_sessions(session: Session, *, user: User) -> None:
    """Every session cookie of ``user`` stops working (logout does this too)."""
    user.session_epoch = User.session_epoch + 1
    session.flush()
    session.refresh(user, ["session_epoch"])


def authenticate(
    session: Session, *, username: str, password: str, remote_addr: str | None,
    policies: dict[str, ThrottlePolicy],
) -> User:
    """Check a password that :func:`claim_login_attempt` has let through (and
    counted as a failure until now). Raises LoginRefused."""
    name = normalise_username(username)
    user = session.scalar(select(User).where(User.username == name))
    if user is None or not check_password_hash(user.password_hash, password or ""):
        raise LoginRefused("Wrong user name or password.")
    throttle.attempt_succeeded(session, username=name, address=remote_addr, policies=policies)
    if not user.active:
        raise LoginRefused("This account is disabled. Ask an admin to enable it.")
    user.last_login_at = utcnow()
    return user


def claim_login_attempt(
    session: Session, *, username: str, remote_addr: str | None,
    policies: dict[str, ThrottlePolicy], now: datetime | None = None,
) -> None:
    """Count a log-in attempt before its password is checked (LoginThrottled
    when the user name or the address must wait). The caller commits the
    claim before checking the password, so that parallel attempts see it."""
    throttle.claim_attempt(
        session, username=normalise_username(username), address=remote_addr,
        policies=policies, now=now or utcnow(),
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``. Returns the row and the token itself,
    which is not stored and can be shown only this once."""
    label = (name or "").strip()
    if not label or len(label) > 100 or not label.isprintable():
        raise Invalid("A token needs a name of 1 to 100 printable characters.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=label, token_hash=hash_token(token), prefix=token[:10])
    session.add(row)
    session.flush()
    return row, token


def revoke_token(session: Session, *, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def token_row(session: Session, token: str) -> ApiToken | None:
    """The stored row for a presented token (revoked or not), with its user, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == hash_token(token))
        .options(joinedload(ApiToken.user))
    )


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a valid, unrevoked token belongs to, or None."""
    row = token_row(session, token)
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user


#: ``last_used_at`` is written at most this often per token.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_use_is_stale(row: ApiToken, now: datetime) -> bool:
    return row.last_used_at is None or row.last_used_at <= now - TOKEN_USE_RESOLUTION


def record_token_use(session: Session, *, token_id: int, now: datetime) -> None:
    """Set ``last_used_at`` unless it was set less than a minute ago. One
    guarded UPDATE, so concurrent requests with the same token write it once."""
    cutoff = now - TOKEN_USE_RESOLUTION
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= cutoff),
        )
        .values(last_used_at=now)
    )


# --- what the admin page does -------------------------------------------------


class WouldLockOut(Conflict):
    code = "would_lock_out"


def _active_admins(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True))
    )


def change_user(
    session: Session, *, actor: User, user_id: int, role: str | None = None,
    active: bool | None = None, password: str | None = None,
) -> User:
    """An admin re-roles, disables/enables or resets the password of a user.

    Refuses what would lock the admins out: an admin cannot disable or de-role
    themselves, and the last active admin stays an active admin. A password
    reset also lifts the user's log-in throttle, so a throttled user can log in
    at once with the new password; it, a new role and disabling end the user's
    sessions."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    demoted = role is not None and role != Role.ADMIN and user.role == Role.ADMIN
    disabled = active is False and user.active and user.role == Role.ADMIN
    if user.id == actor.id and active is False:
        raise WouldLockOut("You cannot disable your own account: ask another admin.")
    if user.id == actor.id and demoted:
        raise WouldLockOut("You cannot take the admin role from yourself: ask another admin.")
    if (demoted or disabled) and user.active and _active_admins(session) <= 1:
        raise WouldLockOut(f"{user.username} is the last active admin; make another admin first.")
    if password is not None and not password:
        raise Invalid("Type the new password.")
    update_user(session, user, role=role, active=active, password=password)
    session.flush()
    return user


def issue_token_for(session: Session, *, user_id: int, name: str) -> tuple[ApiToken, str]:
    """The admin page's token issue: the user must exist and be active."""
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise Invalid("Choose the user the token is for.", code="user_required")
    if not user.active:
        raise Invalid(f"{user.username} is disabled: enable the account first.", code="user_disabled")
    return issue_token(session, user=user, name=name)
