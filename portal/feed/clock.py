"""The feed's clock: one number per writing transaction, stamped on every
movement and order event it writes, so that the feed can hand out events in
commit order and never skip one that committed late.

Sequence numbers (ids) are taken when a row is inserted, not when it commits:
two transactions that write at once can commit in the other order, and a
reader that had moved past the later id would never see the earlier one.

- **PostgreSQL**: the transaction's own id (``pg_current_xact_id()``, a 64-bit
  number that never wraps). The feed reads only events of transactions older
  than every transaction still running (``pg_snapshot_xmin`` of the reader's
  snapshot): those have all committed or rolled back, so nothing older can
  appear later. A transaction that is still running holds the feed back until
  it ends; it never makes the feed skip.
- **SQLite**: one transaction writes at a time, so a counter row bumped by the
  transaction's first ledger write (which takes the write lock and keeps it to
  the commit) is in commit order by itself.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, literal_column, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db

_CACHE_KEY = "feed_clock"


class FeedClock(db.Model):
    """SQLite's counter (one row, id 1, written by its first use); unused on PostgreSQL."""

    __tablename__ = "feed_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def transaction_number(session: Session) -> int:
    """This transaction's number on the feed's clock (the same for every call
    within one transaction)."""
    transaction = session.connection().get_transaction()  # begins one if none has begun
    cached = session.info.get(_CACHE_KEY)
    if cached is not None and cached[0] is transaction:
        return cached[1]
    # no autoflush: the caller's pending changes are flushed where the caller expects them (a unique
    # serial's IntegrityError is caught by the service that made it)
    with session.no_autoflush:
        if session.get_bind().dialect.name == "postgresql":
            number = session.execute(select(literal_column("pg_current_xact_id()::text::bigint"))).scalar_one()
        else:
            bump = sqlite_insert(FeedClock).values(id=1, value=1)
            bump = bump.on_conflict_do_update(index_elements=[FeedClock.id], set_={"value": FeedClock.value + 1})
            number = session.execute(bump.returning(FeedClock.value)).scalar_one()
    session.info[_CACHE_KEY] = (transaction, number)
    return number


def horizon(session: Session):
    """The feed shows events with ``txid`` below this: every transaction below
    it has ended (PostgreSQL); on SQLite every committed one (no upper bound)."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(
            select(literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))).scalar_one()
    return None
