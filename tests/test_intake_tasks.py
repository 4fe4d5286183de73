"""Task progress through the same door: export an agency's open tasks, fill them in, import them back with
the version check, on SQLite and PostgreSQL. A row whose task someone else changed since the export is
reported and not overwritten; a task changed between the dry run and the confirmation refuses the file.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from qh_data import intake
from qh_data.db import read_session
from qh_data.errors import StaleEdit, ValidationFailed
from qh_data.intake.common import META_SHEET, TASK_COLUMNS, TASKS_SHEET
from qh_data.models import Task, TaskUpdate
from qh_data.services import tasks as task_service
from tests.intake_helpers import actor, checksum, edit

T = TASKS_SHEET
C = {c.key: i for i, c in enumerate(TASK_COLUMNS, start=1)}
AGENCY = "LS-SXD"


def task(engine, code: str) -> Task:
    with read_session(engine) as s:
        t = s.scalar(select(Task).where(Task.code == code))
        s.expunge(t)
        return t


def rows_by_code(ws) -> dict[str, int]:
    return {ws.cell(r, C["task_code"]).value: r for r in range(4, ws.max_row + 1)
            if ws.cell(r, C["task_code"]).value}


def set_row(code: str, **values):
    def change(wb):
        ws = wb[T]
        r = rows_by_code(ws)[code]
        for key, value in values.items():
            ws.cell(r, C[key]).value = value
    return change


def both(*changes):
    def change(wb):
        for c in changes:
            c(wb)
    return change


@pytest.fixture
def exported(demo_engine):
    tpl = intake.tasks_template(demo_engine, AGENCY)
    wb = load_workbook(io.BytesIO(tpl.data))
    codes = list(rows_by_code(wb[T]))
    return tpl, codes


def test_the_export_lists_the_open_tasks_with_drop_downs_and_hidden_versions(demo_engine, exported):
    tpl, codes = exported
    with read_session(demo_engine) as s:
        open_codes = set(s.scalars(select(Task.code).where(Task.lead_agency_code == AGENCY,
                                                            Task.status.in_(("not_started", "in_progress")))))
    assert set(codes) == open_codes and tpl.rows == len(open_codes) >= 3
    wb = load_workbook(io.BytesIO(tpl.data))
    ws = wb[T]
    assert [ws.cell(3, i).value for i in range(1, len(TASK_COLUMNS) + 1)] == [c.vi for c in TASK_COLUMNS]
    assert ws.column_dimensions["G"].hidden  # the version column
    first = task(demo_engine, codes[0])
    r = rows_by_code(ws)[codes[0]]
    assert ws.cell(r, C["version"]).value == first.version
    assert ws.cell(r, C["status"]).protection.locked is False and ws.cell(r, C["task_code"]).protection.locked
    assert ws.protection.sheet
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"list", "whole"}
    assert wb[META_SHEET].sheet_state == "veryHidden"


def test_round_trip_with_a_stale_row_reported_not_overwritten(demo_engine, exported):
    tpl, codes = exported
    fresh, stale, untouched = codes[0], codes[1], codes[2]
    admin = actor(demo_engine, "admin")
    editor = actor(demo_engine, "editor.sxd")
    # after the export, someone else updates the second task
    s_task = task(demo_engine, stale)
    task_service.update_progress(demo_engine, admin, s_task.id,
                                 task_service.ProgressChange("in_progress", 75, "cập nhật tại cuộc họp"),
                                 expected_version=s_task.version)
    data = edit(tpl.data, both(
        set_row(fresh, status="Đang thực hiện", percent=65, note="Đã trình dự thảo lần 2"),
        set_row(stale, percent=90, note="số liệu cũ"),
    ))
    plan = intake.dry_run(demo_engine, editor, data, "tien-do-sxd.xlsx")
    assert plan.kind == "tasks" and plan.ok, [(p.code, p.cell) for p in plan.errors]
    outcome = {r.code: r.outcome for r in plan.rows}
    assert outcome[fresh] == "changed" and outcome[stale] == "conflict" and outcome[untouched] == "unchanged"
    (warning,) = [p for p in plan.warnings if p.code == "stale_row"]
    assert "Quản trị hệ thống" in warning.message_vi and warning.value == stale
    assert warning.row == rows_by_code(load_workbook(io.BytesIO(data))[T])[stale]
    assert plan.counts == {"changed": 1, "unchanged": len(codes) - 2, "conflict": 1}

    f_before = task(demo_engine, fresh)
    result = intake.commit(demo_engine, editor, plan)
    assert result == {"file_name": "tien-do-sxd.xlsx", "updated": 1, "conflicts": 1}
    f_after, s_after = task(demo_engine, fresh), task(demo_engine, stale)
    assert (f_after.percent_done, f_after.version) == (65, f_before.version + 1)
    assert f_after.updated_by_id == editor.user_id
    assert (s_after.percent_done, s_after.version) == (75, s_task.version + 1)  # the newer update stays
    with read_session(demo_engine) as s:
        last = s.scalars(select(TaskUpdate).where(TaskUpdate.task_id == f_after.id)
                         .order_by(TaskUpdate.id.desc())).first()
        assert (last.note, last.user_id, last.version) == ("Đã trình dự thảo lần 2", editor.user_id, f_after.version)


def test_a_task_changed_between_dry_run_and_confirmation_refuses_the_file(demo_engine, exported):
    tpl, codes = exported
    editor = actor(demo_engine, "editor.sxd")
    data = edit(tpl.data, both(set_row(codes[0], percent=70), set_row(codes[1], status="Đã hoàn thành")))
    plan = intake.dry_run(demo_engine, editor, data, "tien-do.xlsx")
    assert plan.counts["changed"] == 2
    t1 = task(demo_engine, codes[1])
    task_service.update_progress(demo_engine, actor(demo_engine, "dpi"), t1.id,
                                 task_service.ProgressChange("in_progress", 80), expected_version=t1.version)
    before = checksum(demo_engine)
    with pytest.raises(StaleEdit):
        intake.commit(demo_engine, editor, plan)
    assert checksum(demo_engine) == before


@pytest.mark.parametrize("change, code, column", [
    (lambda codes: set_row(codes[0], status="Xong rồi"), "bad_status", "D"),
    (lambda codes: set_row(codes[0], percent=150), "bad_percent", "E"),
    (lambda codes: set_row(codes[0], percent="nửa chừng"), "bad_percent", "E"),
    (lambda codes: set_row(codes[0], percent=33.5), "bad_percent", "E"),
    (lambda codes: set_row(codes[0], version=None, percent=40), "bad_version", "G"),
    (lambda codes: set_row(codes[0], task_code="LS-9999-999"), "unknown_task", "A"),
    (lambda codes: set_row(codes[1], task_code=codes[0]), "duplicate", "A"),
    (lambda codes: set_row(codes[0], task_code="LS-2026-001", percent=50), "not_permitted", "A"),
    (lambda codes: set_row(codes[0], percent="=50+1"), "formula", "E"),
])
def test_a_bad_progress_row_refuses_the_file(demo_engine, exported, change, code, column):
    tpl, codes = exported
    editor = actor(demo_engine, "editor.sxd")
    with read_session(demo_engine) as s:
        other = s.scalar(select(Task.lead_agency_code).where(Task.code == "LS-2026-001"))
    assert other != AGENCY
    before = checksum(demo_engine)
    plan = intake.dry_run(demo_engine, editor, edit(tpl.data, change(codes)), "sai.xlsx")
    assert not plan.ok
    found = [p for p in plan.errors if p.code == code]
    assert found and found[0].sheet == T and found[0].column == column, [(p.code, p.cell) for p in plan.errors]
    with pytest.raises(ValidationFailed):
        intake.commit(demo_engine, editor, plan)
    assert checksum(demo_engine) == before


def test_the_dpi_imports_any_agencys_progress_and_the_kind_words_are_the_catalogues(demo_engine, exported):
    from dashboard import i18n
    from qh_data.intake.common import KIND_WORDS, STATUS_WORDS

    tpl, codes = exported
    data = edit(tpl.data, set_row(codes[0], status="done", percent=None))  # the code word works too
    plan = intake.dry_run(demo_engine, actor(demo_engine, "dpi"), data, "tien-do.xlsx")
    assert plan.ok and [(r.code, r.status, r.percent) for r in plan.to_write] == [(codes[0], "done", 100)]
    intake.commit(demo_engine, actor(demo_engine, "dpi"), plan)
    assert task(demo_engine, codes[0]).status == "done"
    vi = i18n.catalogue("vi")
    assert all(vi[f"status.task.{k}"] == w for k, w in STATUS_WORDS.items())
    assert all(vi[f"status.kind.{k}"] == w for k, w in KIND_WORDS.items())
