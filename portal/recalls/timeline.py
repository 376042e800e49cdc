"""A unit's recalls on its timeline: the recall opened with the unit in it,
and closed. Its quarantine is a defect movement with the reason ``recall``
(and the note naming the recall), which the timeline shows as it shows every
movement."""

from __future__ import annotations

from sqlalchemy.orm import Session

from . import queries


def recall_entries(session: Session, item_id: int, entry) -> list:
    """``entry``: the timeline's Entry class (passed in: the timeline imports this module)."""
    entries = []
    for recall in queries.recalls_of(session, item_id):
        by = recall.created_by.username if recall.created_by else None
        entries.append(entry(at=recall.created_at, by=by, what=f"In recall #{recall.id}", facts=[recall.reason]))
        if recall.closed_at is not None:
            entries.append(entry(at=recall.closed_at, by=recall.closed_by.username if recall.closed_by else None,
                                 what=f"Recall #{recall.id} closed"))
    return entries
