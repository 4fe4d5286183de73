"""The demo seed and the real reference data, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from sqlalchemy import func, select

from qh_data import config, demo, refdata
from qh_data.db import read_session
from qh_data.errors import ConfigError, QHError
from qh_data.models import (
    AdminUnitVersion,
    Agency,
    Conclusion,
    Indicator,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    User,
)

TODAY = dt.date(2026, 11, 23)


def _count(engine, model, *where):
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def seeded(backend, read_store):
    """The demo seeded on TODAY once per session and backend, shared read-only: (engine, report)."""
    return read_store(backend, f"demo seeded on {TODAY}", lambda e: demo.seed(e, today=TODAY, quiet=True),
                      seeded=False)


@pytest.fixture
def seeded_own(engine):
    """The demo seeded on TODAY in a database of this test's own (free to write to)."""
    report = demo.seed(engine, today=TODAY, quiet=True)
    return engine, report


def test_districts_match_the_boundaries(seeded):
    engine, _ = seeded
    with read_session(engine) as s:
        for province in ("20", "19"):
            codes = set(s.scalars(select(AdminUnitVersion.code).where(AdminUnitVersion.parent_code == province,
                                                               AdminUnitVersion.level == "district")))
            geo = {f["properties"]["code"] for f in refdata.load_boundaries(province)["features"]}
            assert codes == geo
    assert _count(engine, AdminUnitVersion, AdminUnitVersion.level == "district") == 20


def test_indicator_catalogue_and_series(seeded):
    engine, _ = seeded
    assert _count(engine, Indicator, Indicator.is_demo.is_(True)) >= 30
    with read_session(engine) as s:
        demo_codes = s.scalars(select(Indicator.code).where(Indicator.is_demo.is_(True))).all()
        groups = set(s.scalars(select(Indicator.group).where(Indicator.is_demo.is_(True))))
        assert groups == {"economy", "society", "environment", "infrastructure"}
        for code in demo_codes:
            years = s.scalars(select(IndicatorValue.year).where(
                IndicatorValue.indicator_code == code, IndicatorValue.kind == "actual",
                IndicatorValue.period_type == "year", IndicatorValue.admin_unit_code == "186")).all()
            assert set(range(2015, 2026)) <= set(years), code
            for period, kind in (("2025", "target"), ("2030", "target"), ("2026-H1", "actual"),
                                 ("2026-H2", "estimate")):
                n = s.scalar(select(func.count()).select_from(IndicatorValue).where(
                    IndicatorValue.indicator_code == code, IndicatorValue.period == period,
                    IndicatorValue.kind == kind, IndicatorValue.is_demo.is_(True)))
                assert n == 20, (code, period, kind)


def test_real_figures_are_loaded_with_sources_and_none_invented(seeded):
    engine, _ = seeded
    expected = {}
    for name, unit_col in (("province_indicators.csv", "province_code"), ("district_indicators.csv", "district_code")):
        with (config.DATA_DIR / "reference" / name).open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                key = (r["indicator_code"], r[unit_col], str(int(r["year"])), r["kind"])
                if r["value"].strip():
                    expected.setdefault(key, float(r["value"]))
    with read_session(engine) as s:
        real = s.execute(select(IndicatorValue.indicator_code, IndicatorValue.admin_unit_code, IndicatorValue.period,
                                IndicatorValue.kind, IndicatorValue.value, IndicatorValue.source)
                         .where(IndicatorValue.is_demo.is_(False))).all()
    got = {(a, b, c, d): (v, src) for a, b, c, d, v, src in real}
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key][0] == pytest.approx(value)
        assert got[key][1]


def test_register_is_alive_relative_to_today(seeded):
    engine, _ = seeded
    open_ = Task.status.not_in(("done", "cancelled"))
    assert _count(engine, Task, open_, Task.due_on < TODAY) > 0
    assert _count(engine, Task, open_, Task.due_on >= TODAY, Task.due_on <= TODAY + dt.timedelta(days=14)) > 0
    assert _count(engine, Task, Task.status == "done") > 0
    assert _count(engine, Task, Task.status == "in_progress") > 0
    assert _count(engine, Task, Task.status == "done", Task.done_on > Task.due_on) > 0


def test_real_directives_keep_their_dates(seeded):
    engine, _ = seeded
    with read_session(engine) as s:
        plan = s.scalars(select(Task).where(Task.title.contains("trước ngày 07/8/2020"))).one()
        assert plan.due_on == dt.date(2020, 8, 7) and plan.lead_agency_code == "LS-SKHDT"
        tn = s.scalars(select(Conclusion).join(Meeting).where(Meeting.province_code == "19",
                                                               Conclusion.all_members.is_(True),
                                                               Meeting.held_on == dt.date(2020, 7, 10))).one()
        assert tn.due_on == dt.date(2020, 7, 20)
        members = s.scalar(select(func.count()).select_from(Agency).where(
            Agency.province_code == "19", Agency.is_committee_member.is_(True)))
        fanned = s.scalar(select(func.count()).select_from(Task).where(Task.conclusion_id == tn.id))
        assert fanned == members and members > 20


def test_issues_meetings_and_accounts(seeded):
    engine, report = seeded
    assert _count(engine, Issue) >= 25
    assert _count(engine, Issue, Issue.status == "awaiting_decision") > 0
    assert _count(engine, Issue, Issue.status == "resolved", Issue.decided_at_meeting_id.is_not(None)) > 0
    assert _count(engine, Meeting, Meeting.province_code == "20", Meeting.held_on < TODAY) >= 4
    assert _count(engine, Meeting, Meeting.province_code == "20", Meeting.status == "planned",
                  Meeting.held_on > TODAY) == 1
    roles = {role for _, role, _ in report["accounts"]}
    assert roles == {"viewer", "agency_editor", "dpi_editor", "admin"}
    with read_session(engine) as s:
        hashes = s.scalars(select(User.password_hash)).all()
    for _, _, password in report["accounts"]:
        assert all(password not in h for h in hashes) and all(h.startswith("$argon2") for h in hashes)


def _content(engine):
    with read_session(engine) as s:
        tasks = s.execute(select(Task.code, Task.title, Task.lead_agency_code, Task.due_on, Task.status,
                                 Task.percent_done).order_by(Task.code)).all()
        issues = s.execute(select(Issue.code, Issue.title, Issue.status, Issue.raised_on).order_by(Issue.code)).all()
        values = s.execute(select(IndicatorValue.indicator_code, IndicatorValue.admin_unit_code, IndicatorValue.period,
                                  IndicatorValue.kind, IndicatorValue.revision, IndicatorValue.value)
                           .order_by(IndicatorValue.indicator_code, IndicatorValue.admin_unit_code,
                                     IndicatorValue.period, IndicatorValue.kind, IndicatorValue.revision)).all()
    return tasks, issues, values


def test_seed_is_deterministic(seeded, tmp_path):
    from qh_data import schema
    from qh_data.db import make_engine

    engine, _ = seeded
    other = make_engine(f"sqlite:///{tmp_path}/second.sqlite3")
    schema.upgrade(other)
    demo.seed(other, today=TODAY, quiet=True)
    assert _content(other) == _content(engine)


def test_revisions_are_consistent(seeded):
    engine, _ = seeded
    with read_session(engine) as s:
        rows = s.execute(select(IndicatorValue.indicator_code, IndicatorValue.admin_unit_code, IndicatorValue.period,
                                IndicatorValue.kind, IndicatorValue.revision, IndicatorValue.submitted_at,
                                IndicatorValue.superseded_at)).all()
    by_key: dict = {}
    for *key, rev, sub, sup in rows:
        by_key.setdefault(tuple(key), []).append((rev, sub, sup))
    revised = 0
    for revs in by_key.values():
        revs.sort()
        for (r1, s1, sup1), (r2, s2, _) in zip(revs, revs[1:]):
            assert r2 == r1 + 1 and sup1 == s2
        assert revs[-1][2] is None
        revised += len(revs) > 1
    assert revised > 0


def test_refused_on_a_non_empty_database_and_nothing_changes(seeded_own):
    engine, _ = seeded_own
    before = _content(engine)
    with pytest.raises(QHError):
        demo.seed(engine, today=TODAY, quiet=True)
    assert _content(engine) == before


def test_a_failure_mid_seed_leaves_the_database_empty(engine, monkeypatch):
    def boom(self):
        raise RuntimeError("simulated failure after the figures were inserted")

    monkeypatch.setattr(demo._Register, "issues", boom)
    with pytest.raises(RuntimeError):
        demo.seed(engine, today=TODAY, quiet=True)
    for model in (AdminUnitVersion, Agency, Indicator, IndicatorValue, Task, Meeting, User):
        assert _count(engine, model) == 0


def test_missing_data_file_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    with pytest.raises(ConfigError) as err:
        refdata.read_csv("districts.csv")
    assert "districts.csv" in err.value.message_vi and "districts.csv" in err.value.message_en
    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / "lang_son_districts.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        refdata.load_boundaries("20")
    assert "lang_son_districts.geojson" in err.value.message_vi
