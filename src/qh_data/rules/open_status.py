"""Which statuses are open: a task or an issue that still asks someone to act.

Tasks: ``not_started`` and ``in_progress`` are open; ``done`` and ``cancelled`` are not.
Issues: ``open``, ``in_progress`` and ``awaiting_decision`` are open; ``resolved`` and ``closed`` are not.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement

TASK_STATUSES = ("not_started", "in_progress", "done", "cancelled")
OPEN_TASK_STATUSES = ("not_started", "in_progress")
CLOSED_TASK_STATUSES = ("done", "cancelled")

ISSUE_STATUSES = ("open", "in_progress", "awaiting_decision", "resolved", "closed")
OPEN_ISSUE_STATUSES = ("open", "in_progress", "awaiting_decision")
CLOSED_ISSUE_STATUSES = ("resolved", "closed")


def task_is_open(status: str | None) -> bool:
    return status in OPEN_TASK_STATUSES


def issue_is_open(status: str | None) -> bool:
    return status in OPEN_ISSUE_STATUSES


# --- the same in SQL ---------------------------------------------------------------------------------

def task_open_sql(status_col) -> ColumnElement[bool]:
    return status_col.in_(OPEN_TASK_STATUSES)


def issue_open_sql(status_col) -> ColumnElement[bool]:
    return status_col.in_(OPEN_ISSUE_STATUSES)
