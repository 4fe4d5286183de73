"""Writes store the unit version id beside every unit code (issue 14, stage 2), SQLite and PostgreSQL.

Seeds (demo, synth) fill them in bulk; the services fill them row by row through ``units.versions``; and
``version_ids`` answers "which version did this code mean on that day / over that period".
"""

from __future__ import annotations

import datetime as dt

import pytest
from meeting_fixtures import PROVINCE, seed_small
from sqlalchemy import func, select, text

from qh_data import clock, schema, synth
from qh_data.db import session_scope
from qh_data.models import AdminUnit, AdminUnitVersion
from qh_data.permissions import Actor
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import issues as issue_svc
from qh_data.services import meetings as meeting_svc
from qh_data.services import signers as signer_svc
from qh_data.services import values as value_svc
from qh_data.units import versions

NOW = dt.datetime(2026, 4, 10, 9, 30)


def _id_mismatches(engine) -> dict[str, tuple[int, int]]:
    """Per id column: (rows with a code, rows whose id is that code's version); only the columns that differ."""
    out = {}
    with engine.connect() as c:
        for table, code_col, id_col in versions.ID_COLUMNS:
            codes = c.execute(select(func.count()).select_from(table)
                              .where(table.c[code_col].is_not(None))).scalar_one()
            matched = c.execute(text(
                f"SELECT count(*) FROM {table.name} t JOIN admin_unit_version v ON v.id = t.{id_col} "
                f"WHERE v.code = t.{code_col}")).scalar_one()
            if codes != matched:
                out[f"{table.name}.{id_col}"] = (codes, matched)
    return out


def _version_count(engine) -> tuple[int, int]:
    with engine.connect() as c:
        return (c.execute(select(func.count()).select_from(AdminUnit)).scalar_one(),
                c.execute(select(func.count()).select_from(AdminUnitVersion)).scalar_one())


def test_demo_seed_writes_a_version_per_unit_and_every_id(demo_engine):
    units, unit_versions = _version_count(demo_engine)
    assert units == unit_versions > 20
    assert _id_mismatches(demo_engine) == {}
    with demo_engine.connect() as c:
        # refdata's placeholder start dates are "before the data begins" on a version; parents follow codes.
        assert c.execute(text("SELECT count(*) FROM admin_unit_version WHERE valid_from IS NOT NULL")).scalar() == 0
        wrong_parent = c.execute(text(
            "SELECT count(*) FROM admin_unit_version v JOIN admin_unit u ON u.code = v.code "
            "LEFT JOIN admin_unit_version p ON p.id = v.parent_id "
            "WHERE coalesce(p.code, '-') <> coalesce(u.parent_code, '-')")).scalar()
    assert wrong_parent == 0


def test_small_synth_writes_every_id(engine):
    synth.synth(engine, scale="small", today=dt.date(2026, 12, 1))
    units, unit_versions = _version_count(engine)
    assert units == unit_versions > 0
    assert _id_mismatches(engine) == {}
    assert schema.differences(engine) == []


@pytest.fixture
def small(engine):
    clock.freeze(NOW)
    actors = seed_small(engine)
    with session_scope(engine) as s:
        versions.sync_from_codes(s.connection())
    yield engine, actors
    clock.freeze(None)


def test_services_write_the_version_id_beside_each_code(small):
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
        filled = {t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
            "meeting", "task", "task_admin_unit", "issue", "issue_admin_unit", "indicator_value",
            "document_signer")}
    assert all(filled.values()), filled  # every kind of row was written ...
    assert _id_mismatches(engine) == {}  # ... with the id of its code's version


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
