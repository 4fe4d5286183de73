"""The data intake page through the real app (AppTest on dashboard/app.py, st.navigation, a seeded SQLite
copy, QH_AUTH=password): a DPI user signs in, opens the page, uploads a filled-in district template, reads
the report and the dry run, confirms, and finds the figure's revision history; a bad file is refused
with the cell named; task progress goes through the same uploader; the English switch."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from qh_data import intake, periods
from qh_data.db import make_engine, read_session
from qh_data.intake.common import TASK_COLUMNS, TASKS_SHEET
from qh_data.models import IndicatorValue, Task
from qh_data.permissions import SYSTEM
from qh_data.services import users as user_service
from tests.apptest_helpers import APP, RAW_KEY
from tests.intake_helpers import XLSX, checksum, edit

PASSWORD = "So-KHDT-Thu-2"
SLOTS = [("2024", "actual"), ("2025-H1", "estimate"), ("2025", "estimate")]  # district periods (to 30/6/2025)


@pytest.fixture
def store(sqlite_demo_url, monkeypatch):
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "password")
    engine = make_engine(sqlite_demo_url)
    user_service.create_user(engine, SYSTEM, username="qa.dpi", display_name="Thử Sở KH&ĐT", role="dpi_editor",
                             agency_code="LS-SKHDT", password=PASSWORD, email="qa.dpi@example.gov.vn")
    yield engine
    engine.dispose()


def tr(key: str, lang: str = "vi", **kw) -> str:
    return i18n.translate(key, lang, **kw)


def signed_in(lang: str = "vi") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if lang != "vi":
        at.query_params["lang"] = lang
    at.run()
    at.text_input(key="signin_username").input("qa.dpi")
    at.text_input(key="signin_password").input(PASSWORD)
    next(b for b in at.button if b.label == tr("auth.submit", lang)).click()
    at.run()
    at.switch_page("../pages/intake.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = "\n".join([str(e.value) for kind in ("title", "markdown", "caption", "info", "warning", "success",
                                                 "subheader") for e in getattr(at, kind)]
                      + [str(w.label) for kind in ("selectbox", "multiselect", "button", "radio", "toggle",
                                                   "file_uploader") for w in getattr(at, kind)])
    keys = set(i18n.catalogue("vi"))
    assert [m.group(0) for m in RAW_KEY.finditer(shown) if m.group(0) in keys] == []


def table(at: AppTest, column: str):
    """The dataframe that has this column (dataframes without a selection carry no key in AppTest)."""
    found = [d.value for d in at.dataframe if column in list(d.value.columns)]
    assert found, f"no table with column {column!r}"
    return found[0]


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="intake_upload").set_value((name, data, XLSX))
    return at.run()


def test_the_page_opens_through_the_app_without_exception(store):
    at = signed_in()
    clean(at)
    assert [t.value for t in at.title] == [tr("intake.title")]
    assert [t.label for t in at.tabs] == [tr("intake.tab_templates"), tr("intake.tab_upload"),
                                         tr("intake.tab_history")]
    assert at.file_uploader(key="intake_upload").label == tr("intake.upload")
    assert at.multiselect(key="intake_slots").value  # the default periods are chosen
    at.radio(key="intake_scope").set_value("unit").run()
    # the default periods are this year's (2026): the communes in force then are offered, not the districts
    offered = at.selectbox(key="intake_tpl_district").options  # the names shown
    assert "Phường Đông Kinh" in offered and "Huyện Tràng Định" not in offered
    at.selectbox(key="intake_tpl_district").select("05977").run()  # Phường Đông Kinh, Lạng Sơn
    clean(at)
    assert any(tr("intake.download_values") == getattr(b, "label", None) for b in at.get("download_button"))
    # a period the districts still held (to 30/6/2025): district 180 (Huyện Tràng Định) is offered again
    at.multiselect(key="intake_slots").set_value(["2025-H1|actual"]).run()
    offered = at.selectbox(key="intake_tpl_district").options
    assert "Huyện Tràng Định" in offered and "Phường Đông Kinh" not in offered
    at.selectbox(key="intake_tpl_district").select("180").run()
    clean(at)
    assert any(tr("intake.download_values") == getattr(b, "label", None) for b in at.get("download_button"))


def test_upload_dry_run_confirm_and_history(store):
    tpl = intake.values_template(store, district="178", slots=SLOTS)
    data = edit(tpl.data, lambda wb: setattr(wb["Số liệu"]["I4"], "value", "123,4"))
    at = upload(signed_in(), "tp-lang-son.xlsx", data)
    clean(at)
    assert tr("intake.all_good") in [s.value for s in at.success]
    preview = table(at, tr("intake.col_new"))
    assert preview.iloc[0][tr("intake.col_new")] == "123,4"
    assert preview.iloc[0][tr("intake.col_status")] == tr("intake.status_changed")
    confirm = at.button(key="intake_confirm")
    assert confirm.label == tr("intake.confirm", n="1")
    at = confirm.click().run()
    clean(at)
    assert any("tp" in s.value and tr("intake.see_pages") in s.value for s in at.success)
    with read_session(store) as s:
        row = s.scalars(select(IndicatorValue).where(IndicatorValue.file_name == "tp-lang-son.xlsx")).one()
        assert (row.indicator_code, row.admin_unit_code, row.period, row.kind, row.value) == (
            "grdp_per_capita", "178", "2024", "actual", 123.4)
    # the same file, checked again after the write: nothing left to write
    assert tr("intake.nothing_to_write") in [i.value for i in at.info]
    # the revision history of that figure
    at.selectbox(key="intake_hist_ind").select("grdp_per_capita")
    at.selectbox(key="intake_hist_unit").select("178").run()
    at.selectbox(key="intake_hist_key").select("2024|actual").run()
    clean(at)
    history = table(at, tr("intake.col_revision"))
    assert list(history[tr("intake.col_file")])[0] == "tp-lang-son.xlsx"
    assert list(history[tr("intake.col_submitted_by")])[0] == "Thử Sở KH&ĐT"
    assert list(history[tr("intake.col_figure")])[0] == "123,4"
    assert list(history[tr("intake.col_current")]) == [tr("intake.current_yes"), tr("intake.current_no")]


def test_the_revision_picker_is_fresh_right_after_an_import(store):
    """The (period, kind) choices of the history tab and their revision counts are read through the data
    version cache: an import made on the page shows on the next run, not up to a minute later."""
    at = signed_in()
    at.selectbox(key="intake_hist_ind").select("grdp_per_capita")
    at.selectbox(key="intake_hist_unit").select("178").run()
    label = tr("intake.key_label", period=periods.label("2024"), kind=tr("status.kind.actual"), n=1)
    assert label in at.selectbox(key="intake_hist_key").options  # read (and cached) before the import
    tpl = intake.values_template(store, district="178", slots=SLOTS)
    at = upload(at, "tp-lang-son.xlsx", edit(tpl.data, lambda wb: setattr(wb["Số liệu"]["I4"], "value", "123,4")))
    at = at.button(key="intake_confirm").click().run()
    clean(at)
    options = at.selectbox(key="intake_hist_key").options
    assert tr("intake.key_label", period=periods.label("2024"), kind=tr("status.kind.actual"), n=2) in options
    assert label not in options


def test_a_bad_file_is_refused_on_the_page_with_the_cell_named(store):
    tpl = intake.values_template(store, district="178", slots=SLOTS)
    data = edit(tpl.data, lambda wb: setattr(wb["Số liệu"]["I5"], "value", "12a"))
    before = checksum(store)
    at = upload(signed_in(), "sai.xlsx", data)
    assert not at.exception
    assert [e.value for e in at.error] == [tr("intake.refused", n="1")]
    report = table(at, tr("intake.col_message"))
    first = report.iloc[0]
    assert (first[tr("intake.col_sheet")], first[tr("intake.col_row")], first[tr("intake.col_column")],
            first[tr("intake.col_value")]) == ("Số liệu", 5, "I", "12a")
    assert "12a" in first[tr("intake.col_message")]
    assert not [b for b in at.button if b.key == "intake_confirm"]
    assert checksum(store) == before


def test_task_progress_goes_through_the_same_uploader(store):
    tpl = intake.tasks_template(store, "LS-SXD")
    wb = load_workbook(io.BytesIO(tpl.data))
    code = wb[TASKS_SHEET].cell(4, 1).value
    col = {c.key: i for i, c in enumerate(TASK_COLUMNS, start=1)}

    def change(w):
        w[TASKS_SHEET].cell(4, col["percent"]).value = 95
        w[TASKS_SHEET].cell(4, col["note"]).value = "Sắp xong"

    at = upload(signed_in(), "tien-do.xlsx", edit(tpl.data, change))
    clean(at)
    assert at.button(key="intake_confirm").label == tr("intake.confirm", n="1")
    at = at.button(key="intake_confirm").click().run()
    clean(at)
    assert any(tr("intake.written_tasks", n="1", name="x")[:20] in s.value for s in at.success)
    with read_session(store) as s:
        assert s.scalar(select(Task.percent_done).where(Task.code == code)) == 95


def test_the_page_in_english(store):
    at = signed_in("en")
    clean(at)
    assert [t.value for t in at.title] == [tr("intake.title", "en")]
    tpl = intake.values_template(store, district="178", slots=SLOTS)
    at = upload(at, "bad.xlsx", edit(tpl.data, lambda wb: setattr(wb["Số liệu"]["I5"], "value", "12a")))
    report = table(at, tr("intake.col_message", "en"))
    assert list(report.columns)[:2] == [tr("intake.col_severity", "en"), tr("intake.col_sheet", "en")]
    assert report.iloc[0][tr("intake.col_message", "en")].startswith("'12a' is not a number")


def test_a_senders_own_workbook_in_three_confirmations(store):
    """Issue 16: a Biểu 01 of Sở Tài chính, not the template: the proposed mapping is shown, the user reads
    the file that way (1), confirms the write (2) with the profile kept; next time the profile is named."""
    from qh_data.intake import profiles
    from tests.foreign_workbooks import Sheet, workbook

    data = workbook(Sheet(rows=[(1, "Thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "1.234,5", "600,25",
                                 "1.300,5", 1400, None)]))
    at = upload(signed_in(), "so-tai-chinh-bieu-01.xlsx", data)
    clean(at)
    assert any(tr("intake.f_heading_title") in m.value for m in at.markdown)
    assert any("Sở Tài chính tỉnh Lạng Sơn" in m.value for m in at.markdown)
    at.toggle(key="intake_f_read").set_value(True).run()
    clean(at)
    confirm = at.button(key="intake_confirm")
    assert confirm.label == tr("intake.confirm", n="4")
    at = confirm.click().run()
    clean(at)
    with read_session(store) as s:
        written = s.scalars(select(IndicatorValue).where(
            IndicatorValue.file_name == "so-tai-chinh-bieu-01.xlsx")).all()
        assert sorted((r.period, r.kind, r.value) for r in written) == [
            ("2024", "actual", 1234.5), ("2025", "estimate", 1300.5), ("2025-H1", "estimate", 600.25),
            ("2026", "target", 1400.0)]
        assert all(r.admin_unit_code == "20" and "SHA-256" in r.source for r in written)
    assert [p["name"] for p in profiles.list_profiles(store)] == ["SỞ TÀI CHÍNH"]


def test_a_column_the_heading_cannot_tell_is_asked_on_the_page(store):
    from tests.foreign_workbooks import Sheet, workbook

    data = workbook(Sheet(header=["STT", "Chỉ tiêu", "ĐVT", "Thực hiện 2024", "Năm 2025", "Ghi chú"],
                          rows=[(1, "Thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "1.234,5", "1.300,5")]))
    at = upload(signed_in(), "so-tai-chinh.xlsx", data)
    clean(at)
    picker = at.selectbox(key="intake_f_col_0_E")
    assert picker.value == "ignored"  # nothing is guessed: the column is left out until the user says
    picker.select("2025|estimate").run()
    at.toggle(key="intake_f_read").set_value(True).run()
    clean(at)
    assert at.button(key="intake_confirm").label == tr("intake.confirm", n="2")
    assert at.selectbox(key="intake_f_col_0_E").value == "2025|estimate"


@pytest.fixture
def communes_store(tmp_path, monkeypatch):
    """The store before the 2025 reform with a few hand-made communes (tests.foreign_workbooks.add_communes)."""
    from qh_data import schema
    from tests.foreign_workbooks import add_communes

    url = f"sqlite:///{tmp_path}/communes.sqlite3"
    engine = make_engine(url)
    schema.upgrade(engine)
    add_communes(engine)
    monkeypatch.setenv("QH_DATABASE_URL", url)
    monkeypatch.setenv("QH_AUTH", "password")
    user_service.create_user(engine, SYSTEM, username="qa.dpi", display_name="Thử Sở KH&ĐT", role="dpi_editor",
                             agency_code="LS-SKHDT", password=PASSWORD, email="qa.dpi@example.gov.vn")
    yield engine
    engine.dispose()


def test_a_communes_biểu_01_from_upload_to_committed_figures(communes_store):
    """Issue 16's 'done when': a commune of Lạng Sơn's Biểu 01, upload -> read this way (1) -> write (2)."""
    from tests.foreign_workbooks import COMMUNE_BIEU_01, workbook

    store = communes_store
    at = upload(signed_in(), "xa-quoc-khanh-bieu-01.xlsx", workbook(COMMUNE_BIEU_01))
    clean(at)
    assert any("Xã Quốc Khánh" in m.value for m in at.markdown)
    at.toggle(key="intake_f_read").set_value(True).run()
    at = at.button(key="intake_confirm").click().run()
    clean(at)
    with read_session(store) as s:
        written = s.scalars(select(IndicatorValue.file_name).where(IndicatorValue.admin_unit_code == "06004")).all()
    assert written == ["xa-quoc-khanh-bieu-01.xlsx"] * 6
    assert tr("intake.nothing_to_write") in [i.value for i in at.info]  # checked again: all written
