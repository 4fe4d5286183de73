"""Writing a checked file: one transaction, all or nothing.

Figures: every new or changed figure becomes a new revision (submitter, file name, time, source); an
unchanged one is not written again. If any figure moved in the store since the dry run, or anything
else fails, nothing is written. Task progress: every changed row goes through
``services.tasks.apply_progress`` with the version read at export; rows reported as conflicts in the
dry run are left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from ..errors import ValidationFailed
from ..permissions import Actor
from ..services import values as values_service
from .plan import Plan, summary
from .tasks_io import commit_tasks

Progress = Callable[[int, int, str], None]


def _refuse_errors(plan: Plan) -> None:
    if plan.errors or plan.kind not in ("values", "tasks"):
        n = len(plan.errors)
        raise ValidationFailed(
            f"Tệp {plan.file_name} còn {n} lỗi nên không được ghi. Hãy sửa các lỗi trong báo cáo rồi tải tệp lên lại.",
            f"File {plan.file_name} still has {n} error(s), so it is not written. Correct the errors listed in "
            "the report and upload the file again.")


def commit(engine: Engine, actor: Actor, plan: Plan, *, progress: Progress | None = None) -> dict:
    """Write what the dry run accepted. Returns counts (``written``, ``new``, ``revised`` for figures;
    ``updated`` for tasks). Raises ``ValidationFailed`` for a plan with errors, ``StaleEdit`` when the store
    changed since the dry run, ``PermissionDenied`` when the actor may not write a row."""
    _refuse_errors(plan)
    if plan.kind == "tasks":
        return commit_tasks(engine, actor, plan, progress=progress)
    rows = plan.to_write
    if not rows:
        return {"file_name": plan.file_name, "written": 0, "new": 0, "revised": 0, "unchanged": len(plan.rows)}
    figures = [values_service.NewFigure(r.indicator, r.unit_code, r.period, r.kind, r.value, r.note, r.old_id)
               for r in rows]
    step = (lambda done, total: progress(done, total, "write")) if progress else None
    result = values_service.import_figures(engine, actor, figures, file_name=plan.file_name, source=plan.source,
                                           sha256=plan.sha256, progress=step, summary=summary(plan))
    return {**result, "unchanged": plan.counts.get("unchanged", 0)}
