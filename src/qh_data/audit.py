"""The audit trail: who, when, what, before and after. Its largest id is the data version."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import clock
from .models import AuditEntry
from .permissions import Actor


def _default(value: Any):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_default)


def record(session: Session, actor: Actor, action: str, entity: str, entity_id: Any,
           before: Any = None, after: Any = None) -> AuditEntry:
    entry = AuditEntry(
        at=clock.now(), user_id=actor.user_id, username=actor.username, agency_code=actor.agency_code,
        action=action, entity=entity, entity_id=None if entity_id is None else str(entity_id),
        before=dumps(before), after=dumps(after),
    )
    session.add(entry)
    return entry


def data_version(session: Session) -> str:
    """Changes on every write; caches keyed by it never show figures older than the last edit.

    The newest audit entry's id *and* time: ids alone start again at 1 when a store is re-seeded or
    restored under a running app, which would hand out the previous store's cached answers."""
    newest = session.execute(select(AuditEntry.id, AuditEntry.at).order_by(AuditEntry.id.desc()).limit(1)).first()
    return "0" if newest is None else f"{newest.id}@{newest.at.isoformat()}"


# --- reading the trail (the audit page, exports) ------------------------------------------------

AUDIT_COLUMNS = ("id", "at", "username", "user_id", "agency_code", "action", "entity", "entity_id",
                 "before", "after", "changes")
# Keys never shown from a before/after snapshot, whatever a service put there.
SECRET_KEYS = frozenset({"password", "password_hash", "token", "secret"})


def _loads(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _short(value: Any, limit: int = 80) -> str:
    if value is None:
        text = "–"
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_change(before: str | None, after: str | None) -> str:
    """One line naming what changed: "status: in_progress → done; percent_done: 40 → 100"."""
    old, new = _loads(before), _loads(after)
    if isinstance(old, dict) or isinstance(new, dict):
        old = old if isinstance(old, dict) else {}
        new = new if isinstance(new, dict) else {}
        parts = []
        for key in sorted(set(old) | set(new)):
            if key in SECRET_KEYS or old.get(key) == new.get(key):
                continue
            if key in old and key in new:
                parts.append(f"{key}: {_short(old[key])} → {_short(new[key])}")
            elif key in new:
                parts.append(f"{key}: {_short(new[key])}")
            else:
                parts.append(f"{key}: {_short(old[key])} → –")
        return "; ".join(parts)
    if old == new:
        return ""
    return f"{_short(old)} → {_short(new)}"


def _day_after(value: dt.date | dt.datetime) -> dt.datetime:
    day = value.date() if isinstance(value, dt.datetime) else value
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def _start_of(value: dt.date | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def list_entries(engine, *, user: str | None = None, agency: str | None = None, entity: str | None = None,
                 date_from: dt.date | dt.datetime | None = None, date_to: dt.date | dt.datetime | None = None,
                 action: str | None = None, entity_id: str | int | None = None, limit: int = 5000):
    """The newest audit entries matching every filter given, as a pandas DataFrame (newest first).

    ``user`` is a user name, ``agency`` the acting user's agency code, ``entity`` e.g. "task";
    ``date_from``/``date_to`` are whole days, both included. The filtering and the limit run in SQL.
    Columns: AUDIT_COLUMNS; ``changes`` is ``describe_change(before, after)``.
    """
    import pandas as pd

    from .db import read_session

    a = AuditEntry
    stmt = select(a.id, a.at, a.username, a.user_id, a.agency_code, a.action, a.entity, a.entity_id, a.before,
                  a.after)
    if user:
        stmt = stmt.where(AuditEntry.username == user)
    if agency:
        stmt = stmt.where(AuditEntry.agency_code == agency)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
    if date_from is not None:
        stmt = stmt.where(AuditEntry.at >= _start_of(date_from))
    if date_to is not None:
        stmt = stmt.where(AuditEntry.at < _day_after(date_to))
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(max(1, int(limit)))
    with read_session(engine) as session:
        rows = [dict(r._mapping) for r in session.execute(stmt)]
    for row in rows:
        row["changes"] = describe_change(row["before"], row["after"])
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def filter_options(engine) -> dict[str, list[str]]:
    """The distinct user names, agency codes, entities and actions in the trail (for the page's filters)."""
    from .db import read_session

    out: dict[str, list[str]] = {}
    with read_session(engine) as session:
        for key, column in (("users", AuditEntry.username), ("agencies", AuditEntry.agency_code),
                            ("entities", AuditEntry.entity), ("actions", AuditEntry.action)):
            values = session.scalars(select(column).where(column.is_not(None)).distinct().order_by(column))
            out[key] = list(values)
    return out
