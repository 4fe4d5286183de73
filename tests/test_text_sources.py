"""Text from every source gets the same cleaning before it is stored (qh_data.text).

- People (forms, the `qh import` Excel door with its file name and source, the lineage CSV):
  ``clean_text`` (NFC, zero-width and control characters dropped, direction controls refused with one
  sentence naming the field) -- tested here and in test_hostile_input.py and the intake tests.
- Bulk files the project trusts (a restored backup, the reference CSVs): ``inert``, the same
  normalisation with direction controls dropped rather than refused, so an old backup still restores.
- Stored text shown on a page, in a document or on a map: ``inert`` again, at display time.
"""

from __future__ import annotations

import unicodedata

from reliability_helpers import actor
from sqlalchemy import select, update

from qh_data import backup, refdata
from qh_data.db import read_session, session_scope
from qh_data.maps.render import esc
from qh_data.models import Agency, IndicatorValue, Task
from qh_data.services import values as value_service
from qh_data.text import BIDI_CONTROLS, inert

DIRTY = unicodedata.normalize("NFD", "Nhiệm vụ \u202eexe.txt\u202c lập\u200b quy hoạch\x01\tcột\nmới")
CLEAN = "Nhiệm vụ exe.txt lập quy hoạch\tcột\nmới"


def test_inert_is_clean_text_without_the_refusal():
    assert inert(DIRTY) == CLEAN
    assert inert(CLEAN) == CLEAN  # idempotent: a clean store restores byte for byte
    assert inert(None) == ""


def test_a_restored_backup_is_cleaned(demo_engine, backend, new_engine, tmp_path):
    with session_scope(demo_engine) as s:
        task_id = s.scalar(select(Task.id).order_by(Task.id).limit(1))
        s.execute(update(Task).where(Task.id == task_id).values(title=DIRTY, description=DIRTY))
    dump = tmp_path / "old.zip"
    backup.backup(demo_engine, dump)
    target = new_engine(backend)
    backup.restore(target, dump)
    with read_session(target) as s:
        task = s.get(Task, task_id)
        assert (task.title, task.description) == (CLEAN, CLEAN)
        names = s.scalars(select(Agency.name)).all()
    assert names and not any(BIDI_CONTROLS.search(n) for n in names)


def test_reference_csv_cells_are_cleaned(tmp_path, monkeypatch):
    (tmp_path / "agencies.csv").write_text(f"code,name\nX-1,{DIRTY.replace(chr(10), ' ')}\n", encoding="utf-8")
    monkeypatch.setattr(refdata, "reference_dir", lambda: tmp_path)
    assert refdata.read_csv("agencies.csv") == [{"code": "X-1", "name": CLEAN.replace("\n", " ")}]


def test_map_text_is_escaped_and_inert():
    assert esc('<b onclick="x">Huyện \u202eA</b>') == "&lt;b onclick=&quot;x&quot;&gt;Huyện A&lt;/b&gt;"


def test_an_imported_files_name_and_source_are_cleaned(demo_engine):
    with read_session(demo_engine) as s:
        row = s.scalars(select(IndicatorValue).where(IndicatorValue.superseded_at.is_(None),
                                                     IndicatorValue.value.is_not(None))
                        .order_by(IndicatorValue.id).limit(1)).one()
        key = (row.indicator_code, row.admin_unit_code, row.period, row.kind)
        figure = value_service.NewFigure(*key, row.value + 1, expected_id=row.id)
    name = unicodedata.normalize("NFD", "Số liệu\u200b Sở Xây dựng.xlsx")
    value_service.import_figures(demo_engine, actor(demo_engine, "admin"), [figure], file_name=name,
                                 source=unicodedata.normalize("NFD", " Cục Thống kê\u2060 "))
    with read_session(demo_engine) as s:
        stored = s.scalars(select(IndicatorValue).where(IndicatorValue.superseded_at.is_(None),
                                                        IndicatorValue.indicator_code == key[0],
                                                        IndicatorValue.admin_unit_code == key[1],
                                                        IndicatorValue.period == key[2],
                                                        IndicatorValue.kind == key[3])).one()
        assert (stored.file_name, stored.source) == ("Số liệu Sở Xây dựng.xlsx", "Cục Thống kê")
