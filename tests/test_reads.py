"""The read path of ``qh_data.queries`` (SQLAlchemy Core, one pooled connection per query function)
and what it returns (``qh_data.records``), on SQLite and PostgreSQL: typed values, lists of any length,
connections back in the pool, fresh data after a write, autocommit on PostgreSQL, a dead PostgreSQL
connection replaced, DBAPI errors as SQLAlchemy's classes."""

from __future__ import annotations

import copy
import datetime as dt
import math
import pickle

import pytest
from seeding import units
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from qh_data import queries
from qh_data.db import make_engine, session_scope
from qh_data.models import AdminUnitVersion, Meeting
from qh_data.records import Records, frame


def _units(engine) -> None:
    with session_scope(engine) as s:
        U = units(s)
        s.add(AdminUnitVersion(code="77", name="Tỉnh Đọc", level="province"))
        s.flush()
        U = units(s)
        s.add_all([AdminUnitVersion(code=c, name=f"Huyện {c}", level="district", parent=U["77"],
                             valid_from=dt.date(2020, 1, int(c[-1]))) for c in ("771", "772", "773")])


def test_values_come_back_typed(engine):
    _units(engine)
    rows = queries.districts(engine, "77")
    assert [u["code"] for u in rows] == ["771", "772", "773"]
    assert rows[1]["valid_from"] == dt.date(2020, 1, 2)  # SQLite's date text comes back as a date
    assert [u["code"] for u in queries.districts(engine, "77", on=dt.date(2020, 1, 2))] == ["771", "772"]


def test_a_list_filter_takes_any_number_of_codes(read_engine):
    """Every list is one expanding parameter: one code, a few, or thousands (more than SQLite's old
    limit of 999 placeholders) give the same answers as the codes that matter."""
    districts = [d["code"] for d in queries.districts(read_engine, "20")]
    one = queries.task_totals(read_engine, "20", districts=districts[:1])
    few = queries.task_totals(read_engine, "20", districts=districts[:3])
    padded = queries.task_totals(read_engine, "20", districts=districts[:3] + [f"x{i}" for i in range(5000)])
    assert 0 < one["all"] <= few["all"] == padded["all"]
    assert few == padded
    tasks = queries.list_tasks(read_engine, "20", statuses=["done", "in_progress", "not_started", "cancelled"])
    assert len(tasks) == queries.task_totals(read_engine, "20")["all"]
    assert any(t["supporting"] for t in tasks) and any(t["units"] for t in tasks)  # the second reads by id list


def test_connections_go_back_to_the_pool(read_engine):
    queries.list_tasks(read_engine, "20")
    queries.indicator_overview(read_engine, "20")
    queries.upcoming_meeting(read_engine, "20", dt.date(2020, 1, 1))
    assert read_engine.pool.checkedout() == 0


def test_a_read_sees_a_write_committed_after_the_previous_read(engine):
    _units(engine)
    assert queries.list_meetings(engine, province="77") == []
    with session_scope(engine) as s:
        U = units(s)
        s.add(Meeting(province_unit=U["77"], held_on=dt.date(2026, 5, 1), title="Phiên họp thử", kind="regular",
                      status="planned"))
    assert [m["title"] for m in queries.list_meetings(engine, province="77")] == ["Phiên họp thử"]


def test_postgresql_reads_need_no_transaction(pg_databases, _templates):
    """Each statement of a read is its own transaction (autocommit): no BEGIN before, no ROLLBACK after."""
    eng = make_engine(pg_databases.url(pg_databases.create(template=_templates("postgresql", False))))
    try:
        with queries.read_connection(eng) as c:
            for _ in range(2):
                assert c.scalar(text("SELECT statement_timestamp() = transaction_timestamp()")) is True
        with eng.connect() as c:  # a plain connection of the same pool still opens a transaction
            c.execute(text("SELECT 1"))
            assert c.scalar(text("SELECT statement_timestamp() = transaction_timestamp()")) is False
    finally:
        eng.dispose()


def test_dbapi_errors_leave_as_sqlalchemy_errors(backend, tmp_path, pg_databases):
    """A store without tables (never migrated): the driver's error arrives as SQLAlchemy's class,
    which the pages already turn into one sentence."""
    url = f"sqlite:///{tmp_path / 'bare.sqlite3'}" if backend == "sqlite" else pg_databases.url(pg_databases.create())
    eng = make_engine(url)
    try:
        with pytest.raises(DBAPIError) as caught:
            queries.list_meetings(eng, province="20")
        assert "admin_unit_version" in str(caught.value)  # the first table the read touches
    finally:
        eng.dispose()


def test_postgresql_connection_killed_in_the_pool_is_replaced(pg_databases, _templates):
    """The server ends an idle pooled connection (restart, idle timeout): the pool's pre-ping finds it
    dead and the next read goes through on a fresh one."""
    url = pg_databases.url(pg_databases.create(template=_templates("postgresql", True)))
    eng = make_engine(url)
    admin = create_engine(pg_databases.url("postgres"), isolation_level="AUTOCOMMIT")
    pid_sql = text("SELECT pg_backend_pid()")
    try:
        before = queries.list_meetings(eng, province="20")
        with eng.connect() as c:
            pid = c.scalar(pid_sql)
        assert eng.pool.checkedin() == 1  # the one connection, idle in the pool
        with admin.connect() as c:
            assert c.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        assert queries.list_meetings(eng, province="20") == before
        with eng.connect() as c:
            assert c.scalar(pid_sql) != pid
    finally:
        eng.dispose()
        admin.dispose()


def test_records_to_frame_keeps_columns_floats_and_attrs():
    rows = Records([{"code": "a", "value": 1.5, "extra": 1}, {"code": "b", "value": None, "extra": 2}],
                   ("code", "value"), attrs={"districts_total": 2}, floats=("value",))
    df = rows.to_frame()
    assert list(df.columns) == ["code", "value"]
    assert str(df["value"].dtype) == "float64" and math.isnan(df["value"].iloc[1])
    assert df.attrs == {"districts_total": 2}
    assert rows.column("code") == ["a", "b"]
    with pytest.raises(KeyError):
        rows.column("extra")
    assert frame([1, 2]) == [1, 2]  # anything but Records unchanged
    for other in (copy.deepcopy(rows), pickle.loads(pickle.dumps(rows))):
        assert other == rows and other.columns == rows.columns and other.attrs == rows.attrs
        other[0]["code"] = "z"
        assert rows[0]["code"] == "a"


def test_indicator_series_unknown_indicator_and_no_figures(read_engine):
    with pytest.raises(queries.NotFound):
        queries.indicator_series(read_engine, indicator="khong_co", unit_code="20")
    empty = queries.indicator_series(read_engine, indicator="grdp_per_capita", unit_code="không-có-đơn-vị")
    assert empty == [] and empty.columns == queries.SERIES_COLUMNS
