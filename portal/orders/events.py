"""An order's changes for the event feed: one append-only row per change, in
the change's own transaction, stamped with the feed's clock (portal.feed.clock)
so that the feed hands order events and movements out in one commit order."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from ..feed.clock import transaction_number
from ..models import User, utcnow
from .models import Order, OrderEvent


def record_order_event(session: Session, order: Order, *, type: str, actor: User | None,
                       data: dict | None = None, at: datetime | None = None) -> OrderEvent:
    event = OrderEvent(order_id=order.id, type=str(type), channel_id=order.channel_id,
                       actor_id=actor.id if actor is not None else None, at=at or utcnow(),
                       data=json.dumps(data, sort_keys=True, default=str) if data is not None else None,
                       txid=transaction_number(session))
    session.add(event)
    return event
