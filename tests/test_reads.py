"""The read path (``qh_data.reads``) and what it returns (``qh_data.records``), on SQLite and PostgreSQL:
statements compiled once per shape, connections reused and closed with the engine, fresh data after a
write, a dead PostgreSQL connection replaced, DBAPI errors as SQLAlchemy's classes."""

from __future__ import annotations

import copy
import datetime as dt
import math
import pickle

import pytest
from sqlalchemy import Integer, create_engine, select, text
from sqlalchemy.exc import DBAPIError

from qh_data import queries, reads
from qh_data.db import make_engine, session_scope
from qh_data.models import AdminUnit, Meeting
from qh_data.reads import Prepared, list_params, param, params_in
from qh_data.records import Records, frame

UNITS = Prepared(lambda dialect, n: (
    select(AdminUnit.code, AdminUnit.name, AdminUnit.valid_from)
    .where(AdminUnit.code.in_(params_in("code", n)), AdminUnit.level == "district")
    .order_by(AdminUnit.code)))

COUNT = Prepared(lambda dialect: select(param("n", Integer) + 1))


def _units(engine) -> None:
    with session_scope(engine) as s:
        s.add(AdminUnit(code="77", name="Tỉnh Đọc", level="province"))
        s.flush()
        s.add_all([AdminUnit(code=c, name=f"Huyện {c}", level="district", parent_code="77",
                             valid_from=dt.date(2020, 1, int(c[-1]))) for c in ("771", "772", "773")])


def test_compiled_once_per_shape_and_values_typed(engine):
    _units(engine)
    with reads.reading(engine) as r:
        two = r.records(UNITS, list_params("code", ["771", "773"]), (2,))
        three = r.records(UNITS, list_params("code", ["771", "772", "773"]), (3,))
        again = r.records(UNITS, list_params("code", ["772", "773"]), (2,))
    assert [u["code"] for u in two] == ["771", "773"]
    assert [u["code"] for u in three] == ["771", "772", "773"]
    assert [u["name"] for u in again] == ["Huyện 772", "Huyện 773"]
    assert again[0]["valid_from"] == dt.date(2020, 1, 2)  # SQLite's date text comes back as a date
    assert UNITS.compiled(engine.dialect, (2,)) is UNITS.compiled(engine.dialect, (2,))
    assert UNITS.compiled(engine.dialect, (2,)) is not UNITS.compiled(engine.dialect, (3,))
    assert UNITS.compiled(engine.dialect, (3,)).sql.count("?" if engine.dialect.name == "sqlite" else "%(") >= 3


def test_connection_reused_then_closed_with_the_engine(backend, engine):
    with reads.reading(engine) as r:
        assert r.scalar(COUNT, {"n": 41}) == 42
        first = r._fairy.dbapi_connection
    with reads.reading(engine) as r:
        assert r.scalar(COUNT, {"n": 1}) == 2
        assert r._fairy.dbapi_connection is first  # handed out again, not a new pool round
    engine.dispose()
    if backend == "postgresql":
        assert first.closed
    else:
        with pytest.raises(Exception, match="closed"):
            first.execute("SELECT 1")
    assert queries.meetings(engine, "77") == []  # the engine still reads after dispose


def test_a_read_sees_a_write_committed_after_the_previous_read(engine):
    _units(engine)
    assert queries.meetings(engine, "77") == []
    with session_scope(engine) as s:
        s.add(Meeting(province_code="77", held_on=dt.date(2026, 5, 1), title="Phiên họp thử", kind="regular",
                      status="planned"))
    assert [m["title"] for m in queries.meetings(engine, "77")] == ["Phiên họp thử"]


def test_tracing_records_what_was_sent(engine):
    _units(engine)
    with reads.tracing() as sent:
        queries.districts(engine, "77")
    assert len(sent) == 1 and "admin_unit" in sent[0][0]
    assert "77" in (sent[0][1].values() if isinstance(sent[0][1], dict) else sent[0][1])
    queries.districts(engine, "77")
    assert len(sent) == 1  # nothing recorded after the block


def test_dbapi_errors_leave_as_sqlalchemy_errors(backend, tmp_path, pg_databases):
    """A store without tables (never migrated): the driver's error arrives as SQLAlchemy's class,
    which the pages already turn into one sentence."""
    url = f"sqlite:///{tmp_path / 'bare.sqlite3'}" if backend == "sqlite" else pg_databases.url(pg_databases.create())
    eng = make_engine(url)
    try:
        with pytest.raises(DBAPIError) as caught:
            queries.meetings(eng, "20")
        assert "meeting" in str(caught.value)
    finally:
        eng.dispose()


def test_postgresql_connection_killed_in_the_pool_is_replaced(pg_databases, _templates):
    """The server ends an idle pooled connection (restart, idle timeout): the next read goes through on a
    fresh one, without the pre-ping round trip the ORM pool pays on every checkout."""
    url = pg_databases.url(pg_databases.create(template=_templates("postgresql", True)))
    eng = make_engine(url)
    admin = create_engine(pg_databases.url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        before = queries.meetings(eng, "20")
        with reads.reading(eng) as r:
            pid = r.scalar(Prepared(lambda dialect: select(text("pg_backend_pid()"))))
        with admin.connect() as c:
            assert c.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        assert queries.meetings(eng, "20") == before
        with reads.reading(eng) as r:
            assert r.scalar(Prepared(lambda dialect: select(text("pg_backend_pid()")))) != pid
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


def test_indicator_series_unknown_indicator_and_no_figures(demo_engine):
    with pytest.raises(queries.NotFound):
        queries.indicator_series(demo_engine, indicator="khong_co", unit_code="20")
    empty = queries.indicator_series(demo_engine, indicator="grdp_per_capita", unit_code="không-có-đơn-vị")
    assert empty == [] and empty.columns == queries.SERIES_COLUMNS


def test_an_engine_no_longer_used_is_not_kept_alive_by_its_stash(tmp_path):
    import gc
    import weakref

    eng = make_engine(f"sqlite:///{tmp_path / 'gone.sqlite3'}")
    with reads.reading(eng) as r:
        assert r.scalar(COUNT, {"n": 1}) == 2
    gone = weakref.ref(eng)
    eng.dispose()
    del eng, r
    gc.collect()
    assert gone() is None


def test_rows_built_for_their_columns_match_a_plain_zip():
    from qh_data.reads import _row_builder

    rows = [(1, "2026-01-02", None), (2, None, "x")]
    readers = {1: lambda v: None if v is None else dt.date.fromisoformat(v)}
    as_dicts = _row_builder(("id", "day", "it's"), readers, as_dicts=True)(rows)
    assert as_dicts == [{"id": 1, "day": dt.date(2026, 1, 2), "it's": None}, {"id": 2, "day": None, "it's": "x"}]
    assert _row_builder(("id", "day", "it's"), readers, as_dicts=False)(rows) == [
        (1, dt.date(2026, 1, 2), None), (2, None, "x")]
    assert _row_builder(("only",), {}, as_dicts=False)([(5,)]) == [(5,)]
    assert _row_builder(("only",), {}, as_dicts=True)([(5,)]) == [{"only": 5}]
