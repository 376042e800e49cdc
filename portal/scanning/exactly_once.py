"""The commit boundary of a scan, shared by the scan pages and the JSON API.

A scan claims its client scan id by inserting its scan log row first. When
the same id arrives again (a replay from the offline queue, a retry after a
lost answer, two copies racing), the unique constraint refuses the second
insert; we roll back and answer with what the first one answered.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import User
from . import services


def commit_scan(work: Callable[[], dict], *, client_scan_id: str, actor: User) -> dict:
    """Run ``work`` (one service call), commit once, or return the first answer."""
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
