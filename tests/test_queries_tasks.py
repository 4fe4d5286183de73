"""Task queries on the small province: counts, totals, lists, history and changes, on SQLite and PostgreSQL.

Expected numbers come from the pure rules over the fixture's own task list (``query_world``)."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd
import pytest
from query_world import KHDT, STC, TASKS, TODAY, UB1, D, P, T, codes_of, expected_counts, seed

from qh_data import queries
from qh_data import status as rules
from qh_data.errors import ValidationFailed

COUNT_COLS = ("assigned", "done", "done_on_time", "done_late", "in_progress", "not_started", "overdue",
              "due_soon", "on_track", "no_deadline", "cancelled")


@pytest.fixture
def world(backend, read_store):
    """(engine, ids): the small province, seeded once per session and backend and shared read-only
    (every test here only reads; a write through it fails)."""
    return read_store(backend, "query_world", build=seed, seeded=False)


def _by_agency(df):
    return {r["agency_code"]: r for r in df.to_dict("records")}


def test_task_counts_by_agency_match_python_rules(world):
    engine = world[0]
    df = queries.task_counts_by_agency(engine, province=P, as_of=TODAY).to_frame()
    got = _by_agency(df)
    want = expected_counts()
    assert set(got) == set(want) == {KHDT, STC, UB1}
    for code, c in want.items():
        row = got[code]
        for col in COUNT_COLS:
            assert row[col] == c[col], (code, col)
        assert row["share_done_on_time"] == pytest.approx(c["done_on_time"] / c["assigned"])
        if c["late_n"]:
            assert row["avg_days_late"] == pytest.approx(c["late_days_sum"] / c["late_n"])
        else:
            assert math.isnan(row["avg_days_late"])
    # The same numbers written out by hand.
    k = got[KHDT]
    assert [k[c] for c in ("assigned", "done", "done_on_time", "done_late", "overdue", "due_soon")] == [
        5, 3, 2, 1, 1, 1]
    assert k["share_done_on_time"] == pytest.approx(0.4)
    assert k["avg_days_late"] == pytest.approx(5.0)  # NV-02 done 5 days late, NV-03 5 days overdue
    t = got[STC]
    assert (t["assigned"], t["cancelled"], t["on_track"], t["no_deadline"], t["due_soon"]) == (4, 1, 2, 1, 1)
    assert got[UB1]["avg_days_late"] == pytest.approx(61.0)  # 15/5 − 15/3
    assert got[KHDT]["agency_name"] == "Sở Kế hoạch và Đầu tư" and got[KHDT]["short_name"] == "Sở KH&ĐT"


def test_task_counts_filters(world):
    engine = world[0]
    # District 901: NV-11 is linked to it; NV-09 is led by its People's Committee.
    got = _by_agency(queries.task_counts_by_agency(engine, P, districts=["901"], as_of=TODAY).to_frame())
    assert {k: v["assigned"] for k, v in got.items()} == {KHDT: 1, UB1: 1}
    # Agency STC, lead or supporting: its own five (one cancelled) and NV-11 it supports.
    got = _by_agency(queries.task_counts_by_agency(engine, P, agency=STC, as_of=TODAY).to_frame())
    assert {k: (v["assigned"], v["cancelled"]) for k, v in got.items()} == {STC: (4, 1), KHDT: (1, 0)}
    # A later day: NV-12 exists, NV-05 (due 22/5) is overdue on 1/6 and NV-06 too.
    later = _by_agency(queries.task_counts_by_agency(engine, P, as_of=D(2026, 6, 1)).to_frame())
    want = {}
    for spec in TASKS:
        if spec.assigned <= D(2026, 6, 1) and spec.lead == STC:
            want[rules.timing_code(spec.due, spec.status, spec.done, D(2026, 6, 1))] = \
                want.get(rules.timing_code(spec.due, spec.status, spec.done, D(2026, 6, 1)), 0) + 1
    assert later[STC]["overdue"] == want["overdue"] == 2
    assert later[STC]["assigned"] == 5
    # Nothing in another province
    assert queries.task_counts_by_agency(engine, "98", districts=["901"], as_of=TODAY).to_frame().empty
    assert list(queries.task_counts_by_agency(engine, "98", districts=["901"]).to_frame().columns) == list(
        queries.AGENCY_COUNT_COLUMNS)


def test_task_totals(world):
    engine = world[0]
    totals = queries.task_totals(engine, P, as_of=TODAY)
    want = Counter()
    for c in expected_counts().values():
        want.update(c)
    assert totals["total"] == want["assigned"] == 10
    assert totals["all"] == 11
    for key in ("done", "in_progress", "not_started", "overdue", "due_soon", "cancelled", "on_track",
                "no_deadline", "done_late", "done_on_time"):
        assert totals[key] == want[key], key
    assert totals["total"] == totals["done"] + totals["in_progress"] + totals["not_started"]
    assert (totals["overdue"], totals["due_soon"]) == (2, 2)
    assert totals["avg_days_late"] == pytest.approx((5 + 5 + 61) / 3)
    empty = queries.task_totals(engine, P, agency="nobody", as_of=TODAY)
    assert empty["total"] == 0 and empty["avg_days_late"] is None


def test_list_tasks_columns_and_timing(world):
    engine = world[0]
    df = queries.list_tasks(engine, P, as_of=TODAY).to_frame()
    assert list(df.columns) == list(queries.TASK_COLUMNS)
    by_code = {r["code"]: r for r in df.to_dict("records")}
    assert set(by_code) == {s.code for s in TASKS if s.assigned <= TODAY}
    for spec in TASKS:
        if spec.code not in by_code:
            continue
        timing = rules.task_timing(spec.due, spec.status, spec.done, TODAY)
        assert by_code[spec.code]["timing"] == timing.code, spec.code
        assert by_code[spec.code]["days_late"] == timing.days_late, spec.code
    nv11 = by_code["NV-11"]
    assert nv11["supporting"] == "Sở TC, UBND H. Một"
    assert nv11["supporting_names"] == "Sở Tài chính, UBND Huyện Một"
    assert nv11["units"] == "Huyện Một" and nv11["unit_codes"] == "901"
    assert nv11["lead_name"] == "Sở Kế hoạch và Đầu tư" and nv11["lead_short_name"] == "Sở KH&ĐT"
    assert nv11["due_on"] == D(2026, 5, 14) and nv11["done_on"] == D(2026, 5, 14)
    # Order by due day, no deadline last
    assert codes_of(df)[0] == "NV-09" and codes_of(df)[-1] == "NV-07"


def test_list_tasks_filters(world):
    engine, ids = world

    def codes(**kw):
        return sorted(codes_of(queries.list_tasks(engine, P, **({"as_of": TODAY} | kw)).to_frame()))

    assert codes(text="tien do") == ["NV-10"]
    assert codes(text="TIẾN độ") == ["NV-10"]
    assert codes(text="nv-1") == ["NV-10", "NV-11"]
    assert codes(text="nv-1", limit=1) == ["NV-11"]  # limit after the text match, soonest due first
    assert codes(source="tb-ubnd") == ["NV-01"]
    assert codes(source="thong bao") == ["NV-01"]
    assert codes(source="UBND") == ["NV-01", "NV-02"]
    assert codes(timing=["overdue", "due_soon"]) == ["NV-03", "NV-04", "NV-05", "NV-09"]
    assert codes(statuses=["done"]) == ["NV-01", "NV-02", "NV-11"]
    assert codes(due_from=D(2026, 5, 10), due_to=D(2026, 5, 22)) == ["NV-03", "NV-04", "NV-05", "NV-11"]
    assert codes(agency=KHDT, role="lead") == ["NV-01", "NV-02", "NV-03", "NV-04", "NV-11"]
    assert codes(agency=KHDT, role="supporting") == ["NV-10"]
    assert codes(agency=UB1) == ["NV-09", "NV-11"]
    assert codes(districts=["902"]) == ["NV-10"]
    assert codes(districts="901") == ["NV-09", "NV-11"]
    assert codes(meeting_id=ids["m1"]) == ["NV-01", "NV-02"]
    assert codes(as_of=D(2026, 6, 2)) == sorted(s.code for s in TASKS)
    assert len(queries.list_tasks(engine, P, as_of=TODAY, limit=3).to_frame()) == 3
    with pytest.raises(ValidationFailed):
        queries.list_tasks(engine, P, role="boss").to_frame()
    with pytest.raises(ValidationFailed):
        queries.list_tasks(engine, P, order="random").to_frame()


def test_overdue_and_due_soon(world):
    engine = world[0]
    over = queries.overdue_tasks(engine, province=P, as_of=TODAY).to_frame()
    assert codes_of(over) == ["NV-09", "NV-03"]  # 61 days, then 5 days
    assert list(over["days_late"]) == [61, 5]
    assert codes_of(queries.overdue_tasks(engine, P, as_of=TODAY, limit=1).to_frame()) == ["NV-09"]
    assert codes_of(queries.due_soon_tasks(engine, P, as_of=TODAY).to_frame()) == ["NV-04", "NV-05"]
    assert codes_of(queries.due_soon_tasks(engine, P, days=14, as_of=TODAY).to_frame()) == ["NV-04", "NV-05", "NV-06"]


def test_task_history_and_changes(world):
    engine, ids = world
    hist = queries.task_history(engine, ids["NV-03"]).to_frame()
    assert list(hist.columns) == list(queries.HISTORY_COLUMNS)
    assert list(hist["percent_done"]) == [30, 0]
    assert list(hist["user_name"]) == ["Nguyễn Văn Một", "Nguyễn Văn Một"]
    assert hist["note"].iloc[0] == "Đang làm"
    assert queries.task_history(engine, ids["NV-01"]).to_frame().empty

    since_meeting = queries.task_changes_since(engine, P, D(2026, 4, 20)).to_frame()
    assert list(since_meeting["code"]) == ["NV-03", "NV-10"]
    first = since_meeting.iloc[0]
    assert (first["status"], first["previous_status"], first["percent_done"], first["previous_percent"]) == (
        "in_progress", "not_started", 30, 0)
    assert first["previous_due_on"] == D(2026, 5, 10)
    assert first["user_name"] == "Nguyễn Văn Một"
    assert pd.isna(since_meeting.iloc[1]["previous_status"])  # its first record
    assert list(queries.task_changes_since(engine, P, T(2026, 5, 1)).to_frame()["code"]) == ["NV-03"]
    assert list(queries.task_changes_since(engine, P, T(2026, 4, 1)).to_frame()["code"]) == ["NV-03", "NV-10", "NV-03"]
    assert list(queries.task_changes_since(engine, P, T(2026, 4, 1, 12), until=D(2026, 4, 30)).to_frame()["code"]) == [
        "NV-10"]
    assert list(queries.task_changes_since(engine, P, D(2026, 3, 1), agency=STC).to_frame()["code"]) == ["NV-10"]
