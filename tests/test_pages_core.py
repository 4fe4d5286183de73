"""AppTest runs of the shell, the overview, the department progress page and the task register.

The figures shown are compared with counts computed here straight from the database (plain SQL over
the ORM tables, independent of qh_data.queries).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from apptest_helpers import assert_clean, open_page, vietnamese_strings_in
from sqlalchemy import and_, func, or_, select

from qh_data import clock
from qh_data.db import read_session
from qh_data.models import AdminUnitVersion, Agency, AgencySuccession, Task, task_admin_unit


@pytest.fixture
def app_db(read_store, monkeypatch):
    """The seeded SQLite demo shared read-only by the session (every connection refuses writes); the
    app's caches carry over from one test to the next as in a running app."""
    engine = read_store("sqlite", "demo")[0]
    monkeypatch.setenv("QH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("QH_AUTH", "none")
    return engine


def _figure(at, label: str) -> str:
    for md in at.markdown:
        text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), str(md.value))
        m = re.search(r'qh-figure-value">([^<]*)</div><div class="qh-figure-label">' + re.escape(label), text)
        if m:
            return m.group(1)
    raise AssertionError(f"figure {label!r} not shown")


def _independent_counts(engine, province="20", today=None, district=None, agency=None):
    today = today or clock.today()
    conds = [Task.province_code == province, Task.assigned_on <= today]
    if district:
        via_unit = (select(task_admin_unit.c.task_id)
                    .join(AdminUnitVersion, AdminUnitVersion.id == task_admin_unit.c.unit_id)
                    .where(AdminUnitVersion.code == district))
        lead_is_district = select(Agency.code).where(Agency.admin_unit_code == district)
        conds.append(or_(Task.id.in_(via_unit), Task.lead_agency_code.in_(lead_is_district)))
    if agency:
        conds.append(Task.lead_agency_code == agency)  # tested with an agency that supports nothing
    with read_session(engine) as s:
        def n(*extra):
            return s.scalar(select(func.count(Task.id)).where(and_(*conds, *extra)))
        open_ = Task.status.not_in(("done", "cancelled"))
        return {
            "total": n(Task.status != "cancelled"),
            "done": n(Task.status == "done"),
            "in_progress": n(Task.status == "in_progress"),
            "overdue": n(open_, Task.due_on < today),
            "due_soon": n(open_, Task.due_on >= today, Task.due_on <= today + dt.timedelta(days=7)),
        }


def _vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def test_overview_figures_equal_the_database(app_db):
    at = open_page("overview.py")
    assert_clean(at)
    want = _independent_counts(app_db)
    assert want["total"] > 0 and want["overdue"] > 0
    assert _figure(at, "Tổng số nhiệm vụ") == _vn(want["total"])
    assert _figure(at, "Đã hoàn thành") == _vn(want["done"])
    assert _figure(at, "Đang thực hiện") == _vn(want["in_progress"])
    assert _figure(at, "Quá hạn") == _vn(want["overdue"])
    assert _figure(at, "Đến hạn trong 7 ngày") == _vn(want["due_soon"])


def test_overview_filtered_by_district(app_db):
    """A district filter on a day the district existed (districts ended on 1/7/2025: today the same link
    names them as abolished, tests/test_pages_unit_filter.py)."""
    day = dt.date(2025, 6, 30)
    at = open_page("overview.py", {"p": "20", "d": "186", "asof": day.isoformat()})
    assert_clean(at)
    want = _independent_counts(app_db, district="186", today=day)
    assert _figure(at, "Tổng số nhiệm vụ") == _vn(want["total"])
    assert _figure(at, "Quá hạn") == _vn(want["overdue"])


def test_overview_of_thai_nguyen(app_db):
    at = open_page("overview.py", {"p": "19"})
    assert_clean(at)
    want = _independent_counts(app_db, province="19")
    assert _figure(at, "Tổng số nhiệm vụ") == _vn(want["total"])


def test_a_day_before_any_task_shows_friendly_empty_states(app_db):
    at = open_page("overview.py", {"asof": "2019-01-01"})
    assert_clean(at)
    assert _figure(at, "Tổng số nhiệm vụ") == "0"
    assert any("Không có nhiệm vụ nào" in str(i.value) for i in at.info)


def test_english_switch_leaves_no_vietnamese_interface_string(app_db):
    for page in ("overview.py", "progress.py", "tasks.py"):
        at = open_page(page, {"lang": "en"})
        assert_clean(at)
        assert vietnamese_strings_in(at) == [], page
        assert at.title[0].value in ("Overview", "Progress by department and district", "Task register")


def test_progress_table_equals_the_database(app_db):
    """One row per agency with its tasks; a merged agency's tasks count for its successor from the succession
    date and the row says "(trước đây: …)" (issue 15). Without a succession in the store: per lead agency."""
    at = open_page("progress.py")
    assert_clean(at)
    table = at.dataframe[0].value
    with read_session(app_db) as s:
        names = dict(s.execute(select(Agency.code, Agency.name)).all())
        successor = dict(s.execute(select(AgencySuccession.old_agency_code, AgencySuccession.new_agency_code)
                                   .where(AgencySuccession.new_agency_code.is_not(None),
                                          AgencySuccession.effective_on <= clock.today())).all())
        by_code = s.execute(
            select(Task.lead_agency_code, func.count(Task.id))
            .where(Task.province_code == "20", Task.status != "cancelled", Task.assigned_on <= clock.today())
            .group_by(Task.lead_agency_code)).all()
    want: dict[str, int] = {}
    with_former: set[str] = set()
    for code, n in by_code:
        holder = successor.get(code, code)
        want[names[holder]] = want.get(names[holder], 0) + n
        if holder != code:
            with_former.add(names[holder])
    shown = {}
    for name, n in zip(table["agency"], table["assigned"], strict=True):
        bare = re.sub(r" \(trước đây: .*\)$", "", name)
        assert (bare != name) == (bare in with_former), name
        shown[bare] = n
    assert shown == want and len(shown) == len(table)


def test_task_register_search_and_filters(app_db):
    at = open_page("tasks.py", {"q": "tu van"})
    assert_clean(at)
    with read_session(app_db) as s:
        titles = s.scalars(select(Task.title).where(Task.province_code == "20",
                                                    Task.assigned_on <= clock.today())).all()
        codes = s.scalars(select(Task.code).where(Task.province_code == "20",
                                                  Task.assigned_on <= clock.today())).all()
    from qh_data.text import fold

    want = sum(1 for t, c in zip(titles, codes, strict=True) if "tu van" in fold(t) or "tu van" in fold(c))
    assert want > 0
    assert any(f"**{want}**" in str(m.value) for m in at.markdown)


def test_url_round_trip_reopens_the_same_view(app_db):
    at = open_page("progress.py", {"p": "20", "asof": "2025-06-30"})  # the last day of the districts
    at.sidebar.multiselect[0].set_value(["186", "178"]).run()
    at.sidebar.selectbox[1].set_value("LS-UBND-186").run()
    params = dict(at.query_params)
    assert "186,178" in str(params["d"]) and "LS-UBND-186" in str(params["a"])
    again = open_page("progress.py", {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()})
    assert_clean(again)
    assert again.session_state["f_districts"] == ["186", "178"]
    assert again.session_state["f_agency"] == "LS-UBND-186"
    assert len(at.dataframe) >= 1 and len(again.dataframe) == len(at.dataframe)
    assert again.dataframe[0].value.equals(at.dataframe[0].value)


def test_malformed_parameters_are_ignored_with_a_notice(app_db):
    at = open_page("overview.py", {"p": "'; DROP TABLE task; --", "zzz": "1", "asof": "31/02/2026"})
    assert_clean(at)
    assert at.session_state["f_province"] == "20"
    assert at.session_state["_ignored_params"] == ["asof", "p", "zzz"]
