"""Use cases for accounts and tokens. No commits here."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, Invalid, NotFound
from ..models import ApiToken, LoginFailure, Role, User, utcnow

MIN_PASSWORD_LENGTH = 8
#: werkzeug's hash method; the test suite swaps in a cheap one to stay fast.
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
TOKEN_PREFIX = "sp_"  # noqa: S105 - a public prefix, not a secret


class LoginRefused(Invalid):
    status = 401
    code = "login_refused"


class LoginThrottled(Invalid):
    status = 429
    code = "too_many_attempts"


def normalise_username(name: str) -> str:
    return (name or "").strip().lower()


def create_user(session: Session, *, username: str, role: str, password: str) -> User:
    name = normalise_username(username)
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise Invalid("A user name is 1 to 64 letters, digits, dots, dashes or underscores.")
    if role not in set(Role):
        raise Invalid(f"Unknown role {role!r}; choose one of {', '.join(Role)}.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if session.scalar(select(User.id).where(User.username == name)):
        raise Conflict(f"There is already a user called {name}.", code="duplicate")
    user = User(username=name, role=role, password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD))
    session.add(user)
    session.flush()
    return user


def update_user(
    session: Session, user: User, *, role: str | None = None, active: bool | None = None,
    password: str | None = None,
) -> User:
    if role is not None:
        if role not in set(Role):
            raise Invalid(f"Unknown role {role!r}.")
        user.role = role
    if active is not None:
        user.active = active
    if password:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise Invalid(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
        user.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)
    return user


def authenticate(
    session: Session, *, username: str, password: str, remote_addr: str | None,
    max_failures: int, window_s: int,
) -> User:
    """Check a login. Failures are recorded in the database so that every app
    process throttles alike; after ``max_failures`` in the window the account
    (and the address) are refused even with the right password."""
    name = normalise_username(username)
    since = utcnow() - timedelta(seconds=window_s)
    failures = session.scalar(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.at >= since,
            (LoginFailure.username == name) | (LoginFailure.remote_addr == remote_addr),
        )
    )
    if failures >= max_failures:
        minutes = max(1, window_s // 60)
        raise LoginThrottled(
            f"Too many failed log-ins. Wait {minutes} minutes or ask an admin to help."
        )
    user = session.scalar(select(User).where(User.username == name))
    if user is None or not check_password_hash(user.password_hash, password or ""):
        session.add(LoginFailure(username=name[:64], remote_addr=remote_addr))
        raise LoginRefused("Wrong user name or password.")
    if not user.active:
        raise LoginRefused("This account is disabled. Ask an admin to enable it.")
    session.execute(delete(LoginFailure).where(LoginFailure.username == name))
    user.last_login_at = utcnow()
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``. Returns the row and the token itself,
    which is not stored and can be shown only this once."""
    label = (name or "").strip()
    if not label or len(label) > 100:
        raise Invalid("A token needs a name of 1 to 100 characters.")
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


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a valid, unrevoked token belongs to, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user
