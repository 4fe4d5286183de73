"""Writes to the indicator store. Every figure is a new revision; nothing is overwritten or deleted.

A new revision gets ``revision`` = previous + 1 and the previous one gets ``superseded_at`` = the new
``submitted_at``; the submitter, the file it came from (if any), the source and the time are recorded.
An estimate later replaced by an actual keeps its history: they are figures of different kinds, so
both stay, each with its own revisions.

- ``submit_value``: one figure (a form, a notebook); audit entry per figure.
- ``import_figures``: many figures in one transaction (the Excel door); refuses the whole batch if
  any figure changed in the store since it was read (``expected_id``), one audit entry for the batch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, clock, periods
from ..db import session_scope
from ..errors import NotFound, StaleEdit, ValidationFailed
from ..models import (
    UNIT_COMMITTEE_KINDS,
    VALUE_KINDS,
    AdminUnitVersion,
    Agency,
    Indicator,
    IndicatorValue,
    PlanVersion,
    User,
)
from ..permissions import Actor, allowed, require
from ..retry import retrying
from ..rules import plan_validity
from ..text import clean_text
from ..units import versions

CHUNK = 900
WRITE_BATCH = 2000


@dataclass(frozen=True)
class NewFigure:
    indicator: str
    unit_code: str
    period: str
    kind: str
    value: float | None
    note: str | None = None
    expected_id: int | None = None  # the revision in force when the figure was read (None: there was none)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.indicator, self.unit_code, self.period, self.kind)


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _province_of(unit: AdminUnitVersion) -> AdminUnitVersion | None:
    while unit is not None and unit.level != "province":
        unit = unit.parent
    return unit


def owner_agencies(session: Session, indicator: Indicator, unit: AdminUnitVersion) -> list[str]:
    """Agencies that may submit this figure: the department whose role owns the indicator, in the
    unit's province, and the unit's own People's Committee (a district's, a commune's)."""
    province = _province_of(unit)
    codes: list[str] = []
    if indicator.owner_role and province is not None:
        province_ids = select(AdminUnitVersion.id).where(AdminUnitVersion.level == "province",
                                                         AdminUnitVersion.code == province.code)
        codes += list(session.scalars(select(Agency.code).where(Agency.role == indicator.owner_role,
                                                                Agency.province_unit_id.in_(province_ids))))
    if unit.level in ("district", "commune"):
        codes += list(session.scalars(select(Agency.code).where(Agency.kind.in_(UNIT_COMMITTEE_KINDS),
                                                                Agency.unit_id == unit.id)))
    return codes


def check_may_submit(session: Session, actor: Actor, figures: Sequence[NewFigure]) -> None:
    """``values.import_any`` (DPI) may submit anything; an agency editor only its own figures, on the unit
    version each figure's code meant in its period."""
    require(actor, "values.submit")
    if allowed(actor, "values.import_any"):
        return
    indicators = {i.code: i for i in session.scalars(select(Indicator).where(
        Indicator.code.in_({f.indicator for f in figures})))}
    unit_ids = versions.figure_unit_ids(session, {(f.unit_code, periods.parse(f.period).code) for f in figures})
    units = {u.id: u for u in session.scalars(select(AdminUnitVersion).where(
        AdminUnitVersion.id.in_(set(unit_ids.values())), AdminUnitVersion.level != "country"))}
    seen: set[tuple[str, int]] = set()
    for f in sorted(figures, key=lambda f: f.key):
        ind = indicators.get(f.indicator)
        unit = units.get(unit_ids.get((f.unit_code, periods.parse(f.period).code)))
        if ind is None:
            raise _unknown(f.indicator)
        if unit is None:
            meant = versions.every_version(session, f.unit_code)
            if meant:
                raise versions.no_unit_then(f.unit_code, periods.parse(f.period).code, meant)
            raise _unknown(f.unit_code)
        if (ind.code, unit.id) not in seen:
            seen.add((ind.code, unit.id))
            require(actor, "values.submit", owner_agencies(session, ind, unit))


def _unknown(code: str) -> NotFound:
    return NotFound(f"Không có chỉ tiêu hay đơn vị hành chính mã '{code}'.",
                    f"There is no indicator or area with code '{code}'.")


def _current(session: Session, keys: set[tuple[str, str, str, str]]) -> dict[tuple, tuple[int, int, int | None, int]]:
    """(id, revision, plan_version_id, top revision) of the revision in force for each key, read under lock on
    PostgreSQL. A target of a plan whose targets do not count now (an adjustment awaiting approval,
    ``rules.plan_validity``) is not the revision in force: a new figure never supersedes it; its revision only
    raises the top one (the key's revisions stay unique)."""
    out: dict[tuple, tuple[int, int, int | None, int]] = {}
    if not keys:
        return out
    v = IndicatorValue
    by_indicator: dict[str, set[str]] = defaultdict(set)
    for ind, unit, _, _ in keys:
        by_indicator[ind].add(unit)
    lock = session.bind.dialect.name != "sqlite"
    counts = plan_validity.targets_counted_sql(v, PlanVersion, False)
    top: dict[tuple, int] = {}
    for ind, units in by_indicator.items():
        for unit_chunk in _chunks(sorted(units)):
            stmt = select(v.id, v.indicator_code, AdminUnitVersion.code, v.period, v.kind, v.revision,
                          v.plan_version_id, counts.label("counts")).join(
                AdminUnitVersion, AdminUnitVersion.id == v.unit_id).where(
                v.superseded_at.is_(None), v.indicator_code == ind, AdminUnitVersion.code.in_(unit_chunk))
            if lock:
                stmt = stmt.with_for_update()
            for rid, i, u, p, k, rev, plan, counted in session.execute(stmt):
                if (i, u, p, k) in keys:
                    top[(i, u, p, k)] = max(rev, top.get((i, u, p, k), 0))
                    if counted:
                        out[(i, u, p, k)] = (rid, rev, plan, 0)
    return {key: (cur[0], cur[1], cur[2], top[key]) for key, cur in out.items()} | {
        key: (None, None, None, rev) for key, rev in top.items() if key not in out}


def _stale(session: Session, figure: NewFigure, current: tuple | None) -> StaleEdit:
    who, when = "?", None
    if current is not None and current[0] is not None:
        row = session.get(IndicatorValue, current[0])
        when = row.submitted_at if row else None
        if row is not None and row.submitted_by_id:
            user = session.get(User, row.submitted_by_id)
            who = user.display_name if user else who
        elif row is not None:
            who = "hệ thống"
    at = when.strftime("%d/%m/%Y %H:%M") if when else "?"
    what = f"{figure.indicator} · {figure.unit_code} · {figure.period} · {figure.kind}"
    return StaleEdit(
        f"Số liệu {what} vừa được {who} cập nhật lúc {at}, sau khi tệp được kiểm tra. Không số liệu nào được ghi; "
        "hãy kiểm tra lại tệp để xem số liệu mới nhất rồi xác nhận lại.",
        f"Figure {what} was updated by {who} at {at}, after the file was checked. Nothing was written; check "
        "the file again to see the latest figures, then confirm again.",
        changed_by=who, changed_at=when)


def write_revisions(session: Session, actor: Actor, figures: Sequence[NewFigure], *, now: dt.datetime,
                    file_name: str | None = None, source: str | None = None, check_expected: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Add one revision per figure inside the caller's transaction (permissions already checked).

    Returns the rows written (dicts). Raises ``StaleEdit`` when a figure's ``expected_id`` is no longer
    the revision in force.
    """
    keys = [f.key for f in figures]
    if len(set(keys)) != len(keys):
        raise ValidationFailed("Có hai số liệu cho cùng một chỉ tiêu, đơn vị, kỳ và loại trong một lần ghi.",
                               "Two figures for the same indicator, area, period and kind in one write.")
    current = _current(session, set(keys))
    if check_expected:
        for f in figures:
            cur = current.get(f.key)
            if (cur[0] if cur else None) != f.expected_id:
                raise _stale(session, f, cur)
    superseded = [cur[0] for f in figures if (cur := current.get(f.key)) and cur[0] is not None]
    for chunk in _chunks(superseded):
        session.execute(update(IndicatorValue).where(IndicatorValue.id.in_(chunk))
                        .values(superseded_at=now).execution_options(synchronize_session=False))
    rows = []
    unit_ids = versions.figure_unit_ids(session, {(f.unit_code, periods.parse(f.period).code) for f in figures})
    for f in figures:
        p = periods.parse(f.period)
        cur = current.get(f.key)
        if (f.unit_code, p.code) not in unit_ids:
            raise versions.no_unit_then(f.unit_code, p.code, versions.every_version(session, f.unit_code))
        rows.append({"indicator_code": f.indicator, "period": p.code, "unit_id": unit_ids[(f.unit_code, p.code)],
                     "period_type": p.type, "year": p.year, "kind": f.kind, "value": f.value,
                     "revision": (cur[3] + 1) if cur else 1, "source": source, "file_name": file_name,
                     "submitted_by_id": actor.user_id, "submitted_at": now, "superseded_at": None,
                     "is_demo": False, "note": f.note,
                     # a new revision of a plan's target stays that plan's
                     "plan_version_id": cur[2] if cur else None})
    total = len(rows)
    for start in range(0, total, WRITE_BATCH):
        session.execute(insert(IndicatorValue), rows[start:start + WRITE_BATCH])
        if progress is not None:
            progress(min(start + WRITE_BATCH, total), total)
    return rows


def _concurrent() -> StaleEdit:
    return StaleEdit(
        "Cùng lúc đó có người khác cũng ghi số liệu cho một số dòng này. Không số liệu nào được ghi; hãy kiểm tra "
        "lại rồi xác nhận lại.",
        "Someone else saved figures for some of the same rows at the same moment. Nothing was written; check "
        "again, then confirm again.")


@retrying()
def import_figures(engine: Engine, actor: Actor, figures: Sequence[NewFigure], *, file_name: str | None,
                   source: str | None = None, sha256: str | None = None,
                   progress: Callable[[int, int], None] | None = None, summary: dict | None = None) -> dict:
    """Write many figures at once: all or nothing, one audit entry for the batch.

    Each figure must carry the ``expected_id`` of the revision in force when it was read; if any moved
    since, nothing is written (``StaleEdit``).
    """
    require(actor, "values.submit")
    file_name = clean_text(file_name, field="tên tệp / file name", max_len=300)  # stored beside each figure
    source = clean_text(source, field="nguồn / source", max_len=500)
    figures = list(figures)
    if not figures:
        raise ValidationFailed("Không có số liệu mới nào để ghi.", "There is no new figure to write.")
    for f in figures:
        if f.kind not in VALUE_KINDS:
            raise ValidationFailed(f"Loại số liệu '{f.kind}' không hợp lệ.", f"Kind '{f.kind}' is not valid.")
        if f.value is not None and not math.isfinite(f.value):
            raise ValidationFailed("Số liệu không hợp lệ.", "A figure is not a valid number.")
    now = clock.now()
    try:
        with session_scope(engine) as s:
            check_may_submit(s, actor, figures)
            rows = write_revisions(s, actor, figures, now=now, file_name=file_name, source=source,
                                   progress=progress)
            new = sum(1 for r in rows if r["revision"] == 1)
            result = {"file_name": file_name, "sha256": sha256, "written": len(rows), "new": new,
                      "revised": len(rows) - new, "submitted_at": now}
            audit.record(s, actor, "values.import", "indicator_value", (file_name or "")[:60] or None, None,
                         {**(summary or {}), **result})
    except IntegrityError as exc:
        raise _concurrent() from exc
    return result


def _parse_value(value) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _not_number(value)
    if isinstance(value, (int, float)):
        if not math.isfinite(float(value)):
            raise _not_number(value)
        return float(value)
    from ..intake.numbers import parse_text

    parsed = parse_text(str(value))
    if parsed.error or parsed.blank:
        raise _not_number(value)
    return parsed.resolved("vi")


def _not_number(value) -> ValidationFailed:
    return ValidationFailed(f"'{value}' không phải là số.", f"'{value}' is not a number.")


@retrying()
def submit_value(engine: Engine, actor: Actor, *, indicator: str, unit_code: str, period: str, kind: str,
                 value, note: str | None = None, source: str | None = None, file_name: str | None = None,
                 expected_revision: int | None = None) -> dict:
    """Record one figure as a new revision. ``value`` may be a number or text ("1.234,5").

    ``expected_revision``: the revision number the caller saw (0 = none); a different one in the store
    refuses the write (``StaleEdit``). None skips the check.
    """
    require(actor, "values.submit")
    period = periods.validate(period)
    if kind not in VALUE_KINDS:
        raise ValidationFailed(f"Loại số liệu '{kind}' không hợp lệ.", f"Kind '{kind}' is not valid.")
    number = _parse_value(value)
    note = clean_text(note, field="ghi chú / note", max_len=2000) if note else None
    source = clean_text(source, field="nguồn / source", max_len=500) if source else None
    now = clock.now()
    try:
        with session_scope(engine) as s:
            ind = s.get(Indicator, indicator)
            unit_id = versions.figure_unit_ids(s, {(unit_code, period)}).get((unit_code, period))
            unit = s.get(AdminUnitVersion, unit_id) if unit_id is not None else None
            if unit is None and (meant := versions.every_version(s, unit_code)):
                raise versions.no_unit_then(unit_code, period, meant)  # the code names a unit, but not then
            if ind is None or unit is None:
                raise _unknown(indicator if ind is None else unit_code)
            if not allowed(actor, "values.import_any"):
                require(actor, "values.submit", owner_agencies(s, ind, unit))
            if number is not None:
                if ind.min_value is not None and number < ind.min_value:
                    raise ValidationFailed(
                        f"Chỉ tiêu '{ind.name_vi}' không thể nhỏ hơn {ind.min_value:g}; nhận được {number:g}.",
                        f"Indicator '{ind.name_en}' cannot be below {ind.min_value:g}; got {number:g}.")
                if ind.max_value is not None and number > ind.max_value:
                    raise ValidationFailed(
                        f"Chỉ tiêu '{ind.name_vi}' không thể lớn hơn {ind.max_value:g}; nhận được {number:g}.",
                        f"Indicator '{ind.name_en}' cannot exceed {ind.max_value:g}; got {number:g}.")
            v = IndicatorValue
            cur = s.execute(select(v.id, v.revision, v.value).where(
                v.indicator_code == indicator, v.unit_id == unit.id, v.period == period, v.kind == kind,
                v.superseded_at.is_(None), plan_validity.targets_counted_sql(v, PlanVersion, False))).first()
            if expected_revision is not None and (cur.revision if cur else 0) != expected_revision:
                raise _stale(s, NewFigure(indicator, unit_code, period, kind, number),
                             (cur.id, cur.revision) if cur else None)
            figure = NewFigure(indicator, unit_code, period, kind, number, note, cur.id if cur else None)
            (row,) = write_revisions(s, actor, [figure], now=now, file_name=file_name, source=source)
            new_id = s.scalar(select(func.max(v.id)).where(
                v.indicator_code == indicator, v.unit_id == unit.id, v.period == period, v.kind == kind))
            audit.record(s, actor, "value.submit", "indicator_value", new_id,
                         {"value": cur.value, "revision": cur.revision} if cur else None,
                         {"indicator": indicator, "unit": unit_code, "period": period, "kind": kind,
                          "value": number, "revision": row["revision"], "note": note})
    except IntegrityError as exc:
        raise _concurrent() from exc
    return {**row, "id": new_id}
