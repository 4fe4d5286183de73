"""Read queries on a small province of our own, on SQLite and PostgreSQL.

Expected numbers are computed here independently of the SQL: task timings with the pure rules of
``qh_data.status`` over the fixture's own task list, roll-ups by hand (written out in comments).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import pytest
from sqlalchemy import delete

from qh_data import queries
from qh_data import status as rules
from qh_data.db import session_scope
from qh_data.errors import NotFound, ValidationFailed
from qh_data.models import (
    AdminUnit,
    Agency,
    AgendaItem,
    AuditEntry,
    Indicator,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    User,
)

D = dt.date
T = dt.datetime
TODAY = D(2026, 5, 15)
P = "99"
KHDT, STC, UB1 = "Q-SKHDT", "Q-STC", "Q-UB901"


@dataclass
class TaskSpec:
    code: str
    lead: str
    due: dt.date | None
    status: str
    done: dt.date | None = None
    assigned: dt.date = D(2026, 1, 5)
    supporting: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    title: str = ""
    source: str | None = None
    meeting: bool = False
    extra: dict = field(default_factory=dict)


TASKS = [
    TaskSpec("NV-01", KHDT, D(2026, 5, 1), "done", D(2026, 4, 28), source="Thông báo 45/TB-UBND",
             meeting=True),
    TaskSpec("NV-02", KHDT, D(2026, 5, 1), "done", D(2026, 5, 6), source="Kế hoạch 12/KH-UBND", meeting=True),
    TaskSpec("NV-03", KHDT, D(2026, 5, 10), "in_progress"),
    TaskSpec("NV-04", KHDT, D(2026, 5, 15), "not_started"),
    TaskSpec("NV-05", STC, D(2026, 5, 22), "in_progress"),
    TaskSpec("NV-06", STC, D(2026, 5, 23), "not_started"),
    TaskSpec("NV-07", STC, None, "in_progress"),
    TaskSpec("NV-08", STC, D(2026, 4, 1), "cancelled"),
    TaskSpec("NV-09", UB1, D(2026, 3, 15), "not_started"),
    TaskSpec("NV-10", STC, D(2026, 6, 30), "in_progress", supporting=(KHDT,), units=("902",),
             title="Rà soát TIẾN ĐỘ quy hoạch"),
    TaskSpec("NV-11", KHDT, D(2026, 5, 14), "done", D(2026, 5, 14), supporting=(STC, UB1), units=("901",)),
    TaskSpec("NV-12", STC, D(2026, 7, 1), "not_started", assigned=D(2026, 6, 1)),  # after TODAY
]


def seed(engine) -> dict:
    ids: dict = {}
    with session_scope(engine) as s:
        s.add_all([AdminUnit(code=P, name="Tỉnh Thử", level="province"),
                   AdminUnit(code="98", name="Tỉnh Bên", level="province")])
        s.flush()
        s.add_all([
            AdminUnit(code="901", name="Huyện Một", level="district", parent_code=P, population_2019=100_000),
            AdminUnit(code="902", name="Huyện Hai", level="district", parent_code=P, population_2019=300_000),
            AdminUnit(code="903", name="Huyện Ba", level="district", parent_code=P, population_2019=50_000,
                      valid_to=D(2024, 6, 30)),
            AdminUnit(code="904", name="Thị xã Bốn", level="district", parent_code=P, population_2019=None,
                      valid_from=D(2024, 7, 1)),
            AdminUnit(code="981", name="Huyện Khác", level="district", parent_code="98",
                      population_2019=1000),
        ])
        s.flush()
        s.add_all([
            Agency(code=KHDT, name="Sở Kế hoạch và Đầu tư", short_name="Sở KH&ĐT", kind="so", province_code=P,
                   admin_unit_code=P, is_committee_member=True),
            Agency(code=STC, name="Sở Tài chính", short_name="Sở TC", kind="so", province_code=P,
                   admin_unit_code=P),
            Agency(code=UB1, name="UBND Huyện Một", short_name="UBND H. Một", kind="ubnd_huyen",
                   province_code=P, admin_unit_code="901", is_committee_member=True),
            Agency(code="R-OTHER", name="Sở Khác", kind="so", province_code="98", admin_unit_code="98"),
        ])
        s.flush()
        user = User(username="u1", display_name="Nguyễn Văn Một", role="dpi_editor", created_at=T(2026, 1, 1))
        s.add(user)
        s.flush()
        ids["user"] = user.id
        m1 = Meeting(province_code=P, held_on=D(2026, 4, 20), title="Phiên họp thứ nhất", status="held")
        m2 = Meeting(province_code=P, held_on=D(2026, 5, 29), title="Phiên họp thứ hai", status="planned",
                     starts_at="08:00")
        m3 = Meeting(province_code=P, held_on=D(2026, 6, 30), title="Phiên họp thứ ba", status="planned")
        m_other = Meeting(province_code="98", held_on=D(2026, 5, 20), title="Họp tỉnh khác", status="planned")
        s.add_all([m1, m2, m3, m_other])
        s.flush()
        m2.invitees = [s.get(Agency, KHDT), s.get(Agency, STC)]
        m2.agenda_items = [AgendaItem(position=1, kind="free", title="Khai mạc", minutes=10),
                           AgendaItem(position=2, kind="task", title="Tiến độ", presenter_code=KHDT,
                                      minutes=20)]
        ids["m1"], ids["m2"] = m1.id, m2.id
        for spec in TASKS:
            task = Task(code=spec.code, title=spec.title or f"Nhiệm vụ {spec.code}", province_code=P,
                        source_document=spec.source, lead_agency_code=spec.lead, assigned_on=spec.assigned,
                        due_on=spec.due, status=spec.status, done_on=spec.done,
                        percent_done=100 if spec.status == "done" else 20,
                        meeting_id=m1.id if spec.meeting else None,
                        created_at=T(2026, 1, 5), updated_at=T(2026, 1, 5))
            task.supporting_agencies = [s.get(Agency, c) for c in spec.supporting]
            task.admin_units = [s.get(AdminUnit, c) for c in spec.units]
            s.add(task)
            s.flush()
            ids[spec.code] = task.id
        # another province's task never shows
        s.add(Task(code="X-1", title="Khác", province_code="98", lead_agency_code="R-OTHER",
                   assigned_on=D(2026, 1, 1), due_on=D(2026, 1, 2), status="not_started",
                   created_at=T(2026, 1, 1), updated_at=T(2026, 1, 1)))
        s.add_all([
            TaskUpdate(task_id=ids["NV-03"], at=T(2026, 4, 1, 9), user_id=user.id, status="not_started",
                       percent_done=0, due_on=D(2026, 5, 10), version=1),
            TaskUpdate(task_id=ids["NV-03"], at=T(2026, 5, 2, 10), user_id=user.id, status="in_progress",
                       percent_done=30, due_on=D(2026, 5, 10), note="Đang làm", version=2),
            TaskUpdate(task_id=ids["NV-10"], at=T(2026, 4, 25, 15), user_id=None, status="in_progress",
                       percent_done=10, due_on=D(2026, 6, 30), version=1),
        ])
    return ids


def expected_counts(*, specs=None) -> dict[str, Counter]:
    """Per lead agency, counted with the pure Python rules."""
    out: dict[str, Counter] = {}
    for spec in specs if specs is not None else TASKS:
        if spec.assigned > TODAY:
            continue
        c = out.setdefault(spec.lead, Counter())
        timing = rules.task_timing(spec.due, spec.status, spec.done, TODAY)
        c[timing.code] += 1
        if spec.status != "cancelled":  # "cancelled" is a timing code too: counted once above
            c[spec.status] += 1
        if spec.status != "cancelled":
            c["assigned"] += 1
        if timing.code in ("done_late", "overdue"):
            c["late_days_sum"] += timing.days_late
            c["late_n"] += 1
    return out


COUNT_COLS = ("assigned", "done", "done_on_time", "done_late", "in_progress", "not_started", "overdue",
              "due_soon", "on_track", "no_deadline", "cancelled")


def _by_agency(df):
    return {r["agency_code"]: r for r in df.to_dict("records")}


def test_task_counts_by_agency_match_python_rules(engine):
    seed(engine)
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


def test_task_counts_filters(engine):
    seed(engine)
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


def test_task_totals(engine):
    seed(engine)
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


def _codes(df) -> list[str]:
    return list(df["code"])


def test_list_tasks_columns_and_timing(engine):
    seed(engine)
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
    assert _codes(df)[0] == "NV-09" and _codes(df)[-1] == "NV-07"


def test_list_tasks_filters(engine):
    ids = seed(engine)

    def codes(**kw):
        return sorted(_codes(queries.list_tasks(engine, P, **({"as_of": TODAY} | kw)).to_frame()))

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


def test_overdue_and_due_soon(engine):
    seed(engine)
    over = queries.overdue_tasks(engine, province=P, as_of=TODAY).to_frame()
    assert _codes(over) == ["NV-09", "NV-03"]  # 61 days, then 5 days
    assert list(over["days_late"]) == [61, 5]
    assert _codes(queries.overdue_tasks(engine, P, as_of=TODAY, limit=1).to_frame()) == ["NV-09"]
    assert _codes(queries.due_soon_tasks(engine, P, as_of=TODAY).to_frame()) == ["NV-04", "NV-05"]
    assert _codes(queries.due_soon_tasks(engine, P, days=14, as_of=TODAY).to_frame()) == ["NV-04", "NV-05", "NV-06"]


def test_task_history_and_changes(engine):
    ids = seed(engine)
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


# --- indicators ------------------------------------------------------------------------------------

def seed_indicators(engine, user_id: int | None = None) -> None:
    def ind(code, aggregation, direction="higher", is_rate=False, order=0):
        return Indicator(code=code, name_vi=f"Chỉ tiêu {code}", name_en=f"Indicator {code}", unit="đv",
                         group="economy", owner_role="SKHDT" if code != "school" else "SGDDT",
                         direction=direction, aggregation=aggregation, is_rate=is_rate, sort_order=order)

    at = T(2026, 1, 10, 9)

    def val(indicator, unit, period, kind, value, *, submitted=at, superseded=None, revision=1, demo=False):
        ptype = "year" if len(period) == 4 else "half" if "H" in period else "quarter"
        return IndicatorValue(indicator_code=indicator, admin_unit_code=unit, period=period,
                              period_type=ptype, year=int(period[:4]), kind=kind, value=value,
                              revision=revision, source="test",
                              submitted_at=submitted, superseded_at=superseded, is_demo=demo,
                              submitted_by_id=user_id, file_name=f"{indicator}.xlsx")

    with session_scope(engine) as s:
        s.add_all([ind("pop", "sum", order=1), ind("poor", "mean_pop", "lower", True, 2),
                   ind("school", "mean", order=3), ind("grdp_g", "not_additive", "higher", True, 4)])
        s.flush()
        s.add_all([
            # pop (sum): 2020 by 901, 902, 903 (904 did not exist yet)
            val("pop", "901", "2020", "actual", 5), val("pop", "902", "2020", "actual", 15),
            val("pop", "903", "2020", "actual", 3),
            # 2024: 903 (until 30/6) and 904 (from 1/7) both valid during the year
            val("pop", "903", "2024", "actual", 4), val("pop", "904", "2024", "actual", 6),
            # 2025: 901 revised (8 → 10 on 1/3/2026), 902, 904; 903's stray figure is outside its validity
            val("pop", "901", "2025", "actual", 8, superseded=T(2026, 3, 1)),
            val("pop", "901", "2025", "actual", 10, submitted=T(2026, 3, 1), revision=2, demo=True),
            val("pop", "902", "2025", "actual", 20), val("pop", "904", "2025", "actual", 7),
            val("pop", "903", "2025", "actual", 1000),
            val("pop", P, "2030", "target", 60),
            # another province's district never counts
            val("pop", "981", "2025", "actual", 1000),
            # poor (mean_pop, lower, rate)
            val("poor", "901", "2020", "actual", 20), val("poor", "902", "2020", "actual", 6),
            val("poor", "901", "2025", "actual", 10), val("poor", "902", "2025", "actual", 2),
            val("poor", "904", "2025", "actual", 6),  # no population: left out of the weighting
            val("poor", P, "2030", "target", 3),
            # school (mean), no target
            val("school", "901", "2025", "actual", 80), val("school", "902", "2025", "actual", 90),
            val("school", "904", "2025", "actual", 100), val("school", "901", "2020", "actual", 70),
            # grdp_g (not additive): the province's own series; district figures are not rolled up
            val("grdp_g", P, "2020", "actual", 3.0), val("grdp_g", P, "2025", "actual", 7.5),
            val("grdp_g", P, "2026-H1", "estimate", 7.8), val("grdp_g", P, "2030", "target", 8.0),
            val("grdp_g", "901", "2025", "actual", 5.0), val("grdp_g", "902", "2025", "actual", 9.0),
        ])


def test_indicator_values_district_validity_and_revisions(engine):
    ids = seed(engine)
    seed_indicators(engine, ids["user"])
    d2025 = queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P).to_frame()
    assert list(d2025.columns) == list(queries.DISTRICT_VALUE_COLUMNS)
    assert list(d2025["code"]) == ["901", "902", "904"]  # 903 ended 30/6/2024
    assert list(d2025["value"]) == [10.0, 20.0, 7.0]
    assert list(d2025["revision"]) == [2, 1, 1]
    assert d2025.attrs["districts_contributing"] == 3
    d2024 = queries.indicator_values(engine, indicator="pop", period="2024", kind="actual", province=P).to_frame()
    assert list(d2024["code"]) == ["901", "902", "903", "904"]
    assert d2024["value"].isna().tolist() == [True, True, False, False]
    assert d2024.attrs["districts_contributing"] == 2 and d2024.attrs["districts_total"] == 4
    d2020 = queries.indicator_values(engine, indicator="pop", period="2020", kind="actual", province=P).to_frame()
    assert list(d2020["code"]) == ["901", "902", "903"]
    # As of 1/2/2026 the first revision of 901 was in force; on 31/12/2025 nothing of 2025 was in.
    feb = queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P,
                                   as_of=T(2026, 2, 1)).to_frame()
    assert list(feb["value"])[0] == 8.0 and list(feb["revision"])[0] == 1
    dec = queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P,
                                   as_of=D(2025, 12, 31)).to_frame()
    assert dec["value"].isna().all()
    # The day the revision arrived, as a date, means the end of that day: the new revision.
    assert list(queries.indicator_values(engine, indicator="pop", period="2025", kind="actual", province=P,
                                         as_of=D(2026, 3, 1)).to_frame()["value"])[0] == 10.0
    with pytest.raises(ValidationFailed):
        queries.indicator_values(engine, indicator="pop", period="2025-H3", kind="actual", province=P).to_frame()
    with pytest.raises(NotFound):
        queries.indicator_values(engine, indicator="nope", period="2025", kind="actual", province=P).to_frame()


def _province_row(engine, indicator, period, kind="actual", as_of=None):
    df = queries.indicator_values(engine, indicator=indicator, period=period, kind=kind, level="province",
                                  province=P, as_of=as_of).to_frame()
    assert list(df.columns) == list(queries.PROVINCE_VALUE_COLUMNS) and len(df) == 1
    return df.iloc[0]


def test_province_roll_up_rules(engine):
    seed(engine)
    seed_indicators(engine)
    # sum: 10 + 20 + 7 = 37 (903 not valid in 2025, 981 in another province)
    row = _province_row(engine, "pop", "2025")
    assert (row["value"], row["basis"], row["method"]) == (37.0, "districts", "sum")
    assert (row["districts_contributing"], row["districts_total"]) == (3, 3)
    assert bool(row["is_demo"]) is True  # 901's current revision is demo data
    # as of 1/2/2026: 8 + 20 + 7 = 35
    assert _province_row(engine, "pop", "2025", as_of=T(2026, 2, 1))["value"] == 35.0
    # 2024: 4 + 6 = 10 from 2 of the 4 districts valid that year
    row = _province_row(engine, "pop", "2024")
    assert (row["value"], row["districts_contributing"], row["districts_total"]) == (10.0, 2, 4)
    # no district target: the province's own 60
    row = _province_row(engine, "pop", "2030", "target")
    assert (row["value"], row["basis"], row["districts_contributing"]) == (60.0, "province", 0)
    # mean_pop: (10 × 100 000 + 2 × 300 000) / 400 000 = 4.0; 904 has no population
    row = _province_row(engine, "poor", "2025")
    assert row["value"] == pytest.approx(4.0)
    assert (row["method"], row["districts_contributing"]) == ("mean_pop", 2)
    # mean: (80 + 90 + 100) / 3 = 90
    row = _province_row(engine, "school", "2025")
    assert row["value"] == pytest.approx(90.0) and row["method"] == "mean"
    # not additive: the province's own 7.5, never the districts' 5 and 9
    row = _province_row(engine, "grdp_g", "2025")
    assert (row["value"], row["basis"], row["own_value"]) == (7.5, "province", 7.5)
    # nothing at all
    row = _province_row(engine, "school", "2019")
    assert row["value"] is None or math.isnan(row["value"])


def test_series(engine):
    seed(engine)
    seed_indicators(engine)
    ser = queries.indicator_series(engine, indicator="pop", unit_code="901").to_frame()
    assert list(ser.columns) == list(queries.SERIES_COLUMNS)
    assert list(zip(ser["period"], ser["value"], strict=True)) == [("2020", 5.0), ("2025", 10.0)]
    old = queries.indicator_series(engine, indicator="pop", unit_code="901", as_of=T(2026, 2, 1)).to_frame()
    assert list(old["value"]) == [5.0, 8.0]
    prov = queries.province_series(engine, indicator="pop", province=P).to_frame()
    assert list(prov.columns) == list(queries.PROVINCE_SERIES_COLUMNS)
    assert [(r["period"], r["kind"], r["value"], r["basis"]) for r in prov.to_dict("records")] == [
        ("2020", "actual", 23.0, "districts"), ("2024", "actual", 10.0, "districts"),
        ("2025", "actual", 37.0, "districts"), ("2030", "target", 60.0, "province")]
    assert list(prov["districts_total"]) == [3, 4, 3, 3]
    g = queries.province_series(engine, indicator="grdp_g", province=P).to_frame()
    assert list(g["period"]) == ["2020", "2025", "2026-H1", "2030"]
    assert list(g["value"]) == [3.0, 7.5, 7.8, 8.0]


def test_indicator_overview_province(engine):
    seed(engine)
    seed_indicators(engine)
    ov = queries.indicator_overview(engine, province=P).to_frame()
    assert list(ov.columns) == list(queries.OVERVIEW_COLUMNS)
    rows = {r["code"]: r for r in ov.to_dict("records")}
    assert list(ov["code"]) == ["pop", "poor", "school", "grdp_g"]
    pop = rows["pop"]
    # 2020: 5 + 15 + 3 = 23; 2025: 37; target 2030: 60.
    # observed (37/23)^(1/5) − 1, required (60/23)^(1/10) − 1
    assert (pop["baseline_2020"], pop["latest_actual_year"], pop["latest_actual_value"]) == (23.0, 2025, 37.0)
    assert pop["target_2030"] == 60.0 and pop["progress_target_year"] == 2030
    ratio = ((37 / 23) ** 0.2 - 1) / ((60 / 23) ** 0.1 - 1)
    assert pop["ratio"] == pytest.approx(ratio)
    assert pop["status"] == rules.classify_ratio(ratio) == "on_track"
    assert pop["method"] == "cagr" and "37" in pop["explanation_en"] and "23" in pop["explanation_en"]
    assert bool(pop["is_demo"]) is True
    poor = rows["poor"]
    # 2020: (20 × 100 000 + 6 × 300 000) / 400 000 = 9.5; 2025: 4; target 3; level, lower: 3 / 4
    assert poor["baseline_2020"] == pytest.approx(9.5)
    assert (poor["method"], poor["status"]) == ("level", "moderate")
    assert poor["ratio"] == pytest.approx(0.75)
    school = rows["school"]
    # No target: rated by its trend (Open SDG methodology_1): (90/70)^(1/5) − 1 = 5.16 %/year ≥ 1.5 %
    assert school["baseline_2020"] == 70.0 and school["method"] == "trend"
    assert school["observed_rate"] == pytest.approx((90 / 70) ** 0.2 - 1)
    assert school["status"] == rules.classify_trend((90 / 70) ** 0.2 - 1) == "trend_on_track"
    g = rows["grdp_g"]
    assert (g["latest_estimate_period"], g["latest_estimate_value"]) == ("2026-H1", 7.8)
    assert g["ratio"] == pytest.approx(7.5 / 8.0) and g["status"] == "moderate"
    # As of 1/2/2026 pop 2025 was 35: (35/23)^(1/5) − 1 vs the same requirement
    old_df = queries.indicator_overview(engine, P, as_of=T(2026, 2, 1)).to_frame()
    old = {r["code"]: r for r in old_df.to_dict("records")}
    assert old["pop"]["latest_actual_value"] == 35.0
    assert old["pop"]["ratio"] == pytest.approx(((35 / 23) ** 0.2 - 1) / ((60 / 23) ** 0.1 - 1))
    # Filters
    assert list(queries.indicator_overview(engine, P, owner_role="SGDDT").to_frame()["code"]) == ["school"]
    assert queries.indicator_overview(engine, P, group="society").to_frame().empty


def test_indicator_overview_district_and_estimates(engine):
    seed(engine)
    seed_indicators(engine)
    with session_scope(engine) as s:
        # 2026 has only an estimate for the province's growth: it becomes the latest point, said so.
        s.add(IndicatorValue(indicator_code="grdp_g", admin_unit_code=P, period="2026", period_type="year",
                             year=2026, kind="estimate", value=8.2, submitted_at=T(2026, 4, 1)))
    rows = {r["code"]: r for r in queries.indicator_overview(engine, P).to_frame().to_dict("records")}
    g = rows["grdp_g"]
    assert g["latest_actual_year"] == 2025 and g["progress_latest_year"] == 2026
    assert bool(g["latest_is_estimate"]) is True and g["status"] == "achieved"  # 8.2 ≥ 8
    assert "(estimate)" in g["explanation_en"]
    d = {r["code"]: r for r in queries.indicator_overview(engine, P, district="902").to_frame().to_dict("records")}
    assert d["pop"]["level"] == "district" and d["pop"]["baseline_2020"] == 15.0
    # No district target: the trend 15 → 20 is rated, (20/15)^(1/5) − 1 = 5.9 %/year
    assert d["pop"]["latest_actual_value"] == 20.0 and d["pop"]["status"] == "trend_on_track"


def test_value_history(engine):
    ids = seed(engine)
    seed_indicators(engine, ids["user"])
    hist = queries.value_history(engine, indicator="pop", unit_code="901", period="2025", kind="actual").to_frame()
    assert list(hist.columns) == list(queries.VALUE_HISTORY_COLUMNS)
    assert list(hist["revision"]) == [2, 1]
    assert list(hist["value"]) == [10.0, 8.0]
    assert list(hist["is_current"]) == [True, False]
    assert hist["superseded_at"].iloc[1] == T(2026, 3, 1)
    assert list(hist["submitter_name"]) == ["Nguyễn Văn Một"] * 2
    assert hist["file_name"].iloc[0] == "pop.xlsx"


# --- issues, meetings, lists -----------------------------------------------------------------------

def seed_issues(engine, ids) -> None:
    def issue(code, by, raised, status, severity, **kw):
        units = kw.pop("units", ())
        item = Issue(code=code, title=f"Vướng mắc {code}", province_code=P, raised_by_code=by,
                     raised_on=raised, status=status, severity=severity, created_at=T(2026, 1, 1),
                     updated_at=T(2026, 1, 1), **kw)
        item.admin_units = [s.get(AdminUnit, u) for u in units]
        return item

    with session_scope(engine) as s:
        s.add_all([
            issue("VM-1", KHDT, D(2026, 5, 1), "open", "high"),                        # 14 days
            issue("VM-2", UB1, D(2026, 2, 1), "awaiting_decision", "critical",
                  decided_at_meeting_id=ids["m1"]),                                    # 103 days
            issue("VM-3", STC, D(2026, 3, 15), "in_progress", "medium", units=("902",),
                  for_next_meeting=True),                                              # 61 days
            issue("VM-4", STC, D(2026, 1, 10), "resolved", "medium", resolved_on=D(2026, 3, 1)),  # 50 days
            issue("VM-5", KHDT, D(2026, 5, 20), "open", "low"),                        # after TODAY
            issue("VM-6", STC, D(2026, 4, 15), "open", "low", related_task_id=ids["NV-03"]),  # 30 days
        ])


def test_open_issues(engine):
    ids = seed(engine)
    seed_issues(engine, ids)
    df = queries.open_issues(engine, P, as_of=TODAY).to_frame()
    assert list(df.columns) == list(queries.ISSUE_COLUMNS)
    assert _codes(df) == ["VM-2", "VM-1", "VM-3", "VM-6"]  # most severe first
    assert list(df["age_days"]) == [103, 14, 61, 30]
    assert list(df["age_bucket"]) == ["gt90", "lt30", "30to90", "30to90"]
    assert df.set_index("code").loc["VM-3", "units"] == "Huyện Hai"
    by_code = df.set_index("code")
    assert by_code.loc["VM-6", "related_task_code"] == "NV-03"
    assert by_code.loc["VM-6", "related_task_title"] == "Nhiệm vụ NV-03"
    assert by_code.loc["VM-2", "decided_on"] == D(2026, 4, 20)
    assert by_code.loc["VM-2", "decided_meeting_title"] == "Phiên họp thứ nhất"
    assert by_code.loc["VM-2", "raised_by_short"] == "UBND H. Một"

    def codes(**kw):
        return sorted(_codes(queries.open_issues(engine, P, **({"as_of": TODAY} | kw)).to_frame()))

    assert codes(age_bucket="lt30") == ["VM-1"]
    assert codes(age_bucket="30to90") == ["VM-3", "VM-6"]
    assert codes(age_bucket="gt90") == ["VM-2"]
    assert codes(districts=["901"]) == ["VM-2"]
    assert codes(districts=["902"]) == ["VM-3"]
    assert codes(agency=KHDT) == ["VM-1", "VM-6"]  # raised by it, or about a task it leads
    assert codes(severities=["low", "high"]) == ["VM-1", "VM-6"]
    assert codes(statuses=["resolved"]) == ["VM-4"]
    assert codes(text="vuong mac vm-3") == ["VM-3"]
    assert codes(text="VƯỚNG MẮC") == ["VM-1", "VM-2", "VM-3", "VM-6"]
    resolved = queries.open_issues(engine, P, as_of=TODAY, statuses=["resolved"]).to_frame()
    assert list(resolved["age_days"]) == [50]  # raised 10/1, settled 1/3
    assert codes(as_of=D(2026, 5, 21)) == ["VM-1", "VM-2", "VM-3", "VM-5", "VM-6"]
    with pytest.raises(ValidationFailed):
        queries.open_issues(engine, P, age_bucket="old").to_frame()


def test_issue_counts(engine):
    ids = seed(engine)
    seed_issues(engine, ids)
    c = queries.issue_counts(engine, P, as_of=TODAY)
    assert c["open_total"] == 4
    by_status = [c[k] for k in ("open", "in_progress", "awaiting_decision", "resolved", "closed")]
    assert by_status == [2, 1, 1, 1, 0]
    assert c["for_next_meeting"] == 1
    assert c["by_severity"] == {"critical": 1, "high": 1, "medium": 1, "low": 1}
    assert c["by_age"] == {"lt30": 1, "30to90": 2, "gt90": 1}
    assert queries.issue_counts(engine, P, districts=["901"], as_of=TODAY)["open_total"] == 1
    assert queries.issue_counts(engine, "98")["open_total"] == 0


def test_meetings(engine):
    ids = seed(engine)
    up = queries.upcoming_meeting(engine, P, TODAY)
    assert up["id"] == ids["m2"] and up["days_until"] == 14 and up["starts_at"] == "08:00"
    assert [a["code"] for a in up["invitees"]] == [KHDT, STC]
    assert [a["title"] for a in up["agenda"]] == ["Khai mạc", "Tiến độ"]
    assert up["agenda"][1]["presenter_short_name"] == "Sở KH&ĐT" and up["agenda_minutes"] == 30
    last = queries.last_meeting(engine, province=P, today=TODAY)
    assert last["id"] == ids["m1"] and last["days_since"] == 25 and last["held_on"] == D(2026, 4, 20)
    assert queries.upcoming_meeting(engine, P, D(2026, 7, 1)) is None
    assert queries.last_meeting(engine, P, D(2026, 4, 20))["id"] == ids["m1"]  # dated today and held
    assert queries.last_meeting(engine, P, D(2026, 4, 19)) is None
    assert queries.last_meeting(engine, P, D(2026, 5, 29))["id"] == ids["m1"]  # m2 dated today, not held yet
    assert queries.last_meeting(engine, P, D(2026, 5, 30))["id"] == ids["m2"]  # its day has passed
    assert [m["id"] for m in queries.list_meetings(engine, province=P)][-1] == ids["m1"]
    assert len(queries.list_meetings(engine, province=P)) == 3


def test_reference_lists_and_version(engine):
    seed(engine)
    assert queries.provinces(engine) == [{"code": "98", "name": "Tỉnh Bên"}, {"code": P, "name": "Tỉnh Thử"}]
    assert [d["code"] for d in queries.districts(engine, P)] == ["901", "902", "903", "904"]
    assert [d["code"] for d in queries.districts(engine, P, on=D(2025, 1, 1))] == ["901", "902", "904"]
    on_last_day = queries.districts(engine, province=P, on=D(2024, 6, 30))
    assert [d["code"] for d in on_last_day] == ["901", "902", "903"]
    ags = queries.agencies(engine, P)
    assert {a["code"] for a in ags} == {KHDT, STC, UB1}
    assert [a["code"] for a in queries.agencies(engine, P, members_only=True)] == [KHDT, UB1]
    empty = queries.data_version(engine)
    with session_scope(engine) as s:
        s.add(AuditEntry(at=T(2026, 5, 1), action="x", entity="task"))
    first = queries.data_version(engine)
    assert first != empty
    # the store emptied and written again (a re-seed, a restore): the same id, a new version
    with session_scope(engine) as s:
        s.execute(delete(AuditEntry))
    with session_scope(engine) as s:
        s.add(AuditEntry(id=int(first.split("@")[0]), at=T(2026, 5, 2), action="x", entity="task"))
    again = queries.data_version(engine)
    assert again != first and again.split("@")[0] == first.split("@")[0]
