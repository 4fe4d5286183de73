"""Agencies over time (issue 15): which agencies are in force on a day, who took over a ceased one, and the
register read through that.

An agency is in force from ``valid_from`` to ``valid_to`` (``rules.unit_validity``'s rule). A succession
(``agency_succession``) says that from ``effective_on`` the work of ``old`` is the work of ``new``
(merged_into, split: the successor the file names; abolished: no successor agency, the work waits for
reassignment, ``services.reassignment``). ``History`` holds both tables in memory (a province has about a
hundred agencies and a few dozen successions) and answers by code *and day*:
- ``successors(code, day)``: the agencies in force on ``day`` that answer for ``code``'s work, following
  chains (A -> B -> C gives C once C's date has come); [] while ``code`` still exists, or when it was
  abolished;
- ``holder(code, day)``: the agency the work counts for: itself, else its one successor (the first one the
  file names), else itself (abolished, flagged ``ceased``);
- ``family(code, day)``: the filter "by agency": the agency, its successors and the former agencies whose
  work they answer for (filtering by Sở KH&ĐT in 2026 finds Sở Tài chính's work too, and the other way).

Counting (``task_counts_by_holder``) stays the SQL aggregation of ``queries.tasks`` per lead agency; the few
rows are then added up per holder in Python (a former agency's tasks count for its successor from the
succession date), unless ``as_they_were``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Date, Engine, bindparam, cast, func, literal, null, select, union_all

from ..models import Agency, AgencySuccession, Issue, Task
from ..records import Records
from ..rules import unit_validity
from ..rules.open_status import issue_open_sql, task_open_sql
from . import tasks, units
from ._common import day_of, day_param, read_connection, records, sort_name

S = AgencySuccession


@dataclass(frozen=True, slots=True)
class Succession:
    old: str
    new: str | None
    relation: str
    effective_on: dt.date
    successor_text: str | None
    legal_basis: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class AgencyRow:
    code: str
    name: str
    short_name: str | None
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None


_AGENCIES = select(Agency.code, Agency.name, Agency.short_name, Agency.kind, Agency.valid_from, Agency.valid_to)
_SUCCESSIONS = select(S.old_agency_code, S.new_agency_code, S.relation, S.effective_on, S.successor_text,
                      S.legal_basis, S.note).order_by(S.effective_on, S.id)


class History:
    """Agencies and successions, read once (``history(engine)``); every answer takes the day."""

    def __init__(self, agencies: list[AgencyRow], successions: list[Succession]):
        self.agencies = {a.code: a for a in agencies}
        self.successions = successions
        self._by_old: dict[str, list[Succession]] = defaultdict(list)
        self._by_new: dict[str, list[Succession]] = defaultdict(list)
        for s in successions:
            self._by_old[s.old].append(s)
            if s.new:
                self._by_new[s.new].append(s)

    def in_force(self, code: str, day: dt.date) -> bool:
        a = self.agencies.get(code)
        return a is not None and unit_validity.in_force(a.valid_from, a.valid_to, day)

    def ceased(self, code: str, day: dt.date) -> bool:
        """The agency had ended by ``day`` (its last day is before it)."""
        a = self.agencies.get(code)
        return a is not None and a.valid_to is not None and a.valid_to < day

    def taken_over(self, code: str, day: dt.date) -> list[Succession]:
        return [s for s in self._by_old.get(code, ()) if s.effective_on <= day]

    def successors(self, code: str, day: dt.date) -> list[str]:
        out: list[str] = []
        seen = {code}
        frontier = [code]
        while frontier:
            nxt = []
            for c in frontier:
                for s in self.taken_over(c, day):
                    if s.new is None or s.new in seen:
                        continue
                    seen.add(s.new)
                    if self.taken_over(s.new, day):
                        nxt.append(s.new)  # ceased in turn: follow the chain
                    else:
                        out.append(s.new)
            frontier = nxt
        return out

    def holder(self, code: str, day: dt.date) -> str:
        found = self.successors(code, day)
        return found[0] if found else code

    def predecessors(self, code: str, day: dt.date) -> list[str]:
        """The former agencies whose work ``code`` answers for on ``day`` (chains followed)."""
        out: list[str] = []
        frontier = [code]
        seen = {code}
        while frontier:
            nxt = []
            for c in frontier:
                for s in self._by_new.get(c, ()):
                    if s.effective_on <= day and s.old not in seen:
                        seen.add(s.old)
                        out.append(s.old)
                        nxt.append(s.old)
            frontier = nxt
        return out

    def family(self, code: str, day: dt.date) -> list[str]:
        holders = self.successors(code, day) or [code]
        out = [code, *holders]
        for h in holders:
            out += self.predecessors(h, day)
        return list(dict.fromkeys(out))

    def name(self, code: str) -> str:
        a = self.agencies.get(code)
        return code if a is None else a.name

    def short(self, code: str) -> str:
        a = self.agencies.get(code)
        return code if a is None else (a.short_name or a.name)


def history(engine: Engine) -> History:
    with read_connection(engine) as c:
        agencies = [AgencyRow(**r) for r in records(c, _AGENCIES)]
        successions = [Succession(r["old_agency_code"], r["new_agency_code"], r["relation"], r["effective_on"],
                                  r["successor_text"], r["legal_basis"], r["note"]) for r in records(c, _SUCCESSIONS)]
    return History(agencies, successions)


def successors(engine: Engine, code: str, as_of: dt.date | None = None) -> list[str]:
    """The agencies in force on the day that answer for ``code``'s work (see the module)."""
    return history(engine).successors(code, day_of(as_of))


def agency_family(engine: Engine, code: str, as_of: dt.date | None = None) -> list[str]:
    """The codes a filter by ``code`` takes on the day (``History.family``): give it as ``agency=`` to the
    task reads."""
    return history(engine).family(code, day_of(as_of))


HOLDER_COLUMNS = ("code", "holder_code", "holder_name", "holder_short_name", "ceased")


def holders(engine: Engine, *, as_of: dt.date | None = None) -> Records:
    """Every agency with the one its work counts for on the day (itself while it exists or when it was
    abolished): what a page needs to write "X (trước đây: Y)" beside a former agency's work."""
    day = day_of(as_of)
    hist = history(engine)
    rows = []
    for code in hist.agencies:
        holder = hist.holder(code, day)
        rows.append({"code": code, "holder_code": holder, "holder_name": hist.name(holder),
                     "holder_short_name": hist.short(holder), "ceased": hist.ceased(code, day)})
    return Records(rows, HOLDER_COLUMNS)


# --- words -----------------------------------------------------------------------------------------------

Translate = Callable[..., str]  # tr(key, **values): dashboard.i18n.translate with the language bound


def display_name(holder_name: str, former_names: list[str], tr: Translate) -> str:
    """"Sở Tài chính (trước đây: Sở Kế hoạch và Đầu tư)" / "(formerly: …)"; the name alone without former ones."""
    if not former_names:
        return holder_name
    return tr("common.agency_formerly", name=holder_name, former=", ".join(former_names))


def work_display_name(hist: History, code: str, day: dt.date, tr: Translate, *, short: bool = False) -> str:
    """The name a piece of work of ``code`` is shown under on ``day``: its holder, with ``code``'s own name
    as the former one when the holder is another agency."""
    holder = hist.holder(code, day)
    name = hist.short if short else hist.name
    return display_name(name(holder), [] if holder == code else [name(code)], tr)


def historical_name(hist: History, code: str, day: dt.date, tr: Translate, *, short: bool = False) -> str:
    """A former agency's work shown as it was, with who answers for it on ``day``: "Sở Kế hoạch và Đầu tư
    (nay là Sở Tài chính)" / "(now …)"; the name alone while the agency exists or has no successor."""
    holder = hist.holder(code, day)
    name = hist.short if short else hist.name
    return name(code) if holder == code else tr("common.agency_now", name=name(code), current=name(holder))


# --- lists ------------------------------------------------------------------------------------------------

AGENCY_COLUMNS = ("code", "name", "short_name", "kind", "role", "valid_from", "valid_to", "is_committee_member")
_IN_FORCE = (select(Agency.code, Agency.name, Agency.short_name, Agency.kind, Agency.role, Agency.valid_from,
                    Agency.valid_to, Agency.is_committee_member)
             .where(Agency.province_unit_id.in_(bindparam("province_ids", expanding=True)),
                    unit_validity.in_force_sql(Agency.valid_from, Agency.valid_to, day_param())))


def agencies_in_force(engine: Engine, province: str, *, as_of: dt.date | None = None) -> Records:
    """The province's agencies in force on the day, by name (AGENCY_COLUMNS)."""
    day = day_of(as_of)
    with read_connection(engine) as c:
        rows = records(c, _IN_FORCE, {"province_ids": units.province_scope(c, province, day), "day": day})
    rows.sort(key=lambda r: (sort_name(r["name"]), r["code"]))
    return Records(rows, AGENCY_COLUMNS)


HOLDER_COUNT_COLUMNS = (*tasks.AGENCY_COUNT_COLUMNS, "former_codes", "former_names", "ceased")


def task_counts_by_holder(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                          as_of: dt.date | None = None, as_they_were: bool = False) -> Records:
    """``tasks.task_counts_by_agency`` with a former agency's tasks counted for its successor from the
    succession date (``former_codes`` / ``former_names``: whose tasks were added in); ``as_they_were``:
    every agency as it was (nothing added up). ``agency`` filters by the agency's family on the day (a
    former agency's filter finds its successor's work), unless ``as_they_were``. ``ceased``: the row's agency
    had ended by the day (an abolished one keeps its own row until its work is reassigned)."""
    day = day_of(as_of)
    hist = history(engine)
    scope = (agency if as_they_were else hist.family(agency, day)) if agency else None
    per_agency = tasks.task_counts_by_agency(engine, province, districts=districts, agency=scope, as_of=day)
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in per_agency:
        groups[row["agency_code"] if as_they_were else hist.holder(row["agency_code"], day)].append(row)
    out = []
    for code, rows in groups.items():
        merged = {key: sum(r[key] for r in rows) for key in tasks.COUNT_KEYS}
        late = [(r["avg_days_late"], r["done_late"] + r["overdue"]) for r in rows
                if r["avg_days_late"] == r["avg_days_late"]]  # NaN: no late task
        weight = sum(n for _, n in late)
        formers = [r["agency_code"] for r in rows if r["agency_code"] != code]
        out.append({
            "agency_code": code, "agency_name": hist.name(code), "short_name": hist.short(code), **merged,
            "share_done_on_time": merged["done_on_time"] / merged["assigned"] if merged["assigned"] else float("nan"),
            "avg_days_late": sum(a * n for a, n in late) / weight if weight else float("nan"),
            "former_codes": formers, "former_names": [hist.name(f) for f in formers],
            "ceased": hist.ceased(code, day)})
    out.sort(key=lambda r: sort_name(r["agency_name"]))
    return Records(out, HOLDER_COUNT_COLUMNS)


def tasks_of_agency(engine: Engine, province: str, agency: str, *, as_of: dt.date | None = None,
                    **filters) -> Records:
    """``tasks.list_tasks`` filtered by ``agency`` and its family on the day (its successors and their
    former agencies): a former agency's filter finds its successor's work, and the other way round."""
    day = day_of(as_of)
    return tasks.list_tasks(engine, province, agency=history(engine).family(agency, day), as_of=day, **filters)


# --- the worklist: open work of agencies that had ceased ----------------------------------------------------

WORKLIST_COLUMNS = ("kind", "id", "code", "title", "agency_code", "agency_name", "agency_valid_to", "due_on",
                    "status", "version", "successors", "successor_names", "relation", "successor_text")


def _ceased_where(province_col, open_sql):
    return [province_col.in_(bindparam("province_ids", expanding=True)), open_sql,
            Agency.valid_to < day_param()]


_WORK_TASKS = (select(literal("task").label("kind"), Task.id, Task.code, Task.title,
                      Task.lead_agency_code.label("agency_code"), Agency.name.label("agency_name"),
                      Agency.valid_to.label("agency_valid_to"), Task.due_on, Task.status, Task.version)
               .join(Agency, Agency.code == Task.lead_agency_code)
               .where(*_ceased_where(Task.province_unit_id, task_open_sql(Task.status)),
                      Task.assigned_on <= day_param()))
_WORK_ISSUES = (select(literal("issue").label("kind"), Issue.id, Issue.code, Issue.title,
                       Issue.raised_by_code.label("agency_code"), Agency.name.label("agency_name"),
                       Agency.valid_to.label("agency_valid_to"), cast(null(), Date).label("due_on"), Issue.status,
                       Issue.version)
                .join(Agency, Agency.code == Issue.raised_by_code)
                .where(*_ceased_where(Issue.province_unit_id, issue_open_sql(Issue.status)),
                       Issue.raised_on <= day_param()))
_COUNT_TASKS = select(func.count()).select_from(_WORK_TASKS.subquery())
_COUNT_ISSUES = select(func.count()).select_from(_WORK_ISSUES.subquery())
_WORKLIST = union_all(_WORK_TASKS, _WORK_ISSUES)


def ceased_worklist(engine: Engine, province: str, *, as_of: dt.date | None = None) -> Records:
    """"Việc của cơ quan đã giải thể / sáp nhập": the open tasks and issues whose lead agency (an issue's:
    the agency that raised it) had ended by the day, with the successors the succession names
    (none for an abolished district People's Committee: ``successor_text`` says who answers)."""
    day = day_of(as_of)
    with read_connection(engine) as c:
        rows = records(c, _WORKLIST, {"province_ids": units.province_scope(c, province, day), "day": day})
    hist = history(engine)
    for row in rows:
        found = hist.successors(row["agency_code"], day)
        taken = hist.taken_over(row["agency_code"], day)
        row["successors"] = found
        row["successor_names"] = [hist.name(s) for s in found]
        row["relation"] = taken[0].relation if taken else None
        row["successor_text"] = next((s.successor_text for s in taken if s.successor_text), None)
    rows.sort(key=lambda r: (sort_name(r["agency_name"]), r["kind"] != "task", r["due_on"] is None,
                             r["due_on"] or dt.date.min, r["code"]))
    return Records(rows, WORKLIST_COLUMNS)


def ceased_counts(engine: Engine, province: str, *, as_of: dt.date | None = None) -> dict[str, int]:
    """How many open tasks and issues of ceased agencies wait for reassignment (the overview's flag)."""
    day = day_of(as_of)
    with read_connection(engine) as c:
        params = {"province_ids": units.province_scope(c, province, day), "day": day}
        n_tasks = c.execute(_COUNT_TASKS, params).scalar_one()
        n_issues = c.execute(_COUNT_ISSUES, params).scalar_one()
    return {"tasks": int(n_tasks), "issues": int(n_issues), "total": int(n_tasks) + int(n_issues)}
