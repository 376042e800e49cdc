"""The demo warehouse. (Foundation stub: users only; the full warehouse comes with issue 2.)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .auth.services import create_user

DEMO_LOGINS = [
    ("admin", "admin-demo-1", "admin"),
    ("manager", "manager-demo-1", "manager"),
    ("receiver", "receiver-demo-1", "receiver"),
    ("operator", "operator-demo-1", "operator"),
]


def seed_demo(session: Session, *, seed: int = 42) -> str:
    for username, password, role in DEMO_LOGINS:
        create_user(session, username=username, role=role, password=password)
    return f"Demo warehouse loaded: {len(DEMO_LOGINS)} users."
