"""The administrator sets the notice's signer on the users page; the notice then prints the name."""

from __future__ import annotations

import io

from apptest_helpers import assert_clean
from docx import Document
from test_pages_auth import app, button, open_page, sign_in, store, vi  # noqa: F401 -- store is a fixture

from qh_data import config, queries
from qh_data.reports import build_conclusions_notice


def test_an_administrator_sets_the_notice_signer_on_the_users_page(store):  # noqa: F811
    at = open_page(sign_in(app(), "qa.admin"), "users.py")
    name_inputs = [w for w in at.text_input if w.label == vi("users.signer_name")]
    assert len(name_inputs) == 2  # the notice's and the pack's
    name_inputs[0].input("Dương Văn Chiều")
    button(at, vi("users.signer_save")).click()
    at = at.run()
    assert_clean(at)
    assert [s.value for s in at.success] == [vi("users.signer_saved")]
    engine = store["engine"]
    meeting = queries.list_meetings(engine, province=config.default_province())[0]
    doc = Document(io.BytesIO(build_conclusions_notice(engine, meeting["id"])))
    assert [p.text for p in doc.tables[-1].cell(0, 1).paragraphs if p.text][-1] == "Dương Văn Chiều"
