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
    "LOGIN_MAX_FAILURES": 5,  # failures within LOGIN_FAILURE_WINDOW_S before throttling
    "LOGIN_FAILURE_WINDOW_S": 900,
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
