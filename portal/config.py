"""Configuration defaults. Layers: these defaults, then ``instance/config.py``,
then ``PORTAL_*`` environment variables, then the mapping a test passes in."""

import json
import os

DEFAULTS = {
    "SECRET_KEY": None,  # required outside debug and tests: PORTAL_SECRET_KEY
    "DATABASE_URL": None,  # None means sqlite:///<instance>/portal.sqlite3
    "MAX_UPLOAD_MB": 50,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # token valid for the session: a shift is long
    # log-in throttling (portal/auth/throttle.py): after this many failures in a
    # streak, each further one doubles the wait before the next attempt
    "LOGIN_MAX_FAILURES": 5,  # per user name
    "LOGIN_ADDRESS_MAX_FAILURES": 100,  # per client address: a whole warehouse may share one
    "LOGIN_DELAY_S": 15,  # the first wait
    "LOGIN_MAX_DELAY_S": 120,  # the longest wait: slow a guesser down, never lock a user out
    "LOGIN_FAILURE_WINDOW_S": 900,  # a streak is forgotten after this long without a failure
    "PROXY_COUNT": 0,  # reverse proxies in front of the app whose X-Forwarded-For is trusted
    "SESSION_IDLE_HOURS": 12,  # a session ends after this long without a request (a shift)
    "HEALTHZ_MIN_FREE_MB": 200,  # /healthz reports less free disk than this in the instance folder
    "DATABASE_RETRY_AFTER_S": 5,  # Retry-After on the 503 while the database is unreachable
    "BIN_LABEL_PREFIX": "BIN:",  # bin barcodes carry this prefix; serials never do
    "FIFO_ENFORCED": False,  # ship: refuse (not only warn) when an older unit is in stock
    "AGING_BUCKETS": [30, 60, 90, 180, 365],
    "CURRENCY": "EUR",  # what unit costs are in: shown on report pages, PDFs and CSV/XLSX headers
    "CSV_SEPARATOR": ",",  # "," or ";" (European Excel); a download's ?sep= overrides it
    "SQLALCHEMY_ENGINE_OPTIONS": {},
}

ENV_PREFIX = "PORTAL_"


def from_environment(environ=os.environ) -> dict:
    """Every setting can come from PORTAL_<NAME>; JSON values (numbers, lists,
    true/false) are decoded, anything else is taken as a string."""
    settings = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key == "PORTAL_INSTANCE_PATH":
            continue
        name = key[len(ENV_PREFIX):]
        try:
            settings[name] = json.loads(raw)
        except ValueError:
            settings[name] = raw
    return settings
