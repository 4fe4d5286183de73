"""Writes point at the unit version a code meant on their day (issue 14), SQLite and PostgreSQL.

Seeds (demo, synth) write versions and ids; the services resolve the codes a form gives through
``units.versions``; a reused code (province 19, commune 05977) lands on different versions on each side
of 1/7/2025, and a figure for a unit that did not exist in its period is refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from meeting_fixtures import PROVINCE, seed_small
from sqlalchemy import func, select, text

from qh_data import clock, schema, synth
from qh_data.db import read_session, session_scope
from qh_data.errors import ValidationFailed
from qh_data.models import AdminUnitVersion, Indicator, IndicatorValue, Issue, Meeting
from qh_data.permissions import SYSTEM, Actor
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import issues as issue_svc
from qh_data.services import meetings as meeting_svc
from qh_data.services import signers as signer_svc
from qh_data.services import values as value_svc
from qh_data.units import lineage, store, versions

NOW = dt.datetime(2026, 4, 10, 9, 30)
DPI = Actor(user_id=None, username="dpi", role="dpi_editor")

# (table, id column, the levels its version may have: a task or issue names districts before 1/7/2025,
# communes from then on)
POINTERS = (("agency", "province_unit_id", ("province",)), ("task", "province_unit_id", ("province",)),
            ("issue", "province_unit_id", ("province",)), ("meeting", "province_unit_id", ("province",)),
            ("document_signer", "province_unit_id", ("province",)),
            ("task_admin_unit", "unit_id", ("district", "commune")),
            ("issue_admin_unit", "unit_id", ("district", "commune")))


def _wrong_levels(engine) -> dict[str, int]:
    out = {}
    with engine.connect() as c:
        for table, column, levels in POINTERS:
            allowed = ", ".join(f"'{level}'" for level in levels)
            n = c.execute(text(f"SELECT count(*) FROM {table} t JOIN admin_unit_version v ON v.id = t.{column} "
                               f"WHERE v.level NOT IN ({allowed})")).scalar()
            if n:
                out[f"{table}.{column}"] = n
    return out


def test_the_demo_seed_writes_the_versions_and_points_at_them(demo_engine):
    """The reference units (no start date in the files: in force "since before the data begins"), then the
    2025 reform on top: a reused code names two versions, one on each side of 1/7/2025 (province 19,
    05977); the register points at the versions before it."""
    with demo_engine.connect() as c:
        reused = c.execute(text("SELECT level, code FROM admin_unit_version GROUP BY level, code "
                                "HAVING count(*) > 1")).all()
        assert ("province", "19") in reused and ("commune", "05977") in reused
        assert c.execute(text("SELECT max(n) FROM (SELECT count(*) AS n FROM admin_unit_version "
                              "GROUP BY level, code) x")).scalar() == 2
        starts = c.execute(select(AdminUnitVersion.valid_from).distinct()).scalars().all()
        assert set(starts) <= {None, dt.date(2025, 7, 1)} and len(starts) == 2
        districts = c.execute(text("SELECT count(*) FROM admin_unit_version WHERE level = 'district'")).scalar()
        for table, column, _ in POINTERS:
            assert c.execute(text(f"SELECT count(*) FROM {table} t JOIN admin_unit_version v ON v.id = t.{column} "
                                  "WHERE v.valid_from IS NOT NULL")).scalar() == 0, table
    assert districts == 20 + 8 and _wrong_levels(demo_engine) == {}  # Bắc Kạn's 8 come with the reform


def test_small_synth_writes_versions_and_ids(engine):
    report = synth.synth(engine, scale="small", today=dt.date(2026, 12, 1))
    with read_session(engine) as s:
        n = s.scalar(select(func.count()).select_from(AdminUnitVersion).where(AdminUnitVersion.level == "district"))
    assert n == report["counts"]["districts"] > 0
    assert _wrong_levels(engine) == {} and schema.differences(engine) == []


@pytest.fixture
def small(engine):
    clock.freeze(NOW)
    actors = seed_small(engine)
    yield engine, actors
    clock.freeze(None)


def test_services_write_the_version_of_each_code(small):
    engine, a = small
    meeting = meeting_svc.create_meeting(engine, a["dpi"], province=PROVINCE, held_on=dt.date(2026, 4, 10),
                                         title="Cuộc họp Ban Chỉ đạo quý I năm 2026")
    conclusion_svc.save_conclusions(engine, a["dpi"], meeting.id, [conclusion_svc.ConclusionDraft(
        "Các thành viên rà soát số liệu của địa phương mình.", number=1, lead_agency_code="LS-SKHDT",
        all_members=True, due_on=dt.date(2026, 4, 30))])
    issue = issue_svc.raise_issue(engine, a["stc"], province=PROVINCE, title="Thiếu kinh phí giải phóng mặt bằng",
                                  raised_by="LS-STC", admin_units=["178"])
    issue_svc.update_issue(engine, a["dpi"], issue.id, issue.version, admin_units=["178", "180"])
    value_svc.submit_value(engine, a["dpi"], indicator="grdp_growth", unit_code=PROVINCE, period="2025",
                           kind="actual", value="7,2")
    signer_svc.set_signer(engine, Actor(user_id=None, username="quantri", role="admin"), province=PROVINCE,
                          document="notice", draft=signer_svc.SignerDraft(name="Dương Văn Chiều"),
                          expected_version=None)
    with engine.connect() as c:
        filled = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t, _, _ in POINTERS}
    assert all(filled.values()), filled  # every kind of row was written ...
    assert _wrong_levels(engine) == {}  # ... pointing at a version of its level
    with read_session(engine) as s:
        linked = s.get(Issue, issue.id)
        assert sorted(u.code for u in linked.admin_units) == ["178", "180"] and linked.province_code == PROVINCE


def test_a_reused_code_lands_on_the_version_of_its_day(demo_engine):
    with session_scope(demo_engine) as s:
        store.load(s, lineage.reference(), SYSTEM, source="test")
    clock.freeze(dt.datetime(2026, 12, 6, 9, 0))
    try:
        before = meeting_svc.create_meeting(demo_engine, DPI, province="19", held_on=dt.date(2025, 6, 20),
                                            title="Phiên họp trước khi hợp nhất tỉnh")
        after = meeting_svc.create_meeting(demo_engine, DPI, province="19", held_on=dt.date(2026, 12, 20),
                                           title="Phiên họp sau khi hợp nhất tỉnh")
        with pytest.raises(ValidationFailed) as gone:
            meeting_svc.create_meeting(demo_engine, DPI, province="06", held_on=dt.date(2026, 12, 20),
                                       title="Bắc Kạn không còn là một tỉnh")
        # a district figure for 2024 goes on the district; for 2026 the district no longer exists
        indicator = _any_indicator(demo_engine)
        value_svc.submit_value(demo_engine, DPI, indicator=indicator, unit_code="178", period="2024",
                               kind="actual", value="1,5")
        with pytest.raises(ValidationFailed) as abolished:
            value_svc.submit_value(demo_engine, DPI, indicator=indicator, unit_code="178", period="2026",
                                   kind="actual", value="1,5")
    finally:
        clock.freeze(None)
    assert "06" in gone.value.message_vi and "20/12/2026" in gone.value.message_vi
    assert "178" in abolished.value.message_vi and "2026" in abolished.value.message_en
    with read_session(demo_engine) as s:
        old, new = (s.get(Meeting, m.id).province_unit for m in (before, after))
        assert (old.code, old.valid_to, new.code, new.valid_from) == (
            "19", dt.date(2025, 6, 30), "19", dt.date(2025, 7, 1))
        figure = s.scalars(select(IndicatorValue).where(IndicatorValue.indicator_code == indicator,
                                                        IndicatorValue.period == "2024",
                                                        IndicatorValue.superseded_at.is_(None),
                                                        IndicatorValue.admin_unit_code == "178")).one()
        assert figure.unit.level == "district" and figure.unit.valid_to == dt.date(2025, 6, 30)


def _any_indicator(engine) -> str:
    with read_session(engine) as s:
        return s.scalar(select(Indicator.code).where(Indicator.min_value.is_(None)).order_by(Indicator.code))


def test_version_ids_pick_the_version_in_force_and_refuse_an_ambiguous_code(engine):
    with session_scope(engine) as s:
        s.add_all([
            AdminUnitVersion(level="commune", code="05977", name="Phường Vĩnh Trại", valid_from=None,
                             valid_to=dt.date(2025, 6, 30)),
            AdminUnitVersion(level="commune", code="05977", name="Phường Đông Kinh", valid_from=dt.date(2025, 7, 1)),
            AdminUnitVersion(level="province", code="06", name="Bắc Kạn", valid_to=dt.date(2025, 6, 30)),
        ])
    with engine.connect() as c:
        ids = dict(c.execute(select(AdminUnitVersion.name, AdminUnitVersion.id)).all())
        assert versions.version_id(c, "commune", "05977", dt.date(2025, 6, 30)) == ids["Phường Vĩnh Trại"]
        assert versions.version_id(c, "commune", "05977", dt.date(2025, 7, 1)) == ids["Phường Đông Kinh"]
        assert versions.version_id(c, "province", "06", dt.date(2026, 1, 1)) is None  # Bắc Kạn is gone
        assert versions.version_id(c, "province", "05977", dt.date(2020, 1, 1)) is None  # wrong level
        assert versions.figure_unit_ids(c, [("05977", "2024"), ("05977", "2026-H1")]) == {
            ("05977", "2024"): ids["Phường Vĩnh Trại"], ("05977", "2026-H1"): ids["Phường Đông Kinh"]}
        with pytest.raises(versions.AmbiguousUnitCode, match="05977"):
            versions.figure_unit_ids(c, [("05977", "2025")])  # the year straddles the change
