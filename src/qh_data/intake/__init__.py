"""The door for figures and task progress from departments and districts: Excel templates, a checked dry
run, an all-or-nothing import, revision history.

    from qh_data import intake
    tpl = intake.values_template(engine, district="178")            # bytes + file name
    plan = intake.dry_run(engine, actor, uploaded_bytes, "huyen.xlsx")  # nothing written
    plan.problems, plan.counts                                         # report, new/changed/unchanged
    intake.commit(engine, actor, plan)                                 # one transaction
    intake.revision_history(engine, "poverty_rate", "178", "2025", "actual")

``cli_import`` is the ``qh import FILE`` command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, bindparam, func, select

from .. import periods
from ..db import read_session
from ..errors import NotFound
from ..models import AdminUnitVersion, Indicator, IndicatorValue
from ..permissions import Actor
from .commit import commit
from .common import Problem
from .plan import Plan, dry_run, summary
from .reader import MAX_BYTES, MAX_DATA_ROWS, FileRefused
from .task_checks import TaskRow
from .tasks_io import tasks_template
from .template import Template, default_slots, period_choices, values_template
from .validate import ValueRow

__all__ = [
    "MAX_BYTES", "MAX_DATA_ROWS", "FileRefused", "Plan", "Problem", "TaskRow", "Template", "ValueRow",
    "cli_import", "commit", "default_slots", "dry_run", "indicator_choices", "period_choices",
    "revision_history", "summary", "tasks_template", "value_keys", "values_template",
]


def revision_history(engine: Engine, indicator: str, unit: str, period: str, kind: str) -> pd.DataFrame:
    """Every revision of one figure, newest first: who submitted which figure when, from which file
    (``queries.value_history``)."""
    from .. import queries

    return queries.value_history(engine, indicator=indicator, unit_code=unit, period=period, kind=kind).to_frame()


INDICATOR_CHOICES = select(Indicator.code, Indicator.name_vi, Indicator.name_en, Indicator.unit, Indicator.unit_en,
                           Indicator.owner_role, Indicator.decimals).order_by(Indicator.sort_order, Indicator.code)
VALUE_KEYS = (select(IndicatorValue.period, IndicatorValue.kind, func.count().label("revisions"))
              .where(IndicatorValue.indicator_code == bindparam("indicator"),
                     IndicatorValue.unit_id.in_(select(AdminUnitVersion.id).where(
                         AdminUnitVersion.code == bindparam("unit"))))
              .group_by(IndicatorValue.period, IndicatorValue.kind))
KIND_ORDER = {"actual": 0, "estimate": 1, "target": 2}


def indicator_choices(engine: Engine) -> list[dict]:
    """Indicators for pickers: [{code, name_vi, name_en, unit, unit_en, owner_role, decimals}], catalogue order."""
    with engine.connect() as c:
        return [dict(r) for r in c.execute(INDICATOR_CHOICES).mappings().all()]


def value_keys(engine: Engine, indicator: str, unit: str) -> list[dict]:
    """The (period, kind) pairs that have figures for one indicator and area, newest period first, with
    how many revisions each has."""
    with engine.connect() as c:
        rows = c.execute(VALUE_KEYS, {"indicator": indicator, "unit": unit}).mappings().all()
    out = [dict(r) for r in rows if periods.is_valid(r["period"])]
    out.sort(key=lambda r: (periods.sort_key(r["period"]), -KIND_ORDER.get(r["kind"], 9)), reverse=True)
    return out


# --- qh import FILE ---------------------------------------------------------------------------------

def _actor_for(engine: Engine, username: str) -> Actor:
    from ..auth import actor_of
    from ..models import User

    with read_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active:
            raise NotFound(f"Không có tài khoản đang hoạt động tên '{username}'.",
                           f"There is no active account named '{username}'.")
        return actor_of(user)


def _print_report(plan: Plan, out: Callable[[str], None]) -> None:
    out(f"Tệp / file: {plan.file_name} ({plan.data_rows} dòng / rows)")
    for p in plan.sorted_problems():
        where = " ".join(x for x in (f"[{p.sheet}]" if p.sheet else "", p.cell) if x)
        tag = "LỖI/ERROR" if p.severity == "error" else "CẢNH BÁO/WARNING"
        value = f" «{p.value}»" if p.value else ""
        out(f"  {tag} {where}{value}: {p.message_vi}")
        out(f"      {p.message_en}")
    counts = ", ".join(f"{k}: {v}" for k, v in plan.counts.items())
    out(f"Kết quả kiểm tra / dry run: {counts}; lỗi / errors: {len(plan.errors)}, cảnh báo / warnings: "
        f"{len(plan.warnings)}")


def cli_import(args: argparse.Namespace | str | Path | Sequence[str], *, engine: Engine | None = None,
               user: str | None = None, yes: bool | None = None, out: Callable[[str], None] = print,
               ask: Callable[[str], str] = input) -> int:
    """``qh import FILE [--user NAME] [--yes]``: check the file, print the report and the dry run, then write
    after confirmation (or at once with ``--yes``).

    ``args`` is the argparse namespace of ``qh import`` (``file``, ``user``, ``yes``), a path, or an argv
    list (``["FILE", "--user", "dpi", "--yes"]``). Exit codes: 0 written (or nothing to write), 1 refused
    (errors in the file) or not confirmed. Errors meant for people (``QHError``) propagate to the caller,
    which prints them (``qh`` exits 2).
    """
    if isinstance(args, argparse.Namespace):
        file, user, yes = args.file, user or getattr(args, "user", None), yes if yes is not None else \
            bool(getattr(args, "yes", False))
    elif isinstance(args, (str, Path)):
        file = args
    else:
        p = argparse.ArgumentParser(prog="qh import")
        p.add_argument("file")
        p.add_argument("--user", default=None)
        p.add_argument("--yes", action="store_true")
        ns = p.parse_args(list(args))
        file, user, yes = ns.file, user or ns.user, yes if yes is not None else ns.yes
    user = user or "dpi"
    if engine is None:
        from .. import config, db

        engine = db.make_engine(config.database_url())
        db.check_connection(engine)
    actor = _actor_for(engine, user)
    path = Path(file)
    if not path.is_file():
        raise NotFound(f"Không tìm thấy tệp {path}.", f"File {path} not found.")

    def show_progress(done: int, total: int, stage: str) -> None:
        if total >= 10000 and (done == total or done % 10000 == 0):
            print(f"  … {stage}: {done}/{total}", file=sys.stderr)

    plan = dry_run(engine, actor, path, path.name, progress=show_progress)
    _print_report(plan, out)
    if not plan.ok:
        out("Tệp không được ghi vì còn lỗi. / The file was not written: it has errors.")
        return 1
    if not plan.to_write:
        out("Không có gì thay đổi: mọi dòng đã giống cơ sở dữ liệu. / Nothing to write: every row matches the store.")
        return 0
    if not yes:
        answer = ask(f"Ghi {len(plan.to_write)} dòng vào cơ sở dữ liệu? / Write {len(plan.to_write)} rows? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "c", "co", "có"):
            out("Đã hủy, không ghi gì. / Cancelled, nothing written.")
            return 1
    result = commit(engine, actor, plan, progress=show_progress)
    written = result.get("written", result.get("updated", 0))
    out(f"Đã ghi {written} dòng từ {plan.file_name}. / Wrote {written} rows from {plan.file_name}.")
    return 0
