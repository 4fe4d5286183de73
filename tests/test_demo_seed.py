"""The demo seed and the real reference data, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict

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
from qh_data.units import store

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
    # the 20 districts of the two provinces, and Bắc Kạn's 8 (the reform's lineage); all ended on 30/6/2025
    assert _count(engine, AdminUnitVersion, AdminUnitVersion.level == "district") == 28
    assert _count(engine, AdminUnitVersion, AdminUnitVersion.level == "district",
                  AdminUnitVersion.valid_to != dt.date(2025, 6, 30)) == 0


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
            # periods the districts overlap: on the 20 districts; after 30/6/2025: on the communes in force
            # (65 of Lạng Sơn, 55 of Thái Nguyên's 92: Bắc Kạn's 37 have no district series to come from)
            for period, kind, level, n_units in (
                    ("2025", "target", "district", 20), ("2025", "estimate", "district", 20),
                    ("2025-H2", "actual", "commune", 120), ("2026-H1", "actual", "commune", 120),
                    ("2026-H2", "estimate", "commune", 120), ("2026", "estimate", "commune", 120),
                    ("2030", "target", "commune", 120)):
                n = s.scalar(select(func.count()).select_from(IndicatorValue).join(
                    AdminUnitVersion, AdminUnitVersion.id == IndicatorValue.unit_id).where(
                    IndicatorValue.indicator_code == code, IndicatorValue.period == period,
                    IndicatorValue.kind == kind, IndicatorValue.is_demo.is_(True),
                    IndicatorValue.superseded_at.is_(None),
                    AdminUnitVersion.level == level))
                assert n == n_units, (code, period, kind)


def _demo_figures(engine, *where):
    v, u = IndicatorValue, AdminUnitVersion
    with read_session(engine) as s:
        return s.execute(select(v.indicator_code, v.period, v.kind, v.value, u.id, u.code, u.level, u.valid_from,
                                u.valid_to).join(u, u.id == v.unit_id)
                         .where(v.is_demo.is_(True), v.superseded_at.is_(None), *where)).all()


def test_every_demo_figure_is_on_a_unit_in_force_in_its_period(seeded):
    """The reform is in the store (the districts end on 30/6/2025) and no demo figure sits on a unit version
    that was not in force during its period: 2025-H2 and later on the communes, the rest on the districts."""
    from qh_data import periods
    from qh_data.rules import unit_validity

    engine, report = seeded
    assert report["counts"]["communes"] == 157
    rows = _demo_figures(engine)
    outside = [(r.code, r.period) for r in rows if not unit_validity.overlaps(
        r.valid_from, r.valid_to, periods.parse(r.period).start, periods.parse(r.period).end)]
    assert outside == []
    by_level = {}
    for r in rows:
        by_level.setdefault(r.level, set()).add(r.period)
    assert by_level["commune"] == {"2025-H2", "2026-H1", "2026-H2", "2026", "2030"}
    assert max(by_level["district"], key=lambda p: periods.parse(p).end) == "2025"
    # what the store's own check counts outside its unit's validity is real data only (the 2030 targets of
    # the plans approved on the old units: Bình Gia's exit from the poor districts, old Thái Nguyên's)
    with read_session(engine) as s:
        outside_total, examples = store.figures_outside(s.connection())
    assert outside_total == 11 and examples[0] == "Huyện Bình Gia (181) 2030: 1"
    assert _count(engine, IndicatorValue, IndicatorValue.is_demo.is_(False), IndicatorValue.period == "2030",
                  IndicatorValue.unit_id.in_(select(AdminUnitVersion.id).where(
                      AdminUnitVersion.valid_to == dt.date(2025, 6, 30)))) == 11


def test_commune_figures_come_from_the_former_districts(seeded):
    """65/65 communes of Lạng Sơn and 55/92 of Thái Nguyên have the 2026 figures (Bắc Kạn's communes, whose
    districts have no demo series, stay empty, which the province basis says); a rate is copied from the
    former district, a sum split so that the communes add up to the districts."""
    from qh_data import queries
    from qh_data.catalogue import CATALOGUE
    from qh_data.units import lineage

    engine, _ = seeded
    lin = lineage.reference()
    today = dt.date(2026, 11, 23)
    rate = next(c for c in CATALOGUE if c.aggregation != "sum")
    total = next(c for c in CATALOGUE if c.aggregation == "sum")
    for province, n_total, n_with in (("20", 65, 65), ("19", 92, 55)):
        rows = queries.indicator_values(engine, indicator=rate.code, period="2026", kind="estimate",
                                        level="commune", province=province)
        assert rows.attrs == {"districts_contributing": n_with, "districts_total": n_total}
        assert len(queries.units.units_of(engine, province, today)) == n_total
        fig = queries.indicator_values(engine, indicator=total.code, period="2026", kind="estimate",
                                       level="province", province=province).to_frame().iloc[0]
        assert (fig["unit_level"], fig["districts_contributing"], fig["districts_total"]) == ("commune", n_with,
                                                                                            n_total)
    empty = {r["code"] for r in queries.indicator_values(engine, indicator=rate.code, period="2026", kind="estimate",
                                                         level="commune", province="19") if r["value"] is None}
    bac_kan = {u.code for u in lin.units_of("19", today) if u.level == "commune"
               and {x.old.code for x in lin.predecessors(u, "district")} <= {d.code for d in lin.units
                                                                             if d.level == "district"
                                                                             and d.parent.code == "06"}}
    assert empty == bac_kan and len(bac_kan) == 37

    values = {(r.code, r.level, r.period): r.value for r in _demo_figures(
        engine, IndicatorValue.indicator_code == rate.code, IndicatorValue.kind == "actual")}
    communes = [u for u in lin.units_of("20", today) if u.level == "commune"]
    single = [u for u in communes if len(lin.former_districts(u)) == 1]
    for u in single:  # a rate: the former district's 2025 figure
        district = lin.former_districts(u)[0].code
        assert values[(u.code, "commune", "2025-H2")] == pytest.approx(values[(district, "district", "2025")])
    sums: dict = defaultdict(float)
    for r in _demo_figures(engine, IndicatorValue.indicator_code == total.code, IndicatorValue.kind == "actual"):
        if r.code in {u.code for u in communes} | {d.code for d in lin.units if d.level == "district"
                                                     and d.parent.code == "20"}:
            sums[(r.level, r.period)] += r.value
    assert sums[("commune", "2025-H2")] == pytest.approx(sums[("district", "2025")] * 0.53, rel=1e-3)


def test_history_before_the_reform_stays_on_the_districts(seeded):
    """2020 is read on the 11 districts of Lạng Sơn of that time, as before the reform was loaded."""
    from qh_data import queries
    from qh_data.catalogue import CATALOGUE

    engine, _ = seeded
    total = next(c for c in CATALOGUE if c.aggregation == "sum")
    rows = queries.indicator_values(engine, indicator=total.code, period="2020", kind="actual", level="district",
                                    province="20")
    assert rows.attrs == {"districts_contributing": 11, "districts_total": 11}
    assert len(queries.indicator_values(engine, indicator=total.code, period="2020", kind="actual",
                                        level="commune", province="20")) == 0
    fig = queries.indicator_values(engine, indicator=total.code, period="2020", kind="actual", level="province",
                                   province="20").to_frame().iloc[0]
    assert (fig["unit_level"], fig["districts_contributing"]) == ("district", 11)
    assert fig["value"] == pytest.approx(sum(r["value"] for r in rows))


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
