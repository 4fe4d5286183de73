"""The 2025 reform loaded into a store (``units.store.load``), on SQLite and PostgreSQL: versions closed and
added, links stored once, the version rules checked in SQL, nothing half-written, figures kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from qh_data import refdata
from qh_data.db import read_session, session_scope
from qh_data.errors import PermissionDenied, ValidationFailed
from qh_data.models import AdminUnitVersion, AuditEntry, UnitLineage
from qh_data.permissions import SYSTEM, Actor
from qh_data.units import lineage, store

REFORM = lineage.reference()
V = AdminUnitVersion


def _count(engine, model) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def _versions(engine, code: str, level: str) -> list[tuple]:
    with read_session(engine) as s:
        return [tuple(r) for r in s.execute(select(V.valid_from, V.valid_to, V.name).where(
            V.code == code, V.level == level).order_by(V.valid_from.is_not(None), V.valid_from))]


@pytest.fixture
def pre_reform(engine):
    """A store with the reference data as it was before 1/7/2025 (the demo seed loads the reform itself)."""
    with session_scope(engine) as s:
        refdata.load(s)
    return engine


def test_the_demo_seed_holds_the_reform_once(read_engine):
    assert _count(read_engine, UnitLineage) == 648
    assert _versions(read_engine, "19", "province")[1] == (dt.date(2025, 7, 1), None, "Tỉnh Thái Nguyên")
    with read_session(read_engine) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "units.load")).all()
        assert len(entries) == 1 and '"links": 648' in entries[0].after


def test_the_reform_goes_into_the_store_once(pre_reform):
    demo_engine = pre_reform
    before = _count(demo_engine, V)
    with session_scope(demo_engine) as s:
        report = store.load(s, REFORM, SYSTEM, source="communes_2025.csv + commune_crosswalk_2025.csv")
    stored_districts = 11 + 9  # the reference Lạng Sơn and Thái Nguyên districts were already there
    assert report.added == len(REFORM.units) - stored_districts - 2  # and provinces 20 and old 19
    assert report.closed == stored_districts + 1  # each district and the old Thái Nguyên end on 30/6/2025
    assert report.links == len(REFORM.links) == 648
    assert _count(demo_engine, V) == before + report.added
    assert _count(demo_engine, UnitLineage) == 648
    # the reused codes name two units, each in force on its side of the break
    assert _versions(demo_engine, "19", "province") == [
        (None, dt.date(2025, 6, 30), "Thái Nguyên"), (dt.date(2025, 7, 1), None, "Tỉnh Thái Nguyên")]
    vinh_trai, dong_kinh = _versions(demo_engine, "05977", "commune")
    assert vinh_trai[1:] == (dt.date(2025, 6, 30), "Phường Vĩnh Trại")
    assert dong_kinh[0::2] == (dt.date(2025, 7, 1), "Phường Đông Kinh")
    assert _versions(demo_engine, "06", "province") == [(None, dt.date(2025, 6, 30), "Tỉnh Bắc Kạn")]
    # figures left outside their unit's range are kept, and reported: the real 2030 targets of the old units
    assert report.figures_outside == 11 and report.outside_examples[0] == "Huyện Bình Gia (181) 2030: 1"
    with read_session(demo_engine) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "units.load")).all()
        assert len(entries) == 1 and '"links": 648' in entries[0].after
        assert store.effective_days(s) == [dt.date(2025, 7, 1)]

    with session_scope(demo_engine) as s:
        again = store.load(s, REFORM, SYSTEM, source="again")
    assert not again.changed and _count(demo_engine, V) == before + report.added
    with read_session(demo_engine) as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "units.load")) == 1


def test_a_load_that_breaks_the_version_rules_writes_nothing(demo_engine):
    with session_scope(demo_engine) as s:  # Lạng Sơn said to have started again on 1/1/2025 (overlaps)
        s.add(V(level="province", code="20", valid_from=dt.date(2025, 1, 1), name="Tỉnh Lạng Sơn"))
    before = (_count(demo_engine, V), _count(demo_engine, UnitLineage))
    with pytest.raises(ValidationFailed) as err, session_scope(demo_engine) as s:
        store.load(s, REFORM, SYSTEM, source="test")
    assert "mã 20" in err.value.message_vi and "code 20" in err.value.message_en
    assert (_count(demo_engine, V), _count(demo_engine, UnitLineage)) == before


def test_only_an_admin_loads_units(pre_reform):
    dpi = Actor(user_id=None, username="dpi", role="dpi_editor", agency_code="20-STC")
    with pytest.raises(PermissionDenied), session_scope(pre_reform) as s:
        store.load(s, REFORM, dpi, source="test")
    assert _count(pre_reform, UnitLineage) == 0


def test_qh_units_load_takes_the_reference_layout(monkeypatch, tmp_path, capsys):
    from qh_data import cli, config, schema
    from qh_data.db import make_engine

    sqlite_demo_url = f"sqlite:///{tmp_path}/before-the-reform.sqlite3"
    first = make_engine(sqlite_demo_url)
    schema.upgrade(first)
    with session_scope(first) as s:
        refdata.load(s)
    first.dispose()
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    ref = config.DATA_DIR / "reference"
    args = ["units", "load", str(ref / "communes_2025.csv"), str(ref / "commune_crosswalk_2025.csv"),
            "--districts", str(ref / "districts.csv")]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "648 liên kết" in out and "ngoài thời gian hiệu lực" in out
    assert cli.main(args) == 0 and "không có gì thay đổi" in capsys.readouterr().out
    # a crosswalk row naming a commune the list does not have: the file, row and column; nothing written
    bad = tmp_path / "crosswalk.csv"
    lines = (ref / "commune_crosswalk_2025.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace(lines[1].split(",")[1], "99999", 1), *lines[2:]]),
                   encoding="utf-8")
    engine = make_engine(sqlite_demo_url)
    before = _count(engine, UnitLineage)
    assert cli.main(["units", "load", str(ref / "communes_2025.csv"), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "crosswalk.csv" in err and "dòng 2" in err and "row 2" in err
    assert _count(engine, UnitLineage) == before
    engine.dispose()
