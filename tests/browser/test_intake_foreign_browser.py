"""A sender's own workbook on the intake page in a real browser, at a tablet's size (issue 16): the file
goes in through the uploader, the proposed reading is drawn (sender, columns, the rows' grid) without
horizontal scrolling, "read this way" shows the dry run, the confirmation writes the figures."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qh_data.db import read_session
from qh_data.models import IndicatorValue
from tests.foreign_workbooks import Sheet, workbook

pytestmark = pytest.mark.browser

ROWS = [(1, "Thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "2.345,5", "1.100,25", "2.400,5", 2600, None),
        (2, "Tỷ lệ hộ nghèo đa chiều", "%", "11,5", "10,9", "10,4", "9,6", None),
        (3, "Số trường mầm non", "trường", "12", "12", "13", "14", None)]


PASSWORD = "Nhap-So-Lieu-7"


def _make_user(engine):
    from qh_data import auth
    from qh_data.models import User
    from qh_data.services import users as user_service

    with read_session(engine) as s:
        admin = auth.actor_of(s.scalar(select(User).where(User.username == "admin")))
    user_service.create_user(engine, admin, username="nhap.so.lieu", display_name="Người thử nhập số liệu",
                             role="dpi_editor", agency_code="LS-STC", password=PASSWORD)


def test_a_senders_workbook_on_a_tablet(page_at, launch_app, tmp_path):
    server = launch_app("foreign", prepare=_make_user, env={"QH_AUTH": "password"})
    path = tmp_path / "so-tai-chinh-bieu-01.xlsx"
    path.write_bytes(workbook(Sheet(rows=ROWS)))
    qp = page_at("tablet_landscape", server.url)
    qp.open("")
    qp.page.get_by_label("Tên đăng nhập").fill("nhap.so.lieu")
    qp.page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    qp.page.get_by_role("button", name="Đăng nhập").click()
    qp.wait_idle()
    qp.page.locator('a[href$="/intake"]').first.click()  # a reload would end the signed-in session
    qp.wait_idle()
    qp.page.get_by_role("tab", name="2. Gửi tệp và xác nhận").click()
    qp.wait_idle()
    qp.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    qp.wait_idle(1500)
    text = qp.body_text()
    assert "Tệp của đơn vị (không theo biểu mẫu)" in text and "Sở Tài chính tỉnh Lạng Sơn" in text
    assert qp.exceptions() == [] and qp.scroll_overflow() <= 0
    qp.screenshot("intake-foreign-proposal-tablet_landscape")
    qp.page.get_by_text("Đọc tệp theo cách này và kiểm tra").click()
    qp.wait_idle(1500)
    assert "Tệp chưa được nhận vì có 1 lỗi" in qp.body_text()  # the unknown row must be settled first
    assert "Báo cáo kiểm tra" in qp.body_text() and qp.scroll_overflow() <= 0
    qp.screenshot("intake-foreign-unsettled-tablet_landscape")
    assert qp.exceptions() == [] and qp.page_errors == []
    with read_session(server.engine()) as s:
        assert s.scalars(select(IndicatorValue.id).where(
            IndicatorValue.file_name == path.name)).all() == []  # nothing written before a confirmation
