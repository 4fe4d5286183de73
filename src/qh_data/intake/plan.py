"""The dry run: read and check a file, compare it with the store, write nothing.

``dry_run`` returns a ``Plan``: the problems found (errors refuse the file, warnings do not) and one
row per figure (or task) saying what a confirmation would do — ``new``, ``changed`` or ``unchanged``
for figures; ``changed``, ``unchanged`` or ``conflict`` (changed by someone else since the export,
not overwritten) for task progress. ``commit.commit(engine, actor, plan)`` writes it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from .. import clock
from ..permissions import Actor, allowed, require
from . import reader
from .common import Problem, Report
from .task_checks import check_tasks
from .validate import ValueRow, check_values

Progress = Callable[[int, int, str], None]

VALUE_STATUSES = ("new", "changed", "unchanged")
TASK_OUTCOMES = ("changed", "unchanged", "conflict")


@dataclass
class Plan:
    """What a file would change. ``kind`` is "values", "tasks" or "unknown" (refused before it was known)."""

    kind: str
    file_name: str
    sha256: str | None
    size: int
    meta: dict
    problems: list[Problem]
    rows: list = field(default_factory=list)
    data_rows: int = 0
    checked_at: dt.datetime = field(default_factory=clock.now)
    checked_by: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when the file can be confirmed (warnings allowed, no error)."""
        return not self.errors and self.kind in ("values", "tasks")

    @property
    def counts(self) -> dict[str, int]:
        statuses = VALUE_STATUSES if self.kind != "tasks" else TASK_OUTCOMES
        found = Counter(r.outcome for r in self.rows)
        return {s: found.get(s, 0) for s in statuses}

    @property
    def to_write(self) -> list:
        return [r for r in self.rows if r.outcome in ("new", "changed")]

    @property
    def source(self) -> str | None:
        if self.meta.get("source"):  # a sender's own workbook (``intake.foreign``): sender, file and hash
            return self.meta["source"]
        name = self.meta.get("scope_name")
        return f"{name} (biểu mẫu nhập số liệu)" if name else None

    def problem_rows(self, lang: str = "vi") -> list[dict]:
        """The report as rows for a table: severity, sheet, row, column, value, message."""
        return [p.as_dict(lang) for p in self.sorted_problems()]

    def sorted_problems(self) -> list[Problem]:
        return Report(self.problems).sorted()


def dry_run(engine: Engine, actor: Actor, source: bytes | str | Path | BinaryIO, file_name: str | None = None,
            *, progress: Progress | None = None) -> Plan:
    """Check a figures or task-progress workbook against the store; nothing is written.

    A file that cannot be read at all (too big, not Excel, encrypted, damaged, too many rows) gives a
    plan with that one error.
    """
    if not (allowed(actor, "values.submit") or allowed(actor, "task.update")):
        require(actor, "values.submit")  # raises PermissionDenied before the file is read
    progress = progress or (lambda done, total, stage: None)
    report = Report()
    try:
        upload = reader.load(source, file_name)
    except reader.FileRefused as exc:
        report.error(exc.code, exc.message_vi, exc.message_en, sheet=exc.sheet)
        name = Path(str(file_name or getattr(source, "name", "") or "tep")).name
        return Plan("unknown", name, None, 0, {}, report.problems, checked_by=actor.username)
    plan = Plan("unknown", upload.name, upload.sha256, upload.size, {}, report.problems,
                checked_by=actor.username)
    try:
        with reader.Book(upload) as book:
            meta = book.meta() or {}
            plan.meta = meta
            if meta.get("kind") == "tasks":
                plan.kind = "tasks"
                plan.rows, plan.data_rows = check_tasks(engine, actor, book, meta, report, progress)
            else:
                plan.kind = "values" if meta.get("kind") == "values" else "unknown"
                rows, plan.data_rows = check_values(engine, actor, book, meta, report, progress)
                plan.rows = rows
    except reader.FileRefused as exc:
        report.error(exc.code, exc.message_vi, exc.message_en, sheet=exc.sheet)
        plan.rows = []
    return plan


def summary(plan: Plan) -> dict:
    """Counts for the audit trail and the command line."""
    return {"kind": plan.kind, "file_name": plan.file_name, "sha256": plan.sha256, "rows": plan.data_rows,
            **plan.counts, "warnings": len(plan.warnings), "errors": len(plan.errors),
            "scope": plan.meta.get("scope_code")}


__all__ = ["Plan", "ValueRow", "dry_run", "summary"]
