"""Read queries the pages call, by subject. Counting and rolling up happen in SQL (GROUP BY); Python only
shapes the few rows that come back. Every function takes the engine first; filters are keywords.

    tasks.py        counts per lead agency, totals, the task list, a task's history
    indicators.py   one figure across districts, series, the overview, a figure's revisions
                    (_rollup.py: how province figures are rolled up from the districts)
    issues.py       the issue list and counts
    meetings.py     the next / last meeting, the list of meetings
    reference.py    provinces, districts, agencies, the data version
    units.py        units as versions; filter_units: the unit filter of a day (districts, then communes)
    plans.py        plans as versions: the plan in force on a day, the targets of each plan side by side
    succession.py   agencies over time: in force on a day, successors, the ceased agencies' worklist
    changes.py      what changed since a day (counts, task updates)
    carry.py        figures of a period before a rearrangement on the communes of a later day
    asof.py         tasks and figures as they stood at the end of a past day (meeting packs)
    _common.py      running a read (``read_connection``, ``records``, ``one``) and shared helpers

How a read is written (SQLAlchemy Core, public API only): the statement is built once -- a module
constant, or a builder remembered with ``functools.cache`` per shape (the dialect where the SQL
differs, which optional filters are on); values go in through ``bindparam``, every list through one
``bindparam(name, expanding=True)``; it runs as ``with read_connection(engine) as c:
records(c, stmt, params)`` (PostgreSQL in autocommit). Table-shaped answers are
``qh_data.records.Records`` (row dicts with their columns; ``to_frame()`` for pandas, which
``dashboard.data`` calls once per cache entry). Errors are SQLAlchemy's exception classes.

``from qh_data import queries; queries.list_tasks(...)``: every public function and constant is
re-exported here (``asof`` is a module of its own: ``from qh_data.queries import asof``).
"""

from ..errors import NotFound, ValidationFailed
from ..rules.open_status import CLOSED_ISSUE_STATUSES
from . import asof, carry, units
from ._common import read_connection
from .carry import CARRY_COLUMNS, carried_values
from .changes import CHANGE_COLUMNS, changes_since, task_changes_since
from .indicators import (
    DISTRICT_VALUE_COLUMNS,
    FIGURE_PERIOD_COLUMNS,
    KIND_ORDER,
    OVERVIEW_COLUMNS,
    PROVINCE_SERIES_COLUMNS,
    PROVINCE_VALUE_COLUMNS,
    SERIES_COLUMNS,
    VALUE_HISTORY_COLUMNS,
    figure_periods,
    geographies,
    indicator_overview,
    indicator_series,
    indicator_values,
    province_series,
    value_history,
)
from .issues import AGE_BUCKETS, ISSUE_COLUMNS, issue_counts, open_issues
from .meetings import last_meeting, list_meetings, split_meetings, upcoming_meeting
from .plans import PLAN_COLUMNS, PLAN_TARGET_COLUMNS, SAME_QUANTITY, plan_in_force, plans_of, targets_by_plan
from .reference import agencies, data_version, districts, provinces
from .succession import (
    HOLDER_COLUMNS,
    HOLDER_COUNT_COLUMNS,
    WORKLIST_COLUMNS,
    agencies_in_force,
    agency_family,
    ceased_counts,
    ceased_worklist,
    holders,
    task_counts_by_holder,
    tasks_of_agency,
)
from .tasks import (
    AGENCY_COUNT_COLUMNS,
    COUNT_KEYS,
    HISTORY_COLUMNS,
    ROLES,
    TASK_COLUMNS,
    TASK_ORDERS,
    due_soon_tasks,
    list_tasks,
    overdue_tasks,
    task_counts_by_agency,
    task_history,
    task_totals,
)
from .units import filter_units

__all__ = [
    "PLAN_COLUMNS",
    "PLAN_TARGET_COLUMNS",
    "SAME_QUANTITY",
    "plan_in_force",
    "plans_of",
    "targets_by_plan",
    "AGENCY_COUNT_COLUMNS",
    "CARRY_COLUMNS",
    "AGE_BUCKETS",
    "CHANGE_COLUMNS",
    "CLOSED_ISSUE_STATUSES",
    "COUNT_KEYS",
    "DISTRICT_VALUE_COLUMNS",
    "FIGURE_PERIOD_COLUMNS",
    "HISTORY_COLUMNS",
    "ISSUE_COLUMNS",
    "KIND_ORDER",
    "OVERVIEW_COLUMNS",
    "PROVINCE_SERIES_COLUMNS",
    "PROVINCE_VALUE_COLUMNS",
    "ROLES",
    "SERIES_COLUMNS",
    "TASK_COLUMNS",
    "TASK_ORDERS",
    "VALUE_HISTORY_COLUMNS",
    "NotFound",
    "ValidationFailed",
    "HOLDER_COLUMNS",
    "HOLDER_COUNT_COLUMNS",
    "WORKLIST_COLUMNS",
    "agencies",
    "agencies_in_force",
    "agency_family",
    "asof",
    "carried_values",
    "carry",
    "ceased_counts",
    "ceased_worklist",
    "holders",
    "changes_since",
    "data_version",
    "districts",
    "filter_units",
    "due_soon_tasks",
    "figure_periods",
    "indicator_overview",
    "indicator_series",
    "indicator_values",
    "issue_counts",
    "last_meeting",
    "list_meetings",
    "list_tasks",
    "open_issues",
    "overdue_tasks",
    "province_series",
    "provinces",
    "geographies",
    "read_connection",
    "split_meetings",
    "task_changes_since",
    "task_counts_by_holder",
    "task_counts_by_agency",
    "task_history",
    "task_totals",
    "tasks_of_agency",
    "units",
    "upcoming_meeting",
    "value_history",
]
