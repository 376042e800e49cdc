"""The commit boundary of a scan, shared by the scan pages and the JSON API.

A scan claims its client scan id by inserting its scan log row first. When
the same id arrives again (a replay from the offline queue, a retry after a
lost answer, two copies racing), the unique constraint refuses the second
insert; we roll back and answer with what the first one answered.

On SQLite only one transaction writes at a time, and a writer that finds the
database locked sleeps in SQLite's busy handler (1, 2, 5, 10... ms steps),
which leaves the database idle while scans wait. Scans therefore queue for
their turn on an operating-system file lock next to the database file
(``flock``), which wakes the next writer the moment the previous one commits.
The lock is per host, like SQLite itself; PostgreSQL needs none of this.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import User
from . import services

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None


@contextmanager
def writer_turn() -> Iterator[None]:
    """On SQLite, wait for this host's scan writers to take turns (see above)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" or fcntl is None:
        yield
        return
    # a fresh open file description per turn, so threads of one process queue too
    fd = os.open(url.database + ".scan-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def commit_scan(work: Callable[[], dict], *, client_scan_id: str, actor: User) -> dict:
    """Run ``work`` (one service call), commit once, or return the first answer."""
    with writer_turn():
        try:
            answer = work()
            db.session.commit()
            return answer
        except IntegrityError:
            db.session.rollback()
            answer = services.stored_answer(
                db.session, client_scan_id=(client_scan_id or "").strip(), actor=actor
            )
            if answer is None:
                raise
            return answer
        except BaseException:
            db.session.rollback()
            raise
