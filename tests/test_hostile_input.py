"""Hostile input: script and HTML payloads, spreadsheet formulas, SQL in the URL, invisible characters.

- Payloads (tests/hostile_data.PAYLOADS) written through the services and straight into the name
  columns an import fills come back from the queries as the very same text, and appear as that text
  in the .docx meeting pack and conclusions notice (no hyperlink, no field code made of them).
- Pages: tests/test_hostile_screen.py (AppTest, every page and view) and
  tests/browser/test_hostile_browser.py (the rendered DOM in chromium) show the payloads literally.
- Exports neutralise cells starting with =, +, -, @, tab or CR (CSV, Excel, whole-store export).
- URL parameters with SQL fragments, enormous values or unknown names change nothing and break
  nothing (pure ``state.parse_params`` and AppTest runs of each page; the store is byte-for-byte the same).
- Zero-width characters are dropped, combining sequences composed (NFC), direction overrides refused
  with one clear sentence naming the field (``qh_data.text.clean_text`` and the services that use it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile

import openpyxl
import pandas as pd
import pytest
from apptest_helpers import open_page, texts
from hostile_data import FORMULAS, PAYLOADS, PROVINCE, SQL_FRAGMENTS, plant
from reliability_helpers import actor, checksum, open_task
from sqlalchemy import func, select, update

from qh_data import clock, export, queries, reports
from qh_data.db import make_engine, read_session, session_scope
from qh_data.errors import ValidationFailed
from qh_data.models import AuditEntry, Issue, Meeting, Task, TaskUpdate
from qh_data.queries import meetings as meeting_reads
from qh_data.services import issues as issue_service
from qh_data.services import meetings as meeting_service
from qh_data.services import tasks as task_service
from qh_data.text import clean_text

# --- payloads through the services come back as the same text ---------------------------------------


@pytest.fixture
def planted_store(backend, read_store):
    """The demo with every payload planted, made once per session and backend and shared read-only:
    (engine, what was planted)."""
    return read_store(backend, "demo with hostile payloads", plant)


@pytest.fixture
def hostile_engine(planted_store):
    return planted_store[0]


@pytest.fixture
def planted(planted_store):
    return planted_store[1]


def test_payloads_are_stored_and_read_back_as_the_same_text(hostile_engine, planted):
    tasks = queries.list_tasks(hostile_engine, PROVINCE, as_of=clock.today() + dt.timedelta(days=30)).to_frame()
    titles = set(tasks["title"])
    assert set(planted.task_titles) <= titles
    assert set(planted.conclusions) <= titles  # a conclusion's first line becomes its tasks' title
    notes = set()
    for task_id in planted.task_ids:
        notes |= set(queries.task_history(hostile_engine, task_id).to_frame()["note"].dropna())
    assert set(planted.task_notes) <= notes
    issues = queries.open_issues(hostile_engine, PROVINCE, statuses=["open", "in_progress", "awaiting_decision"]).to_frame()
    assert set(planted.issue_titles) <= set(issues["title"])
    assert set(planted.issue_descriptions) <= set(issues["description"].dropna())
    assert set(planted.proposals) <= set(issues["proposed_solution"].dropna())
    assert set(planted.decisions) <= set(issues["decision"].dropna())
    meeting = meeting_reads.get_meeting(hostile_engine, planted.upcoming_meeting_id)
    assert (meeting.title, meeting.venue) == (planted.meeting_title, planted.meeting_venue)
    assert [i.title for i in meeting.agenda_items] == planted.agenda_titles
    agencies = {a["code"]: a["name"] for a in queries.agencies(hostile_engine, PROVINCE)}
    assert agencies[planted.agency_code] == planted.agency_name
    districts = {d["code"]: d["name"] for d in queries.districts(hostile_engine, PROVINCE)}
    assert districts[planted.district_code] == planted.district_name


def _docx_text(data: bytes) -> tuple[str, str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist()
                        if n.endswith((".xml", ".rels")))
    return "\n".join(parts), xml


def _assert_inert_docx(xml: str) -> None:
    assert "<w:hyperlink" not in xml
    assert "javascript:" not in re.sub(r"<w:t(?: [^>]*)?>[^<]*</w:t>", "", xml)  # only inside plain text runs
    assert not re.search(r"<w:instrText[^>]*>[^<]*(HYPERLINK|javascript)", xml)
    assert not re.search(r"<w:fldSimple[^>]*(HYPERLINK|javascript)", xml)
    assert "<script" not in xml and "<img" not in xml and "<svg" not in xml  # only as &lt;...&gt; text


def test_the_meeting_pack_shows_payloads_as_text(hostile_engine, planted):
    text, xml = _docx_text(reports.build_meeting_pack(hostile_engine, planted.upcoming_meeting_id))
    shown = [s for s in planted.agenda_titles if s in text]
    assert shown == planted.agenda_titles
    awaiting = [t for t in planted.issue_titles if t in text]
    assert len(awaiting) >= len(PAYLOADS) // 2  # the issues awaiting a decision are in the pack
    for payload in PAYLOADS:
        assert payload in text
    _assert_inert_docx(xml)


def test_the_conclusions_notice_shows_payloads_as_text(hostile_engine, planted):
    text, xml = _docx_text(reports.build_conclusions_notice(hostile_engine, planted.held_meeting_id))
    for conclusion in planted.conclusions:
        assert conclusion in text
    assert planted.agency_name in text  # the lead agency, a name that came by import
    _assert_inert_docx(xml)


def test_every_marker_in_the_documents_is_followed_by_its_whole_payload(hostile_engine, planted):
    expected = {re.match(r".*?(XSS-\d+) ", s).group(1): s.split(re.match(r".*?(XSS-\d+) ", s).group(1) + " ", 1)[1]
                for s in planted.texts}
    for data in (reports.build_meeting_pack(hostile_engine, planted.upcoming_meeting_id),
                 reports.build_conclusions_notice(hostile_engine, planted.held_meeting_id),
                 reports.build_meeting_pack(hostile_engine, planted.held_meeting_id)):
        text, _xml = _docx_text(data)
        for m in re.finditer(r"(XSS-\d+) ", text):
            payload = expected[m.group(1)]
            following = text[m.end(): m.end() + len(payload)]
            # a long title may be cut with an ellipsis in a table, never altered
            assert following == payload or (following.startswith(payload[:10]) and "…" in text[m.end():m.end() + 400]), \
                (m.group(1), following, payload)


# --- exports neutralise formulas -----------------------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_starts_are_neutralised(value):
    out = export.neutralise_formula(value)
    assert out == "'" + value
    assert export.neutralise_formula("Bình thường =1") == "Bình thường =1"
    assert export.neutralise_formula(-5) == -5 and export.neutralise_formula(None) is None


def _csv_rows(data: bytes) -> list[list[str]]:
    """Rows as a spreadsheet reads them (RFC 4180: a bare CR or LF outside quotes ends the row)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_and_xlsx_exports_write_formulas_as_text():
    one_line = [f for f in FORMULAS if "\r" not in f and "\n" not in f]
    df = pd.DataFrame({"title": one_line + ["an toàn"], "n": range(len(one_line) + 1)})
    rows = _csv_rows(export.dataframe_to_csv_bytes(df))
    assert [r[0] for r in rows[1:]] == ["'" + v for v in one_line] + ["an toàn"]
    df = pd.DataFrame({"title": list(FORMULAS) + ["an toàn"], "n": range(len(FORMULAS) + 1)})
    wb = openpyxl.load_workbook(io.BytesIO(export.dataframe_to_xlsx_bytes(df, "Sheet")))
    cells = [c for (c,) in wb.active.iter_rows(min_row=2, max_col=1)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells[:-1]] == ["'" + v for v in FORMULAS]
    # a header that looks like a formula is neutralised too
    wb = openpyxl.load_workbook(io.BytesIO(export.dataframe_to_xlsx_bytes(pd.DataFrame({"=1+1": [1]}), "S")))
    assert wb.active["A1"].value == "'=1+1" and wb.active["A1"].data_type == "s"


def test_a_line_break_inside_a_cell_never_starts_a_new_row_in_the_csv():
    cells = ["\r=1+1", "Báo cáo\r=2+2", "Báo cáo\n=3+3", "Báo cáo\r\n=4+4", "\n@SUM(A1)"]
    rows = _csv_rows(export.dataframe_to_csv_bytes(pd.DataFrame({"title": cells, "n": range(len(cells))})))
    assert len(rows) == 1 + len(cells)
    assert [r[0] for r in rows[1:]] == [export.neutralise_formula(c) for c in cells]


def test_the_whole_store_export_neutralises_formulas_in_every_table(sqlite_demo_url, tmp_path):
    demo_engine = make_engine(sqlite_demo_url)  # one backend: the export reads both the same way
    with session_scope(demo_engine) as s:
        ids = s.scalars(select(Task.id).order_by(Task.id).limit(len(FORMULAS))).all()
        for task_id, formula in zip(ids, FORMULAS, strict=True):
            s.execute(update(Task).where(Task.id == task_id).values(title=formula, description=formula))
    path = export.export_xlsx(demo_engine, tmp_path / "all.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value.startswith(export.FORMULA_STARTS)), (sheet.title, value)
    written = export.export_csv(demo_engine, tmp_path / "csv")
    rows = _csv_rows(next(p for p in written if p.name == "task.csv").read_bytes())
    title = rows[0].index("title")
    titles = [r[title] for r in rows[1:] if len(r) > title]
    for formula in FORMULAS:
        if "\r" not in formula:
            assert "'" + formula in titles, formula


# --- URL parameters: SQL fragments, enormous values, unknown names ----------------------------------------


def _valid():
    from dashboard.state import Valid

    return Valid(provinces=("20", "19"), districts={"20": ("178", "180", "186"), "19": ("164",)},
                 agencies={"20": ("LS-SXD", "LS-SKHDT"), "19": ("TN-SXD",)}, default_province="20")


HOSTILE_GLOBALS = [
    {"p": frag} for frag in SQL_FRAGMENTS
] + [
    {"d": "178,180; DROP TABLE task; --"}, {"a": "LS-SXD' OR '1'='1"}, {"asof": "2026-01-01'; DELETE FROM issue; --"},
    {"asof": "9999-99-99"}, {"asof": "1900-01-01"}, {"lang": "vi' OR 1=1 --"}, {"present": "1; DROP TABLE task"},
    {"p": "2" * 100_000}, {"d": ",".join(["178"] * 30_000)}, {"a": "A" * 5_000}, {"asof": "2" * 1_000},
    {"<script>alert(1)</script>": "1"}, {"__proto__": "x", "constructor": "y"}, {"x" * 10_000: "1"},
    {"p": ["20", "20' OR 1=1"]}, {"p": ""}, {"d": ",,,"}, {"p": "２０"}, {"p": "20\x00"},
]


@pytest.mark.parametrize("params", HOSTILE_GLOBALS, ids=lambda p: re.sub(r"\W+", "_", repr(p)[:40]))
def test_parse_params_ignores_what_it_does_not_know(params):
    from dashboard.state import Filters, parse_params

    filters, ignored = parse_params(params, _valid())
    default, _ = parse_params({}, _valid())
    assert default == Filters("20")
    # nothing hostile gets through: each filter is a known value or the default
    assert filters.province in ("20", "19")
    assert set(filters.districts) <= {"178", "180", "186", "164"}
    assert filters.agency in (None, "LS-SXD", "LS-SKHDT", "TN-SXD")
    assert filters.as_of is None or dt.date(2000, 1, 1) <= filters.as_of <= dt.date(2100, 12, 31)
    assert filters.lang in ("vi", "en")
    assert all(len(name) <= 40 for name in ignored)
    assert ignored or filters == default, (params, filters)  # either reported as ignored, or harmless


def test_parse_params_keeps_the_good_parts_of_a_mixed_link():
    from dashboard.state import parse_params

    filters, ignored = parse_params({"p": "20", "d": "178,186' OR 1=1", "a": "LS-SXD", "evil": "1"}, _valid())
    assert (filters.province, filters.districts, filters.agency) == ("20", ["178"], "LS-SXD")
    assert ignored == ["d", "evil"]


# (parameters, whether the page must look exactly as it does without them)
PAGE_PARAMS = {
    "overview.py": [({"p": SQL_FRAGMENTS[0], "d": SQL_FRAGMENTS[1], "a": SQL_FRAGMENTS[2], "zz": "1"}, True),
                    ({"p": "2" * 100_000, "asof": "x" * 50_000}, True)],
    "progress.py": [({"a": SQL_FRAGMENTS[2], "d": "9" * 10_000}, True)],
    "tasks.py": [({"q": SQL_FRAGMENTS[3], "tm": "overdue' OR 1=1"}, False),
                 ({"q": "x" * 100_000, "tm": "," * 5_000}, True)],
    "issues.py": [({"iss": "1 OR 1=1", "st": "open' OR '1'='1", "sev": SQL_FRAGMENTS[1], "age": "gt90; --",
                    "q": SQL_FRAGMENTS[5]}, False),
                  ({"iss": "9" * 400, "q": "é" * 100_000}, True)],
    "meetings.py": [({"meeting": "1; DROP TABLE meeting", "view": "<script>alert(1)</script>", "step": "-99"}, True),
                    ({"meeting": "9" * 399, "view": "past' --"}, True)],
    "slideshow.py": [({"slide": "99999999999999999999999"}, False),
                     ({"slide": "1; DROP TABLE task", "auto": "-1"}, True)],
}


@pytest.fixture
def app_store(sqlite_demo_url, monkeypatch):
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "none")
    engine = make_engine(sqlite_demo_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("page", list(PAGE_PARAMS))
def test_hostile_url_parameters_change_nothing_and_break_nothing(app_store, page):
    before = checksum(app_store)
    plain = open_page(page)
    assert not plain.exception and not plain.error
    for params, same in PAGE_PARAMS[page]:
        at = open_page(page, params)
        assert not at.exception, (params, [e.value for e in at.exception])
        assert not at.error, (params, [e.value for e in at.error])
        shown = "\n".join(texts(at))
        for value in params.values():  # no hostile value is echoed back into the page's text
            if len(value) > 3:
                assert value not in shown, (params, value)
        if same:
            assert texts(at) == texts(plain), params  # ignored: the same view as without them
    assert checksum(app_store) == before  # and nothing was written


def test_a_search_made_of_sql_is_a_search(app_store):
    at = open_page("tasks.py", {"q": SQL_FRAGMENTS[3]})
    assert not at.exception
    assert "Tìm thấy **0** nhiệm vụ." in [str(m.value) for m in at.markdown]
    at = open_page("issues.py", {"q": SQL_FRAGMENTS[5]})
    assert not at.exception
    assert any(str(m.value).startswith("Đang hiển thị **0** trong tổng số") for m in at.markdown)


# --- invisible and direction-changing characters -------------------------------------------------------

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
BIDI = ("\u202e", "\u202d", "\u202a", "\u202b", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
        "\u200f", "\u061c")


def test_clean_text_normalises_and_drops_invisible_characters():
    decomposed = unicodedata.normalize("NFD", "Sở Xây dựng tỉnh Lạng Sơn")
    assert decomposed != "Sở Xây dựng tỉnh Lạng Sơn"
    assert clean_text(decomposed, field="tên") == "Sở Xây dựng tỉnh Lạng Sơn"
    assert clean_text("Sở" + ZERO_WIDTH + " Xây\u200b dựng", field="tên") == "Sở Xây dựng"
    assert clean_text("  Huyện\x00 Bình\x07 Gia\x1f  ", field="tên") == "Huyện Bình Gia"
    assert clean_text("\ufeffVăn bản", field="tên") == "Văn bản"
    assert clean_text("Dòng 1\nDòng 2\tcột", field="tên") == "Dòng 1\nDòng 2\tcột"  # layout kept
    assert clean_text("\u200b\u200b", field="tên") is None


@pytest.mark.parametrize("control", BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_direction_overrides_are_refused_with_a_sentence_naming_the_field(control):
    with pytest.raises(ValidationFailed) as err:
        clean_text(f"Nhiệm vụ {control}cod.exe", field="tên nhiệm vụ / title")
    assert "tên nhiệm vụ / title" in err.value.message_vi and "phải-sang-trái" in err.value.message_vi
    assert "text-direction" in err.value.message("en")


def test_services_normalise_names_and_refuse_overrides_writing_nothing(demo_engine):
    editor, dpi = actor(demo_engine, "editor.sxd"), actor(demo_engine, "dpi")
    title = unicodedata.normalize("NFD", "Vướng mắc\u200b về giải phóng\u200d mặt bằng")
    issue = issue_service.raise_issue(demo_engine, editor, province=PROVINCE, title=title, raised_by="LS-SXD")
    with read_session(demo_engine) as s:
        stored = s.get(Issue, issue.id).title
    assert stored == "Vướng mắc về giải phóng mặt bằng" and unicodedata.is_normalized("NFC", stored)

    def counts():
        with read_session(demo_engine) as s:
            return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Issue, TaskUpdate, AuditEntry,
                                                                                  Meeting, Task))

    before = counts()
    task = open_task(demo_engine, "LS-SXD")
    refused = [
        lambda: issue_service.raise_issue(demo_engine, editor, province=PROVINCE, title="Giả \u202etxt.exe",
                                          raised_by="LS-SXD"),
        lambda: issue_service.raise_issue(demo_engine, editor, province=PROVINCE, title="Bình thường",
                                          description="mô tả \u2067ẩn\u2069", raised_by="LS-SXD"),
        lambda: task_service.update_progress(demo_engine, editor, task.id,
                                             task_service.ProgressChange("in_progress", 50, "ghi chú \u202e"),
                                             task.version),
        lambda: meeting_service.create_meeting(demo_engine, dpi, province=PROVINCE, title="Họp \u202bđảo",
                                               held_on=clock.today() + dt.timedelta(days=3)),
        lambda: issue_service.record_proposed_solution(demo_engine, editor, issue.id, "đề xuất \u200f", 1),
    ]
    for call in refused:
        with pytest.raises(ValidationFailed) as err:
            call()
        assert "chiều viết" in err.value.message_vi
    assert counts() == before


def test_search_finds_a_name_whatever_its_normal_form(demo_engine):
    editor = actor(demo_engine, "editor.sxd")
    issue_service.raise_issue(demo_engine, editor, province=PROVINCE, title="Thiếu nguồn vốn đối ứng",
                              raised_by="LS-SXD")
    for query in ("nguồn vốn đối ứng", unicodedata.normalize("NFD", "nguồn vốn đối ứng"), "nguon von doi ung"):
        found = queries.open_issues(demo_engine, PROVINCE, text=query).to_frame()
        assert "Thiếu nguồn vốn đối ứng" in set(found["title"]), query
