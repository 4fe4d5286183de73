"""Small helpers shared by the reliability tests (faults, lost updates, hostile input)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from qh_data import clock
from qh_data.auth import actor_of
from qh_data.db import read_session
from qh_data.models import Base, Meeting, Task, User
from qh_data.permissions import Actor


def content(engine) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key (the whole store, compared as a value)."""
    out = {}
    with read_session(engine) as s:
        for table in Base.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in s.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def checksum(engine) -> str:
    return hashlib.sha256(repr(content(engine)).encode()).hexdigest()


def row_count(snapshot: dict[str, list[tuple]]) -> int:
    return sum(len(rows) for rows in snapshot.values())


def actor(engine, username: str) -> Actor:
    """The demo seed's account ``username`` (viewer, editor.sxd, dpi, admin) as an Actor."""
    with read_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, f"demo account {username} missing"
        return actor_of(user)


def open_task(engine, agency: str | None = None) -> Task:
    """An open task of the demo (led by ``agency`` when given), detached."""
    with read_session(engine) as s:
        stmt = select(Task).where(Task.status.in_(("not_started", "in_progress"))).order_by(Task.id)
        if agency:
            stmt = stmt.where(Task.lead_agency_code == agency)
        task = s.scalars(stmt).first()
        assert task is not None
        s.expunge(task)
        return task


def held_meeting(engine) -> Meeting:
    """A meeting of the demo whose day has come (conclusions may be recorded on it), detached."""
    with read_session(engine) as s:
        meeting = s.scalars(select(Meeting).where(Meeting.held_on <= clock.today())
                            .order_by(Meeting.held_on.desc())).first()
        assert meeting is not None
        s.expunge(meeting)
        return meeting
