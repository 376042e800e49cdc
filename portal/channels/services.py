"""Channels the admin keeps: create, change, deactivate (never delete: sales and the ledger name them)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid, NotFound
from ..models import Channel, ChannelKind

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
KINDS = tuple(kind.value for kind in ChannelKind)


def normalise_code(code: str | None) -> str:
    return (code or "").strip().upper()


def channel_by_code(session: Session, code: str | None) -> Channel | None:
    key = normalise_code(code)
    return session.scalar(select(Channel).where(Channel.code == key)) if key else None


def channel_named(session: Session, code: str | None) -> Channel:
    found = channel_by_code(session, code)
    if found is None:
        raise NotFound(f"There is no channel {normalise_code(code)[:40]}.", code="unknown_channel")
    return found


def _checked_name(name: str | None) -> str:
    text = (name or "").strip()
    if not text or len(text) > 100 or not text.isprintable():
        raise Invalid("A channel needs a name of 1 to 100 printable characters.", code="invalid_name",
                      details={"fields": {"name": "1 to 100 printable characters"}})
    return text


def _checked_kind(kind: str | None) -> str:
    value = (kind or "").strip().lower()
    if value not in KINDS:
        raise Invalid(f"A channel's kind is one of {', '.join(KINDS)}.", code="invalid_kind",
                      details={"fields": {"kind": f"one of {', '.join(KINDS)}"}})
    return value


def create_channel(session: Session, *, code: str, name: str, kind: str) -> Channel:
    key = normalise_code(code)
    if not CODE_PATTERN.match(key):
        raise Invalid("A channel code is 1 to 32 letters, digits, '-' or '_' (e.g. WEB, AMAZON-DE, SHOP1).",
                      code="invalid_code", details={"fields": {"code": "1 to 32 of A-Z 0-9 - _"}})
    if channel_by_code(session, key) is not None:
        raise Conflict(f"There is a channel {key} already.", code="code_taken")
    channel = Channel(code=key, name=_checked_name(name), kind=_checked_kind(kind), active=True)
    session.add(channel)
    session.flush()
    return channel


def update_channel(session: Session, channel: Channel, *, name: str | None = None, kind: str | None = None,
                   active: bool | None = None) -> Channel:
    if name is not None:
        channel.name = _checked_name(name)
    if kind is not None:
        channel.kind = _checked_kind(kind)
    if active is not None:
        channel.active = active
    return channel
