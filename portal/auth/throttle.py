"""Log-in throttling: per user name and per client address, each with its own
limit, slowing down rather than locking out.

The first ``free_failures`` failures of a streak cost nothing; from then on
each further failure makes the next attempt wait twice as long (``first_delay_s``,
doubling, at most ``max_delay_s``), so a guesser gets a handful of tries an
hour while the real user waits seconds, never a long lockout. A streak is
forgotten after ``window_s`` without a failure, and such rows are deleted
whenever an attempt is recorded, so the table stays as small as the set of
names and addresses that failed recently.

Counting is atomic: an attempt claims its slot with one INSERT ... ON
CONFLICT DO UPDATE ... RETURNING before the password is checked (and the caller commits the claim at
once), so 30 parallel attempts get at most the free failures' worth of real
password checks. A success gives the address's slot back and ends the user's
streak; a password reset or an admin lifts a throttle. No commits here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from math import ceil

from sqlalchemy import and_, bindparam, case, delete, null, or_, select, update
from sqlalchemy.orm import Session

from ..errors import Invalid, NotFound
from ..models import LoginThrottle, ThrottleScope

KEY_LENGTH = 64


class LoginThrottled(Invalid):
    status = 429
    code = "too_many_attempts"


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    first_delay_s: int
    max_delay_s: int
    window_s: int

    def delay_after(self, failures: int) -> int:
        """Seconds the next attempt waits after ``failures`` in a streak."""
        if failures < self.free_failures:
            return 0
        return min(self.max_delay_s, self.first_delay_s * 2 ** min(failures - self.free_failures, 30))


def policies(config) -> dict[str, ThrottlePolicy]:
    """The user and address policies from the app's settings."""
    common = {
        "first_delay_s": int(config["LOGIN_DELAY_S"]),
        "max_delay_s": int(config["LOGIN_MAX_DELAY_S"]),
        "window_s": int(config["LOGIN_FAILURE_WINDOW_S"]),
    }
    return {
        ThrottleScope.USER: ThrottlePolicy(free_failures=int(config["LOGIN_MAX_FAILURES"]), **common),
        ThrottleScope.ADDRESS: ThrottlePolicy(
            free_failures=int(config["LOGIN_ADDRESS_MAX_FAILURES"]), **common
        ),
    }


def _where(scope: str, key: str):
    return and_(LoginThrottle.scope == scope, LoginThrottle.key == key)


_PRUNE = delete(LoginThrottle).where(
    LoginThrottle.id.in_(
        select(LoginThrottle.id)
        .where(
            LoginThrottle.last_at < bindparam("cutoff"),
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until <= bindparam("b_now")),
        )
        # rows another attempt holds are skipped, not waited for (PostgreSQL)
        .with_for_update(skip_locked=True)
    )
)


def prune(session: Session, *, now: datetime, window_s: int) -> int:
    """Delete the throttles whose last failure is older than the window (and
    that hold nobody back)."""
    return session.connection().execute(
        _PRUNE, {"cutoff": now - timedelta(seconds=window_s), "b_now": now}).rowcount


def _wait_message(scope: str, seconds: int) -> str:
    who = "this account" if scope == ThrottleScope.USER else "this address"
    return (
        f"Too many failed log-ins for {who}. Try again in {seconds} s, or ask an admin to lift it."
    )


@lru_cache(maxsize=16)
def _claim_statement(dialect: str, policy: ThrottlePolicy):
    """One INSERT ... ON CONFLICT DO UPDATE ... WHERE not held back RETURNING:
    the first failure inserts the row; a later one counts itself and sets the
    next wait in the same statement (the database locks the row meanwhile), or
    returns nothing while the row holds it back. Built once per policy, with
    the times as parameters (see :func:`_claim_times`)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = LoginThrottle.__table__
    now = bindparam("b_now")
    failures = case((table.c.last_at < bindparam("b_cutoff"), 1), else_=table.c.attempts + 1)
    waits = [(failures == n, bindparam(f"b_wait_{n}")) for n in _waits(policy)]
    blocked_until = case((failures < policy.free_failures, null()), *waits, else_=bindparam("b_wait_max"))
    statement = insert(table).values(
        scope=bindparam("b_scope"), key=bindparam("b_key"), attempts=1, last_at=now,
        blocked_until=bindparam("b_first_block"),
    )
    return statement.on_conflict_do_update(
        index_elements=["scope", "key"],
        set_={"attempts": failures, "last_at": now, "blocked_until": blocked_until},
        where=or_(table.c.blocked_until.is_(None), table.c.blocked_until <= now),
    ).returning(table.c.attempts)


def _waits(policy: ThrottlePolicy) -> list[int]:
    """The failure counts whose wait is below the cap, one CASE branch each."""
    counts, n = [], policy.free_failures
    while policy.delay_after(n) < policy.max_delay_s:
        counts.append(n)
        n += 1
    return counts


def _claim_times(policy: ThrottlePolicy, now: datetime) -> dict:
    def after(seconds: int):
        return now + timedelta(seconds=seconds) if seconds else None

    times = {f"b_wait_{n}": after(policy.delay_after(n)) for n in _waits(policy)}
    return {**times, "b_now": now, "b_cutoff": now - timedelta(seconds=policy.window_s),
            "b_wait_max": after(policy.max_delay_s), "b_first_block": after(policy.delay_after(1))}


def _claim(session: Session, scope: str, key: str, policy: ThrottlePolicy, now: datetime) -> None:
    connection = session.connection()  # Core: this runs on every attempt, cheaply
    statement = _claim_statement(connection.dialect.name, policy)
    claimed = connection.execute(statement, {"b_scope": scope, "b_key": key, **_claim_times(policy, now)})
    if claimed.first() is not None:
        return
    blocked_until = connection.execute(
        select(LoginThrottle.blocked_until).where(_where(scope, key))).scalar()
    wait = max(1, ceil((blocked_until - now).total_seconds())) if blocked_until else 1
    raise LoginThrottled(_wait_message(scope, wait), details={"retry_after": wait})


def claim_attempt(session: Session, *, username: str, address: str | None,
                  policies: dict[str, ThrottlePolicy], now: datetime) -> None:
    """Count one log-in attempt against the address and the user name before
    the password is checked, or raise LoginThrottled (then nothing may be
    kept: the caller rolls back). Records the attempt as a failure until
    :func:`attempt_succeeded` gives it back."""
    window = max(p.window_s for p in policies.values())
    prune(session, now=now, window_s=window)
    _claim(session, ThrottleScope.ADDRESS, (address or "unknown")[:KEY_LENGTH],
           policies[ThrottleScope.ADDRESS], now)
    _claim(session, ThrottleScope.USER, username[:KEY_LENGTH], policies[ThrottleScope.USER], now)


def attempt_succeeded(session: Session, *, username: str, address: str | None,
                      policies: dict[str, ThrottlePolicy]) -> None:
    """The password was right: the user's streak ends, the address gets its
    slot back (its other failures stay counted). Rows are touched in the
    order a claim takes them (address, then user), so that concurrent log-ins
    cannot deadlock on PostgreSQL."""
    free = policies[ThrottleScope.ADDRESS].free_failures
    remaining = LoginThrottle.attempts - 1
    where = _where(ThrottleScope.ADDRESS, (address or "unknown")[:KEY_LENGTH])
    session.execute(
        update(LoginThrottle)
        .where(where, LoginThrottle.attempts > 0)
        .values(attempts=remaining,
                blocked_until=case((remaining < free, null()), else_=LoginThrottle.blocked_until))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(LoginThrottle).where(where, LoginThrottle.attempts <= 0)
        .execution_options(synchronize_session=False)
    )
    lift_user(session, username=username)


def lift_user(session: Session, *, username: str) -> None:
    """End a user name's streak (a password reset, a successful log-in)."""
    session.execute(
        delete(LoginThrottle).where(_where(ThrottleScope.USER, username[:KEY_LENGTH]))
        .execution_options(synchronize_session=False)
    )


def lift(session: Session, *, throttle_id: int) -> LoginThrottle:
    """An admin lets a user name or an address log in again at once."""
    row = session.get(LoginThrottle, throttle_id)
    if row is None:
        raise NotFound("That log-in throttle is already lifted.")
    session.delete(row)
    session.flush()
    return row
