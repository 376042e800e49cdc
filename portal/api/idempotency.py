"""Idempotency keys for the channels' writes (orders, sales): a client that
repeats a request with the same ``Idempotency-Key`` header (a retry after a
lost answer, two copies racing) gets the first answer again and changes
nothing; the same key with a different request is a 422.

The same idea as the scan log (``portal.scanning.exactly_once``): the request
claims its key by inserting its row first, in the transaction that does the
work, and stores its answer there before the one commit. A second request with
the key finds the row (or, racing, waits on the unique index until the first
commits, and then finds it). A refused request (4xx) rolls back with its work,
key included: it changed nothing, so a retry is a new attempt.

Keys belong to the caller (its user): two channels may use the same key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from flask import Response, request
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..errors import Invalid
from ..extensions import db
from ..models import User, utcnow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    #: SHA-256 of the method, path and JSON body: the same key for another request is refused
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


def key_from_request() -> str:
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        raise Invalid(f"Send an '{HEADER}' header: the same value on every retry of this request.",
                      code="idempotency_key_required", details={"fields": {HEADER: "required"}})
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise Invalid(f"The '{HEADER}' header must be printable ASCII of at most {MAX_KEY_LENGTH} characters.",
                      code="invalid_idempotency_key", details={"fields": {HEADER: "invalid"}})
    return key


def fingerprint_of_request() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _stored(session: Session, user: User, key: str) -> IdempotencyKey | None:
    return session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                                       IdempotencyKey.key == key))


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        raise Invalid(f"The '{HEADER}' {row.key!r} was used for a different request: send a new key for a new "
                      "request.", code="idempotency_key_reused")
    response = Response(row.answer, status=row.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def claim(session: Session, user: User) -> tuple[IdempotencyKey | None, Response | None]:
    """Claim this request's key, or the stored answer of the request that
    claimed it first: ``(claimed row, None)`` or ``(None, replayed answer)``."""
    key, fingerprint = key_from_request(), fingerprint_of_request()
    row = _stored(session, user, key)
    if row is not None:
        return None, _replay(row, fingerprint)
    row = IdempotencyKey(user_id=user.id, key=key, fingerprint=fingerprint)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # another copy claimed it and committed while we waited on the unique index
        session.rollback()
        row = _stored(session, user, key)
        if row is None:  # pragma: no cover - the other copy's row is committed by now
            raise
        return None, _replay(row, fingerprint)
    return row, None


def keep_answer(row: IdempotencyKey, response: Response) -> None:
    row.status = response.status_code
    row.answer = response.get_data(as_text=True)
