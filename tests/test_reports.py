"""The meeting pack and the conclusions notice, reopened with python-docx: the parts of an
administrative document are there, and the tables' numbers are the database's (as of the meeting)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from meeting_fixtures import MEMBERS, PROVINCE, add_task, add_value, seed_small
from sqlalchemy import select

from qh_data import clock
from qh_data.db import read_session, session_scope
from qh_data.models import Agency, Indicator, Task, TaskUpdate
from qh_data.reports import build_conclusions_notice, build_meeting_pack, pack_data
from qh_data.reports.docx_base import MOTTO, NATIONAL_TITLE
from qh_data.rules.end_of_day import end_of_day
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import issues as isvc
from qh_data.services import meetings as msvc
from qh_data.services import tasks as tsvc

MEETING_DAY = dt.date(2026, 4, 10)


@pytest.fixture
def world(engine):
    """Tasks with history, an issue awaiting decision, indicator figures; a meeting on 10/4/2026."""
    clock.freeze(dt.datetime(2026, 4, 1, 8, 0))
    a = seed_small(engine)
    ids = {
        "late": add_task(
            engine, "T-LATE", "LS-STC", due=dt.date(2026, 3, 31), assigned=dt.date(2026, 1, 10), units=["180"]
        ),
        "going": add_task(
            engine,
            "T-GOING",
            "LS-SXD",
            due=dt.date(2026, 4, 12),
            assigned=dt.date(2026, 1, 10),
            status="in_progress",
            percent=40,
            at=dt.datetime(2026, 2, 1, 9),
        ),
        "done": add_task(
            engine,
            "T-DONE",
            "LS-SXD",
            due=dt.date(2026, 3, 1),
            assigned=dt.date(2026, 1, 10),
            status="done",
            percent=100,
            at=dt.datetime(2026, 2, 20, 9),
        ),
        "far": add_task(engine, "T-FAR", "LS-SKHDT", due=dt.date(2026, 9, 30), assigned=dt.date(2026, 2, 1)),
    }
    for per, kind, v in [
        ("2020", "actual", 3.0),
        ("2024", "actual", 6.5),
        ("2025", "estimate", 7.0),
        ("2030", "target", 8.5),
    ]:
        add_value(engine, "grdp_growth", PROVINCE, per, kind, v, dt.datetime(2026, 3, 1, 10))
    for unit, v in (("178", 9.5), ("180", 6.1), ("181", 7.2)):
        add_value(engine, "grdp_growth", unit, "2025", "estimate", v, dt.datetime(2026, 3, 1, 10))
    for per, kind, v in [("2020", "actual", 20.0), ("2025", "actual", 22.0), ("2030", "target", 8.0)]:
        add_value(engine, "poverty_rate", PROVINCE, per, kind, v, dt.datetime(2026, 3, 1, 10))
    issue = isvc.raise_issue(
        engine,
        a["stc"],
        province=PROVINCE,
        title="Thiếu kinh phí thuê tư vấn",
        raised_by="LS-STC",
        severity="high",
        admin_units=["180"],
    )
    isvc.record_proposed_solution(
        engine, a["stc"], issue.id, "Bổ sung kinh phí từ nguồn dự phòng.", issue.version
    )
    m = msvc.create_meeting(
        engine,
        a["dpi"],
        province=PROVINCE,
        held_on=MEETING_DAY,
        title="Cuộc họp Ban Chỉ đạo lập Quy hoạch tỉnh quý I năm 2026",
        chair="đồng chí Chủ tịch UBND tỉnh",
        venue="Hội trường UBND tỉnh",
        starts_at="08:00",
        invitees=list(MEMBERS),
    )
    yield engine, a, m, ids, issue
    clock.freeze(None)


def _doc(data: bytes) -> Document:
    return Document(io.BytesIO(data))


def _all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return "\n".join(parts)


def _runs(doc):
    for p in doc.paragraphs:
        yield from p.runs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    yield from p.runs


def _check_form(doc, *, body: str, symbol: str, doc_type: str):
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= section.top_margin.mm <= 25 and 20 <= section.bottom_margin.mm <= 25
    assert 30 <= section.left_margin.mm <= 35 and 15 <= section.right_margin.mm <= 20
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert 13 <= doc.styles["Normal"].font.size.pt <= 14
    runs = list(_runs(doc))
    title = [r for r in runs if r.text == NATIONAL_TITLE]
    assert title and title[0].bold
    motto = [r for r in runs if r.text == MOTTO]
    assert motto and motto[0].bold and not motto[0].underline  # its line is drawn below it
    assert any(body in r.text and r.bold for r in runs), body
    number = [r.text for r in runs if r.text.startswith("Số:")]
    assert number and number[0].endswith(symbol), number
    place = [r for r in runs if r.text.startswith("Lạng Sơn, ngày ")]
    assert place and place[0].italic and "tháng" in place[0].text and "năm 2026" in place[0].text
    paras = list(doc.paragraphs)
    at = next(i for i, p in enumerate(paras) if p.text == doc_type)
    kind = paras[at]
    assert kind.alignment == 1 and all(r.bold for r in kind.runs)  # 1 = centred
    subject = paras[at + 1]
    assert subject.text and subject.alignment == 1 and all(r.bold for r in subject.runs)
    text = _all_text(doc)
    assert "Nơi nhận:" in text and "- Lưu: VT" in text
    return text


def _num(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".").rstrip("%"))


def _table_after(doc, caption: str):
    seen = False
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph) and caption in block.text:
            seen = True
        elif seen and isinstance(block, Table):
            return block
    raise AssertionError(f"no table after {caption!r}")


def _expected_by_agency(engine, cutoff: dt.datetime, day: dt.date) -> dict[str, dict]:
    """Counted here from the raw rows, without the reports' SQL: each task's newest update at the cutoff."""
    out: dict[str, dict] = {}
    with read_session(engine) as s:
        names = {a.code: a.name.replace(" tỉnh Lạng Sơn", "") for a in s.scalars(select(Agency))}
        for task in s.scalars(select(Task).where(Task.assigned_on <= cutoff.date())):
            ups = [
                u
                for u in s.scalars(select(TaskUpdate).where(TaskUpdate.task_id == task.id))
                if u.at <= cutoff
            ]
            last = max(ups, key=lambda u: (u.at, u.id)) if ups else None
            status = last.status if last else "not_started"
            due = last.due_on if last else task.due_on
            row = out.setdefault(
                names[task.lead_agency_code],
                {"assigned": 0, "done": 0, "in_progress": 0, "not_started": 0, "overdue": 0},
            )
            if status != "cancelled":
                row["assigned"] += 1
            if status in row:
                row[status] += 1
            if status in ("not_started", "in_progress") and due and due < day:
                row["overdue"] += 1
    return out


def _shown_by_agency(table) -> dict[str, dict]:
    rows = {}
    for row in table.rows[1:]:
        cells = [c.text for c in row.cells]
        if cells[1] == "Tổng cộng":
            continue
        rows[cells[1]] = {
            "assigned": _num(cells[2]),
            "done": _num(cells[3]),
            "in_progress": _num(cells[4]),
            "not_started": _num(cells[5]),
            "overdue": _num(cells[6]),
        }
    return rows


def test_conclusions_notice_has_the_parts_of_an_administrative_notice(world):
    engine, a, m, _ids, _issue = world
    clock.freeze(dt.datetime(2026, 4, 10, 11, 0))
    conclusion_svc.save_conclusions(
        engine,
        a["dpi"],
        m.id,
        [
            conclusion_svc.ConclusionDraft(
                "Các thành viên Ban Chỉ đạo rà soát, cung cấp số liệu của ngành, địa phương mình.",
                number=1,
                lead_agency_code="LS-SKHDT",
                all_members=True,
                due_on=dt.date(2026, 4, 30),
            ),
            conclusion_svc.ConclusionDraft(
                "Sở Tài chính bố trí kinh phí lập quy hoạch năm 2026.",
                number=2,
                lead_agency_code="LS-STC",
                supporting_agency_codes=("LS-SKHDT",),
                due_on=dt.date(2026, 5, 15),
            ),
            conclusion_svc.ConclusionDraft(
                "Sở Tài nguyên và Môi trường hoàn thiện phương án phân bổ đất đai.",
                number=3,
                lead_agency_code="LS-STNMT",
                due_on=dt.date(2026, 6, 1),
            ),
        ],
    )
    doc = _doc(build_conclusions_notice(engine, m.id))
    text = _check_form(doc, body="ỦY BAN NHÂN DÂN", symbol="/TB-UBND", doc_type="THÔNG BÁO")
    assert "TỈNH LẠNG SƠN" in text
    assert "Kết luận của đồng chí Chủ tịch UBND tỉnh tại cuộc họp Ban Chỉ đạo" in text
    assert "Ngày 10/4/2026" in text
    # dated from the meeting's record (its month and year; the day is the clerk's), not from today
    assert "Lạng Sơn, ngày       tháng 4 năm 2026" in text
    paras = [p.text for p in doc.paragraphs]
    # each conclusion ends as a notice assigns work, in the same paragraph
    assert (
        "1. Các thành viên Ban Chỉ đạo rà soát, cung cấp số liệu của ngành, địa phương mình. Giao các thành "
        "viên Ban Chỉ đạo thực hiện; Sở Kế hoạch và Đầu tư tổng hợp, báo cáo UBND tỉnh, hoàn thành trước "
        "ngày 30/4/2026." in paras
    )
    assert (
        "2. Sở Tài chính bố trí kinh phí lập quy hoạch năm 2026. Giao Sở Tài chính chủ trì, phối hợp với "
        "Sở Kế hoạch và Đầu tư thực hiện, hoàn thành trước ngày 15/5/2026." in paras
    )
    assert not any(p.startswith(("Cơ quan chủ trì", "Giao:")) for p in paras)
    # Nơi nhận: the invitees, the province's leaders, the agency concerned that was not invited, the archive
    recipients = [r for r in text.splitlines() if r.startswith("- ")]
    assert recipients[0] == "- Như thành phần mời;" and recipients[-1] == "- Lưu: VT, KT."
    assert "- Sở Tài nguyên và Môi trường;" in recipients
    assert "TL. CHỦ TỊCH" in text and "PHÓ CHÁNH VĂN PHÒNG" in text


def test_meeting_pack_parts_and_numbers_equal_the_database(world):
    engine, _a, m, _ids, _issue = world
    clock.freeze(dt.datetime(2026, 4, 8, 15, 0))  # two days before the meeting: the pack as of now
    data = build_meeting_pack(engine, m.id)
    doc = _doc(data)
    text = _check_form(doc, body="BAN CHỈ ĐẠO", symbol="/BC-BCĐ", doc_type="BÁO CÁO")
    assert "UBND TỈNH LẠNG SƠN" in text
    for heading in (
        "I. TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ",
        "II. CÁC NHIỆM VỤ QUÁ HẠN",
        "III. TÌNH HÌNH THỰC HIỆN CÁC CHỈ TIÊU",
        "IV. KHÓ KHĂN, VƯỚNG MẮC",
    ):
        assert heading in text
    assert len(doc.inline_shapes) == 2  # the chart and the map
    assert all(shape.width.mm >= 140 for shape in doc.inline_shapes)
    assert "Nguồn ranh giới huyện: Chính phủ Việt Nam" in text  # the boundary licence's credit, in Vietnamese
    assert "District boundaries" not in text
    cutoff = end_of_day(dt.date(2026, 4, 8))
    assert _shown_by_agency(_table_after(doc, "Bảng 1.")) == _expected_by_agency(
        engine, cutoff, dt.date(2026, 4, 8)
    )
    overdue = _table_after(doc, "Bảng 2.")
    assert [r.cells[1].text for r in overdue.rows[1:]] == ["Nhiệm vụ T-LATE"]  # no internal code on paper
    assert overdue.rows[1].cells[4].text == "8"  # 31/3 -> 8/4
    indicators = _table_after(doc, "Bảng 3.")
    by_name = {r.cells[1].text: [c.text for c in r.cells] for r in indicators.rows[1:]}
    assert by_name["Tốc độ tăng trưởng GRDP"][3:7] == [
        "3,0\n(2020)",
        "7,0\n(ƯTH 2025)",
        "8,5\n(2030)",
        "Chậm vừa phải",
    ]
    assert by_name["Tỷ lệ hộ nghèo"][6] == "Chậm nhiều"  # a rate: 8 / 22 = 0,36 of the target level
    assert "Thiếu kinh phí thuê tư vấn" in text and "Bổ sung kinh phí từ nguồn dự phòng." in text
    assert "- Lưu: VT, BCĐ." in text and "TM. BAN CHỈ ĐẠO" in text


def test_past_meeting_pack_shows_the_figures_of_its_day(world):
    engine, a, m, ids, issue = world
    clock.freeze(dt.datetime(2026, 4, 10, 11, 0))
    conclusion_svc.save_conclusions(
        engine,
        a["dpi"],
        m.id,
        [
            conclusion_svc.ConclusionDraft(
                "Các thành viên rà soát số liệu.",
                number=1,
                lead_agency_code="LS-SKHDT",
                all_members=True,
                due_on=dt.date(2026, 4, 30),
            )
        ],
    )
    m = msvc.mark_held(engine, a["dpi"], m.id, m.version)
    before = build_meeting_pack(engine, m.id)

    # after the meeting: the late task is finished, a figure is revised, the issue is decided
    clock.freeze(dt.datetime(2026, 4, 15, 10, 0))
    with read_session(engine) as s:
        version = s.get(Task, ids["late"]).version
    tsvc.update_progress(engine, a["stc"], ids["late"], tsvc.ProgressChange("done", 100), version)
    add_value(engine, "grdp_growth", PROVINCE, "2025", "estimate", 9.1, dt.datetime(2026, 4, 15, 10))
    current = isvc.get_issue(engine, issue.id)
    isvc.record_decision(engine, a["dpi"], issue.id, "Đồng ý.", m.id, current.version)
    clock.freeze(dt.datetime(2027, 1, 5, 9, 0))
    later = build_meeting_pack(engine, m.id)

    for raw in (before, later):
        doc = _doc(raw)
        cutoff = end_of_day(dt.date(2026, 4, 9))  # the meeting opened: the end of the day before
        shown = _shown_by_agency(_table_after(doc, "Bảng 1."))
        assert shown == _expected_by_agency(engine, cutoff, MEETING_DAY)
        assert shown["Sở Tài chính"] == {
            "assigned": 1,
            "done": 0,
            "in_progress": 0,
            "not_started": 1,
            "overdue": 1,
        }
        assert [r.cells[1].text for r in _table_after(doc, "Bảng 2.").rows[1:]] == ["Nhiệm vụ T-LATE"]
        grdp = next(
            r for r in _table_after(doc, "Bảng 3.").rows[1:] if r.cells[1].text == "Tốc độ tăng trưởng GRDP"
        )
        assert grdp.cells[4].text == "7,0\n(ƯTH 2025)"
        assert "Thiếu kinh phí thuê tư vấn" in _all_text(doc)
    # the conclusions' own tasks (assigned at the meeting) are not in the pack prepared for it
    assert not any(
        "Các thành viên rà soát số liệu" in c.text
        for t in _doc(later).tables
        for r in t.rows
        for c in r.cells
    )
    assert _table_texts(before) == _table_texts(later)

    # the same store, as of now: the new figures
    now = pack_data(engine, m.id, as_of=dt.date(2027, 1, 5))
    stc = next(r for r in now.progress if r["agency_code"] == "LS-STC")
    assert stc["done"] == 1 and stc["assigned"] == 2  # T-LATE done; its conclusion task now counted
    assert "T-LATE" not in [r["code"] for r in now.overdue]
    grdp_now = next(r for r in now.indicators if r["code"] == "grdp_growth")
    assert grdp_now["latest"] == 9.1
    assert not any(i["id"] == issue.id for i in now.issues)


def test_a_held_meetings_pack_counts_the_last_instant_of_the_day_before(world):
    """The pack of a held meeting stands at the end of the day before (``qh_data.rules.end_of_day``):
    an update stamped 23:59:59.5 that evening counts, one stamped at midnight does not."""
    engine, a, m, ids, _issue = world

    def version(task_id):
        with read_session(engine) as s:
            return s.get(Task, task_id).version

    clock.freeze(dt.datetime(2026, 4, 9, 23, 59, 59, 500000))
    tsvc.update_progress(
        engine, a["stc"], ids["late"], tsvc.ProgressChange("done", 100), version(ids["late"])
    )
    clock.freeze(dt.datetime(2026, 4, 10, 0, 0))
    tsvc.update_progress(
        engine, a["dpi"], ids["far"], tsvc.ProgressChange("in_progress", 30), version(ids["far"])
    )
    clock.freeze(dt.datetime(2026, 4, 10, 11, 0))
    m = msvc.mark_held(engine, a["dpi"], m.id, m.version)
    data = pack_data(engine, m.id)
    assert data.is_past and data.cutoff == end_of_day(dt.date(2026, 4, 9))
    by_agency = {r["agency_code"]: r for r in data.progress}
    assert by_agency["LS-STC"]["done"] == 1 and by_agency["LS-STC"]["overdue"] == 0
    assert by_agency["LS-SKHDT"]["not_started"] == 1 and by_agency["LS-SKHDT"]["in_progress"] == 0
    assert "T-LATE" not in [r["code"] for r in data.overdue]


def _table_texts(raw: bytes) -> list[list[list[str]]]:
    doc = _doc(raw)
    return [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]


def test_empty_meeting_pack_and_notice_still_read_as_documents(engine):
    clock.freeze(dt.datetime(2026, 4, 1, 8, 0))
    try:
        a = seed_small(engine)
        m = msvc.create_meeting(
            engine, a["dpi"], province=PROVINCE, held_on=dt.date(2026, 4, 20), title="Cuộc họp Ban Chỉ đạo"
        )
        pack = _doc(build_meeting_pack(engine, m.id))
        text = _check_form(pack, body="BAN CHỈ ĐẠO", symbol="/BC-BCĐ", doc_type="BÁO CÁO")
        assert "Chưa có nhiệm vụ nào được giao." in text and "Không có nhiệm vụ quá hạn." in text
        assert "Chưa có số liệu chỉ tiêu." in text
        notice = _doc(build_conclusions_notice(engine, m.id))
        text = _check_form(notice, body="ỦY BAN NHÂN DÂN", symbol="/TB-UBND", doc_type="THÔNG BÁO")
        assert "Chưa ghi kết luận nào" in text
    finally:
        clock.freeze(None)


def test_todays_pack_agrees_with_the_progress_pages_query(world):
    """For an upcoming meeting the pack's table is the department progress page's table."""
    from qh_data import queries

    engine, a, m, ids, _issue = world
    clock.freeze(dt.datetime(2026, 4, 8, 15, 0))
    tsvc.update_progress(engine, a["dpi"], ids["far"], tsvc.ProgressChange("in_progress", 30), 1)
    shown = _shown_by_agency(
        _table_after(_doc(build_meeting_pack(engine, m.id, with_images=False)), "Bảng 1.")
    )
    page = queries.task_counts_by_agency(engine, PROVINCE, as_of=dt.date(2026, 4, 8)).to_frame()
    expected = {
        r["agency_name"].replace(" tỉnh Lạng Sơn", ""): {
            k: r[k] for k in ("assigned", "done", "in_progress", "not_started", "overdue")
        }
        for r in page.to_dict("records")
    }
    assert shown == expected


def test_the_pack_counts_trend_rated_and_unassessed_indicators_apart(world):
    """An indicator with no target but two observations is rated by its trend, not counted as lacking
    data; one with a single observation is."""
    engine, _a, m, _ids, _issue = world
    with session_scope(engine) as s:
        for code, sort in (("forest_cover", 3), ("urban_rate", 4)):
            s.add(Indicator(code=code, name_vi=f"Chỉ tiêu {code}", name_en=code, unit="%", group="environment",
                            owner_role="STC", direction="higher", aggregation="not_additive", is_rate=False,
                            decimals=1, sort_order=sort))
    for per, v in (("2020", 55.0), ("2024", 62.0)):  # +3.0 %/year: above 1.5 %
        add_value(engine, "forest_cover", PROVINCE, per, "actual", v, dt.datetime(2026, 3, 1, 10))
    add_value(engine, "urban_rate", PROVINCE, "2024", "actual", 22.0, dt.datetime(2026, 3, 1, 10))
    clock.freeze(dt.datetime(2026, 4, 8, 15, 0))
    statuses = {r["code"]: r["status"] for r in pack_data(engine, m.id).indicators}
    assert statuses["forest_cover"] == "trend_on_track" and statuses["urban_rate"] == "insufficient_data"
    text = _all_text(_doc(build_meeting_pack(engine, m.id, with_images=False)))
    assert "1 chỉ tiêu chưa có mục tiêu được đánh giá theo xu hướng" in text
    assert "1 chỉ tiêu chưa đủ số liệu để đánh giá." in text
    table3 = _table_after(_doc(build_meeting_pack(engine, m.id, with_images=False)), "Bảng 3.")
    assert "Chỉ tiêu forest_cover" not in [r.cells[1].text for r in table3.rows[1:]]
