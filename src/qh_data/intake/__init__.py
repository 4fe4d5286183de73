"""The door for figures and task progress from departments and districts: Excel templates, a checked dry
run, an all-or-nothing import, revision history.

    from qh_data import intake
    tpl = intake.values_template(engine, unit="178", slots=[("2024", "actual")])  # bytes + file name
    plan = intake.dry_run(engine, actor, uploaded_bytes, "huyen.xlsx")  # nothing written
    plan.problems, plan.counts                                         # report, new/changed/unchanged
    intake.commit(engine, actor, plan)                                 # one transaction
    intake.revision_history(engine, "poverty_rate", "178", "2025", "actual")

A sender's own workbook (not the template, issue 16) goes through ``intake.foreign``: ``propose`` (the
recognised tables, the sender and a mapping, a saved profile applied), ``foreign.dry_run`` under the
confirmed mapping (the same ``Plan``), then the same ``commit``.

``cli_import`` is the ``qh import FILE`` command.
"""

from __future__ import annotations

import argparse
import json
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
from . import foreign
from .commit import commit
from .common import Problem
from .plan import Plan, dry_run, summary
from .profiles import body_of, profile_named, save_profile
from .reader import MAX_BYTES, MAX_DATA_ROWS, FileRefused
from .task_checks import TaskRow
from .tasks_io import tasks_template
from .template import Template, default_slots, period_choices, slot_units, unit_choices, values_template
from .validate import ValueRow

__all__ = [
    "MAX_BYTES", "MAX_DATA_ROWS", "FileRefused", "Plan", "Problem", "TaskRow", "Template", "ValueRow",
    "cli_import", "commit", "default_slots", "dry_run", "indicator_choices", "period_choices",
    "revision_history", "slot_units", "summary", "tasks_template", "unit_choices", "value_keys",
    "values_template",
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


def _arguments(args) -> argparse.Namespace:
    if isinstance(args, argparse.Namespace):
        return args
    if isinstance(args, (str, Path)):
        args = [str(args)]
    p = argparse.ArgumentParser(prog="qh import")
    p.add_argument("file")
    p.add_argument("--user", default=None)
    p.add_argument("--yes", action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--profile", default=None)
    p.add_argument("--save-profile", default=None)
    return p.parse_args(list(args))


def _foreign_plan(engine: Engine, actor: Actor, path: Path, ns: argparse.Namespace, out):
    """A sender's own workbook: the named profile (or the one that fits), the proposal, the dry run."""
    profile = None
    if ns.profile:
        profile = profile_named(engine, ns.profile)
        if profile is None:
            raise NotFound(f"Không có hồ sơ tên '{ns.profile}'.", f"There is no profile named '{ns.profile}'.")
    proposal = foreign.propose(engine, actor, path, path.name, profile=profile)
    if not ns.json and proposal.mapping.profile:
        out(f"Hồ sơ / profile: {proposal.mapping.profile['name']}")
    if any(p.severity == "error" for p in proposal.problems):
        plan = Plan("unknown", path.name, proposal.mapping.sha256 or None, 0, {}, list(proposal.problems),
                    checked_by=actor.username)
        return plan, proposal.mapping
    plan = foreign.dry_run(engine, actor, path, path.name, proposal.mapping)
    plan.problems.extend(p for p in proposal.problems if p.severity == "warning")
    return plan, proposal.mapping


def cli_import(args: argparse.Namespace | str | Path | Sequence[str], *, engine: Engine | None = None,
               user: str | None = None, yes: bool | None = None, out: Callable[[str], None] = print,
               ask: Callable[[str], str] = input) -> int:
    """``qh import FILE [--user NAME] [--yes] [--dry-run] [--json] [--profile NAME] [--save-profile NAME]``:
    check the file, print the report and the dry run, then write after confirmation (or at once with
    ``--yes``). A workbook in a sender's own layout is recognised and mapped (``intake.foreign``), with the
    saved profile ``--profile NAME`` or the one that fits its sender and layout; ``--dry-run`` writes
    nothing, ``--json`` prints one JSON document (mapping, rows, problems) instead of the report;
    ``--save-profile NAME`` keeps the mapping used as a profile after the commit (DPI role).

    ``args`` is the argparse namespace of ``qh import``, a path, or an argv list. Exit codes: 0 written (or
    nothing to write, or a dry run without errors), 1 refused (errors in the file) or not confirmed.
    Errors meant for people (``QHError``) propagate to the caller, which prints them (``qh`` exits 2).
    """
    ns = _arguments(args)
    user = user or getattr(ns, "user", None) or "dpi"
    yes = yes if yes is not None else bool(getattr(ns, "yes", False))
    for flag in ("dry_run", "json", "profile", "save_profile"):
        setattr(ns, flag, getattr(ns, flag, None))
    if engine is None:
        from .. import config, db

        engine = db.make_engine(config.database_url())
        db.check_connection(engine)
    actor = _actor_for(engine, user)
    path = Path(ns.file)
    if not path.is_file():
        raise NotFound(f"Không tìm thấy tệp {path}.", f"File {path} not found.")

    def show_progress(done: int, total: int, stage: str) -> None:
        if total >= 10000 and (done == total or done % 10000 == 0):
            print(f"  … {stage}: {done}/{total}", file=sys.stderr)

    mapping = None
    if ns.profile or not foreign.is_template(path, path.name):
        plan, mapping = _foreign_plan(engine, actor, path, ns, out)
    else:
        plan = dry_run(engine, actor, path, path.name, progress=show_progress)
    if ns.json:
        out(json.dumps(foreign.as_json(plan, mapping), ensure_ascii=False, indent=1, default=str))
    else:
        _print_report(plan, out)
    if ns.dry_run:
        return 0 if plan.ok else 1
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
    if ns.save_profile and mapping is not None:
        save_profile(engine, actor, name=ns.save_profile, sender_key=mapping.sender.get("key", ""),
                     sender_text=mapping.sender.get("text"), agency_code=mapping.agency_code,
                     unit_code=mapping.unit_code, fingerprint=mapping.fingerprint, mapping=body_of(mapping))
        out(f"Đã lưu hồ sơ '{ns.save_profile}'. / Saved profile '{ns.save_profile}'.")
    return 0
