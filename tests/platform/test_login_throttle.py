"""Log-in throttling per user name and per address (issues 10.7 and 11.2):
bounded, atomic, slowing down rather than locking out, liftable."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from portal.auth import services, throttle
from portal.models import LoginThrottle, utcnow

RIGHT = "correct-horse-1"  # noqa: S105 - the factories' test password
WRONG = "wrong-wrong"  # noqa: S105


def _attempt(client, username, password=WRONG, address="127.0.0.1", **kwargs):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **kwargs)


def _time_passes(fresh, seconds: int) -> None:
    """Simulate waiting: every throttle's clock moves ``seconds`` back."""
    with fresh() as s:
        for row in s.scalars(select(LoginThrottle)):
            row.last_at -= timedelta(seconds=seconds)
            if row.blocked_until is not None:
                row.blocked_until -= timedelta(seconds=seconds)
        s.commit()


def test_ten_thousand_failures_over_time_keep_the_table_bounded(app, session):
    """Issue 10.7: failures older than the window are deleted whenever one is
    recorded, so a stream of failures under ever new names stays bounded."""
    limits = throttle.policies(app.config)
    window = app.config["LOGIN_FAILURE_WINDOW_S"]
    start, step = utcnow(), 10  # one failure every 10 s for 28 hours
    largest = 0
    for n in range(10_000):
        throttle.claim_attempt(session, username=f"ghost{n}", address=f"10.0.{n % 50}.1",
                               policies=limits, now=start + timedelta(seconds=n * step))
        if n % 25 == 0:  # each failure is its own request in life; commit now and then as they would
            session.commit()
        if n % 500 == 0:
            largest = max(largest, session.scalar(select(func.count()).select_from(LoginThrottle)))
    rows = session.scalar(select(func.count()).select_from(LoginThrottle))
    bound = window // step + 1 + 50  # the names of one window and the 50 addresses
    assert rows <= bound and largest <= bound, (rows, largest)


def test_made_up_names_from_one_address_do_not_lock_out_the_real_users(client, make_user, app):
    """Today 5 failures under made-up names lock every account behind the address."""
    user = make_user(role="operator")
    for n in range(3 * app.config["LOGIN_MAX_FAILURES"]):
        assert _attempt(client, f"made-up-{n}").status_code == 401
    assert _attempt(client, user.username, RIGHT).status_code == 302


def test_wrong_passwords_slow_a_user_down_everywhere_with_a_growing_wait(client, make_user, app, fresh):
    user = make_user(role="manager")
    limit, first = app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_DELAY_S"]
    for _ in range(limit):
        assert _attempt(client, user.username).status_code == 401
    for address in ("127.0.0.1", "10.9.9.9"):  # the user name waits, wherever it is typed
        held = _attempt(app.test_client(), user.username, RIGHT, address=address)
        assert held.status_code == 429
        assert held.headers["Retry-After"] == str(first)
        assert f"Try again in {first} s" in held.get_data(as_text=True)
    _time_passes(fresh, first)
    assert _attempt(client, user.username).status_code == 401  # one more guess after the wait...
    assert _attempt(client, user.username, RIGHT).headers["Retry-After"] == str(2 * first)  # ...doubles it
    for _ in range(12):  # never longer than the cap
        _time_passes(fresh, app.config["LOGIN_MAX_DELAY_S"])
        _attempt(client, user.username)
    assert int(_attempt(client, user.username, RIGHT).headers["Retry-After"]) <= app.config["LOGIN_MAX_DELAY_S"]
    _time_passes(fresh, app.config["LOGIN_MAX_DELAY_S"])
    assert _attempt(client, user.username, RIGHT).status_code == 302  # slowed down, never locked out


def test_a_successful_log_in_gives_back_only_its_own_slot_on_the_address(client, make_user, fresh):
    user = make_user(role="operator")
    for n in range(4):
        _attempt(client, f"made-up-{n}")
    assert _attempt(client, user.username, RIGHT).status_code == 302
    with fresh() as s:
        address = s.scalar(select(LoginThrottle).where(LoginThrottle.scope == "address"))
        assert address.attempts == 4  # the strangers' failures still count
        assert s.scalar(select(LoginThrottle).where(LoginThrottle.key == user.username)) is None


def test_a_held_back_attempt_is_not_counted(client, make_user, app, fresh):
    user = make_user(role="operator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _attempt(client, user.username)
    with fresh() as s:
        before = s.scalar(select(LoginThrottle.attempts).where(LoginThrottle.key == user.username))
    for _ in range(5):
        assert _attempt(client, user.username).status_code == 429
    with fresh() as s:
        assert s.scalar(select(LoginThrottle.attempts).where(LoginThrottle.key == user.username)) == before


def test_thirty_parallel_attempts_get_at_most_the_limit_of_password_checks(app, make_user, monkeypatch):
    """Today 30 parallel attempts get 7 real password checks against a limit of 5."""
    user = make_user(role="operator")
    checks, lock = [], threading.Lock()
    real_check = services.check_password_hash

    def counting_check(hashed, password):
        with lock:
            checks.append(password)
        threading.Event().wait(0.05)  # a slow hash widens the race
        return real_check(hashed, password)

    monkeypatch.setattr(services, "check_password_hash", counting_check)
    barrier = threading.Barrier(30)
    statuses = []

    def attempt():
        client = app.test_client()
        client.get("/login")
        barrier.wait()
        response = _attempt(client, user.username)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert len(statuses) == 30
    assert len(checks) <= limit, checks
    assert statuses.count(401) == len(checks) and statuses.count(429) == 30 - len(checks)


def test_a_forged_forwarded_for_is_ignored_without_a_proxy_setting(client, fresh):
    _attempt(client, "ghost", headers={"X-Forwarded-For": "203.0.113.7"})
    with fresh() as s:
        keys = set(s.scalars(select(LoginThrottle.key).where(LoginThrottle.scope == "address")))
    assert keys == {"127.0.0.1"}


def test_behind_one_proxy_the_forwarded_client_address_is_throttled(database_url, tmp_path):
    from portal import create_app
    from portal.extensions import db
    from tests.conftest import PortalClient, _empty_all_tables, _test_config

    app = create_app({**_test_config(database_url, tmp_path), "PROXY_COUNT": 1})
    app.test_client_class = PortalClient
    try:
        client = app.test_client()
        forged_and_real = "198.51.100.1, 203.0.113.7"  # the client may forge the first; the proxy adds the last
        refused = client.post("/login", data={"username": "ghost", "password": "x"},
                              headers={"X-Forwarded-For": forged_and_real})
        assert refused.status_code == 401
        with app.app_context():
            keys = set(db.session.scalars(select(LoginThrottle.key).where(LoginThrottle.scope == "address")))
        assert keys == {"203.0.113.7"}
    finally:
        _empty_all_tables(app)


def test_a_stale_streak_starts_over(client, make_user, app, fresh):
    user = make_user(role="operator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _attempt(client, user.username)
    _time_passes(fresh, app.config["LOGIN_FAILURE_WINDOW_S"] + 1)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert _attempt(client, user.username).status_code == 401
    assert _attempt(client, user.username, RIGHT).status_code == 302
    with fresh() as s:
        s.execute(update(LoginThrottle).values(attempts=0))


def test_parallel_log_ins_and_failures_from_one_address_never_fail(app, make_user):
    """Successes and failures behind one address touch the same rows at once:
    every answer is a log-in or a refusal, never a deadlock or a 5xx."""
    users = [make_user(role="operator") for _ in range(10)]
    barrier, statuses, lock = threading.Barrier(20), [], threading.Lock()

    def attempt(user, password):
        client = app.test_client()
        client.get("/login")
        barrier.wait()
        response = _attempt(client, user.username, password)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(u, p)) for u in users for p in (RIGHT, WRONG)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(statuses) == [302] * 10 + [401] * 10
