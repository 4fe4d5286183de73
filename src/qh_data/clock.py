"""One place for "now" and "today", so tests can move time (lock-outs, overdue rules, idle expiry)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Current time in Vietnam, naive (the store keeps naive local times)."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(VN_TZ).replace(tzinfo=None, microsecond=0)


def today() -> dt.date:
    return now().date()


def freeze(at: dt.datetime | None) -> None:
    """Pin the clock (tests); ``None`` releases it."""
    global _frozen
    _frozen = at
