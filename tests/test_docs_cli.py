"""`qh docs pack|notice --meeting ID --out FILE.docx`: the same builders as the meetings page."""

from __future__ import annotations

import io

from docx import Document

from qh_data import cli, queries
from qh_data.db import make_engine
from qh_data.reports import build_conclusions_notice


def test_qh_docs_writes_the_pack_and_the_notice(sqlite_demo_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    engine = make_engine(sqlite_demo_url)
    meeting = next(m for m in queries.list_meetings(engine, province="20") if m["held_on"].year == 2020)
    notice, pack = tmp_path / "thong_bao.docx", tmp_path / "bao_cao.docx"
    assert cli.main(["docs", "notice", "--meeting", str(meeting["id"]), "--out", str(notice)]) == 0
    assert cli.main(["docs", "pack", "--meeting", str(meeting["id"]), "--out", str(pack)]) == 0
    assert "dự thảo thông báo kết luận" in capsys.readouterr().out
    texts = [p.text for p in Document(str(notice)).paragraphs]
    built = [p.text for p in Document(io.BytesIO(build_conclusions_notice(engine, meeting["id"]))).paragraphs]
    assert texts == built and "THÔNG BÁO" in texts
    assert "BÁO CÁO" in [p.text for p in Document(str(pack)).paragraphs]
    # an unknown meeting: one sentence in both languages, exit code 2, no file
    missing = tmp_path / "khong_co.docx"
    assert cli.main(["docs", "notice", "--meeting", "987654", "--out", str(missing)]) == 2
    assert "987654" in capsys.readouterr().err and not missing.exists()
    engine.dispose()
