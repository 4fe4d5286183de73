"""A real sign-in through the browser leaves no password and no session token in the server's log."""

from __future__ import annotations

from qh_data import auth
from qh_data.services import users as user_service

PASSWORD = "Dang-Nhap-That-5"
WRONG = "Go-Nham-Mat-Khau-6"


def _make_user(engine):
    from sqlalchemy import select

    from qh_data.db import read_session
    from qh_data.models import User

    with read_session(engine) as s:
        admin = auth.actor_of(s.scalar(select(User).where(User.username == "admin")))
    user_service.create_user(engine, admin, username="trinh.duyet", display_name="Người thử trình duyệt",
                             role="dpi_editor", agency_code="LS-SKHDT", password=PASSWORD)


def test_signing_in_leaves_no_password_or_token_in_the_server_log(launch_app, page_at):
    server = launch_app("signin", prepare=_make_user, env={"QH_AUTH": "password"})
    qp = page_at("projector_1080", server.url, own_context=True)  # its cookies stay its own
    qp.open("")
    page = qp.page
    for password in (WRONG, PASSWORD):
        page.get_by_label("Tên đăng nhập").fill("trinh.duyet")
        page.get_by_label("Mật khẩu", exact=True).fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        qp.wait_idle()
    text = qp.body_text()
    assert "Người thử trình duyệt" in text  # signed in: the sidebar names the user
    assert qp.dialogs == [] and qp.exceptions() == []
    qp.open("tasks")  # some use after signing in
    log = server.log_text()
    assert "sign-in" in log  # the events are logged ...
    assert PASSWORD not in log and WRONG not in log  # ... the passwords are not
    tokens = [c["value"] for c in qp.context.cookies() if len(c["value"]) >= 8]
    assert all(token not in log for token in tokens)
    session_ids = page.evaluate("Object.values(sessionStorage)") or []
    assert all(value not in log for value in session_ids if isinstance(value, str) and len(value) >= 16)
