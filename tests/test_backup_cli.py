"""The `qh` command and the portable dump: round trips between SQLite and PostgreSQL, clean failures."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from qh_data import backup, cli, export
from qh_data.db import read_session
from qh_data.errors import QHError
from qh_data.models import Base

ROOT = Path(__file__).resolve().parents[1]
QH = str(Path(sys.executable).parent / "qh")


def content(engine) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key."""
    out = {}
    with read_session(engine) as s:
        for table in Base.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in s.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def checksum(engine) -> str:
    return hashlib.sha256(repr(content(engine)).encode()).hexdigest()


@pytest.fixture
def other_backend_engine(backend, new_engine):
    """An empty migrated database on the OTHER backend."""
    return new_engine("postgresql" if backend == "sqlite" else "sqlite")


def test_round_trip_across_backends_gives_identical_content(read_engine, other_backend_engine, engine, tmp_path):
    first = tmp_path / "a.qhb"
    counts = backup.backup(read_engine, first)
    assert counts["indicator_value"] > 10000 and counts["audit_entry"] >= 1
    backup.restore(other_backend_engine, first)
    assert content(other_backend_engine) == content(read_engine)
    second = tmp_path / "b.qhb"
    backup.backup(other_backend_engine, second)
    backup.restore(engine, second)  # and back to the first backend, in a fresh database
    assert content(engine) == content(read_engine)


def test_restored_postgresql_accepts_new_rows(read_engine, other_backend_engine, engine, tmp_path):
    """Sequences are moved past the restored ids, so later inserts do not collide."""
    from qh_data import audit
    from qh_data.db import session_scope
    from qh_data.models import AuditEntry
    from qh_data.permissions import SYSTEM

    dump = tmp_path / "a.qhb"
    backup.backup(read_engine, dump)
    target = other_backend_engine if other_backend_engine.dialect.name == "postgresql" else engine
    backup.restore(target, dump)
    with session_scope(target) as s:
        audit.record(s, SYSTEM, "test", "x", 1)
    with read_session(target) as s:
        assert len(s.scalars(select(AuditEntry.id)).all()) == len(content(read_engine)["audit_entry"]) + 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "version"])
def test_damaged_dump_fails_cleanly_and_leaves_target_untouched(read_engine, engine, tmp_path, damage):
    dump = tmp_path / "d.qhb"
    backup.backup(read_engine, dump)
    if damage == "truncate":
        dump.write_bytes(dump.read_bytes()[: len(dump.read_bytes()) // 2])
    elif damage == "flip":
        with zipfile.ZipFile(dump) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        data = bytearray(members["task.jsonl"])
        data[len(data) // 2] ^= 0x01
        members["task.jsonl"] = bytes(data)
        with zipfile.ZipFile(dump, "w") as zf:
            for n, b in members.items():
                zf.writestr(n, b)
    else:
        with zipfile.ZipFile(dump) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        members["manifest.json"] = members["manifest.json"].replace(b"qh-backup/1", b"qh-backup/9")
        with zipfile.ZipFile(dump, "w") as zf:
            for n, b in members.items():
                zf.writestr(n, b)
    before = checksum(engine)
    with pytest.raises(QHError) as err:
        backup.restore(engine, dump)
    assert "không bị thay đổi" in err.value.message_vi
    assert checksum(engine) == before


def test_restore_into_non_empty_database_is_refused_unless_forced(demo_engine, tmp_path):
    dump = tmp_path / "d.qhb"
    backup.backup(demo_engine, dump)
    before = checksum(demo_engine)
    with pytest.raises(QHError):
        backup.restore(demo_engine, dump)
    assert checksum(demo_engine) == before
    backup.restore(demo_engine, dump, force=True)
    assert checksum(demo_engine) == before


def test_cli_backup_restore_and_export(demo_engine, tmp_path, monkeypatch, capsys):
    url = demo_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("QH_DATABASE_URL", url)
    assert cli.main(["db", "check"]) == 0
    assert cli.main(["demo", "seed", "--if-empty"]) == 0
    assert "đã có dữ liệu" in capsys.readouterr().out
    assert cli.main(["export", "--format", "csv", "--out", str(tmp_path / "csv")]) == 0
    files = {p.name for p in (tmp_path / "csv").iterdir()}
    assert {f"{t.name}.csv" for t in Base.metadata.sorted_tables} == files
    assert (tmp_path / "csv" / "task.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert cli.main(["export", "--format", "xlsx", "--out", str(tmp_path / "all.xlsx")]) == 0
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "all.xlsx", read_only=True)
    assert set(wb.sheetnames) == {t.name[:31] for t in Base.metadata.sorted_tables}


def test_formulas_are_neutralised_in_exports():
    import pandas as pd

    df = pd.DataFrame({"title": ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "bình thường"]})
    out = export.dataframe_to_csv_bytes(df).decode("utf-8-sig")
    assert "'=HYPERLINK" in out and "'+1" in out and "'-2" in out and "'@SUM" in out
    assert "\r\n\"bình thường\"" in out
    assert export.neutralise_formula(5) == 5


def test_an_excel_export_keeps_values_and_types_with_its_header_in_view():
    import datetime as dt

    import openpyxl
    import pandas as pd

    df = pd.DataFrame({"Mã": ["a", "=1+1"], "Giá trị": [1.5, None], "Ngày": [pd.Timestamp("2026-01-02"), pd.NaT],
                       "Số": [3, 4]})
    book = openpyxl.load_workbook(io.BytesIO(export.dataframe_to_xlsx_bytes(df, "Chỉ tiêu và mục tiêu 2021–2030")))
    sheet = book.active
    assert sheet.title == "Chỉ tiêu và mục tiêu 2021–2030"[:31]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Mã", "Giá trị", "Ngày", "Số"), ("a", 1.5, dt.datetime(2026, 1, 2), 3), ("'=1+1", None, None, 4)]
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize("url, words", [
    ("nonsense://x", "chưa được hỗ trợ"),
    ("postgresql://postgres@127.0.0.1:1/none", "Không kết nối được cơ sở dữ liệu"),
])
def test_bad_database_url_gives_one_sentence_not_a_traceback(url, words):
    env = dict(os.environ, QH_DATABASE_URL=url)
    proc = subprocess.run([QH, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
