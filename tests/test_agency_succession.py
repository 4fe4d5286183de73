"""Agencies over time (issue 15, point 1): the succession file, its load, and the reads on both sides of
01/3/2025 (departments merged) and 01/7/2025 (district People's Committees abolished). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select, text

from dashboard.i18n import translate
from qh_data import cli, config
from qh_data.agencies import store, succession_csv
from qh_data.agencies.succession_csv import SuccessionFileInvalid
from qh_data.db import read_session, session_scope
from qh_data.errors import PermissionDenied
from qh_data.models import Agency, AgencySuccession, AuditEntry
from qh_data.permissions import SYSTEM, Actor
from qh_data.queries import succession as qs
from qh_data.queries import tasks as task_reads

REFERENCE = config.DATA_DIR / "reference" / "agency_succession_2025.csv"
EVE_MERGE, MERGE = dt.date(2025, 2, 28), dt.date(2025, 3, 1)
EVE_TWO_TIERS, TWO_TIERS = dt.date(2025, 6, 30), dt.date(2025, 7, 1)
TODAY = dt.date(2026, 12, 7)


def _loaded(engine):
    with session_scope(engine) as s:
        return store.load_reference(s, SYSTEM)


@pytest.fixture
def loaded(read_store, backend):
    engine, _ = read_store(backend, "agency_succession", build=_loaded)
    return engine


def _tr(lang):
    return lambda key, **values: translate(key, lang, **values)


def _count(engine, stmt) -> int:
    with engine.connect() as c:
        return c.execute(stmt).scalar_one()


# --- the file ------------------------------------------------------------------------------------------------

def test_the_reference_file_reads_with_its_province_wide_row_set_aside():
    read = succession_csv.read(REFERENCE)
    assert len(read.rows) == 34 and read.skipped == (36,)  # "Tỉnh Bắc Kạn (06): all provincial agencies"
    by_old = {r.old_code: r for r in read.rows}
    assert by_old["LS-SKHDT"].new_code == "LS-STC" and by_old["LS-SKHDT"].effective == MERGE
    assert by_old["LS-UBND-178"].relation == "abolished" and by_old["LS-UBND-178"].new_code is None
    assert by_old["TN-SLDTBXH"].relation == "split" and by_old["TN-SLDTBXH"].confidence == "medium"


def _write(tmp_path, lines: list[str]):
    path = tmp_path / "sapxep.csv"
    path.write_text("\n".join([",".join(succession_csv.COLUMNS), *lines]) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_named_by_file_row_and_column_in_both_languages(tmp_path):
    path = _write(tmp_path, [
        "20,LS-SKHDT,Sở KH&ĐT,LS-STC,Sở Tài chính,2025-03-01,merged_into,NQ 04,high,",
        "20,LS-SGTVT,Sở GTVT,LS-SXD,Sở Xây dựng,01/03/2025,merged,NQ 04,sure,",
        "20,LS-UBND-178,UBND TP,LS-X,UBND xã,2025-07-01,abolished,NQ 203,high,",
        "2,LS-STNMT,Sở TN&MT,,Sở NN&MT,2025-03-01,merged_into,,high,",
        "20,LS-SKHDT,Sở KH&ĐT,LS-STC,Sở Tài chính,2025-03-01,merged_into,NQ 04,high,",
    ])
    with pytest.raises(SuccessionFileInvalid) as caught:
        succession_csv.read(path)
    err = caught.value
    where = {(p.row, p.column) for p in err.problems}
    assert where == {(3, "effective"), (3, "relation"), (3, "confidence"), (4, "new_code"), (5, "province_code"),
                     (5, "new_code"), (5, "legal_basis"), (6, "old_code")}
    assert "Tệp sapxep.csv, dòng 3, cột effective: ngày '01/03/2025' phải viết dạng năm-tháng-ngày" in err.message_vi
    assert "File sapxep.csv, row 4, column new_code: an abolished agency has no successor code" in err.message_en
    assert "Không có dòng nào của tệp sapxep.csv được nạp" in err.message_vi


# --- the load ------------------------------------------------------------------------------------------------

def test_the_load_ends_the_old_agencies_adds_the_new_ones_once_and_audits(demo_engine):
    report = _loaded(demo_engine)
    assert (report.successions, report.agencies_added, report.agencies_ended) == (34, 4, 34)
    assert report.skipped_rows == [36]
    with read_session(demo_engine) as s:
        skhdt, snnmt, district = (s.get(Agency, c) for c in ("LS-SKHDT", "LS-SNNMT", "LS-UBND-178"))
        assert (skhdt.valid_from, skhdt.valid_to) == (None, EVE_MERGE)
        assert (snnmt.valid_from, snnmt.valid_to, snnmt.province_code) == (MERGE, None, "20")
        assert snnmt.name == "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn"
        assert snnmt.short_name == "Sở Nông nghiệp và Môi trường"
        assert district.valid_to == EVE_TWO_TIERS
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "agencies.load")).one()
        assert entry.entity_id == "agency_succession_2025.csv" and entry.username == "system"
    again = _loaded(demo_engine)  # the same file again: nothing changes, no second entry
    assert not again.changed
    assert _count(demo_engine, select(func.count()).select_from(AgencySuccession)) == 34
    assert _count(demo_engine, select(func.count()).where(AuditEntry.action == "agencies.load")) == 1


def test_an_old_code_is_matched_on_the_day_and_a_bad_row_writes_nothing(demo_engine, tmp_path):
    with session_scope(demo_engine) as s:  # LS-SGTVT already ended on another day: not the agency meant
        s.get(Agency, "LS-SGTVT").valid_to = dt.date(2024, 12, 31)
    before = _count(demo_engine, select(func.count()).select_from(Agency))
    path = _write(tmp_path, [
        "20,LS-SKHDT,Sở KH&ĐT,LS-STC,Sở Tài chính,2025-03-01,merged_into,NQ 04,high,",
        "20,LS-STNMT,Sở TN&MT,LS-SNNMT,Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn,2025-03-01,merged_into,NQ 04,high,",
        "20,LS-SGTVT,Sở GTVT,LS-SXD,Sở Xây dựng,2025-03-01,merged_into,NQ 04,high,",
        "19,LS-STTTT,Sở TT&TT,LS-SKHCN,Sở KH&CN,2025-03-01,merged_into,NQ 04,high,",
        "20,LS-NOPE,Sở Không Có,LS-STC,Sở Tài chính,2025-03-01,merged_into,NQ 04,high,",
    ])
    with pytest.raises(SuccessionFileInvalid) as caught, session_scope(demo_engine) as s:
        store.load(s, succession_csv.read(path), SYSTEM)
    assert {(p.row, p.column) for p in caught.value.problems} == {(4, "old_code"), (5, "province_code"),
                                                                  (6, "old_code")}
    assert "LS-SGTVT" in caught.value.message_vi and "28/02/2025" in caught.value.message_en
    with read_session(demo_engine) as s:  # nothing half-written: no new agency, no end date, no succession
        assert s.get(Agency, "LS-SNNMT") is None and s.get(Agency, "LS-SKHDT").valid_to is None
    assert _count(demo_engine, select(func.count()).select_from(Agency)) == before
    assert _count(demo_engine, select(func.count()).select_from(AgencySuccession)) == 0


def test_only_an_admin_loads_a_succession(demo_engine):
    dpi = Actor(user_id=None, username="dpi", role="dpi_editor")
    with pytest.raises(PermissionDenied), session_scope(demo_engine) as s:
        store.load_reference(s, dpi)
    assert _count(demo_engine, select(func.count()).select_from(AgencySuccession)) == 0


def test_qh_agencies_load_takes_the_reference_layout(sqlite_demo_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    copy = tmp_path / "cua_tinh.csv"
    shutil.copyfile(REFERENCE, copy)
    assert cli.main(["agencies", "load", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "Đã nạp 34 quan hệ kế thừa, thêm 4 cơ quan mới" in out and "dòng 36" in out
    assert cli.main(["agencies", "load", str(copy)]) == 0
    assert "không có gì thay đổi" in capsys.readouterr().out
    bad = tmp_path / "hong.csv"
    bad.write_text("province_code,old_code\n20,LS-SKHDT\n", encoding="utf-8")
    assert cli.main(["agencies", "load", str(bad)]) == 2
    assert "Tệp hong.csv, dòng 1, cột old_name: thiếu cột này" in capsys.readouterr().err


# --- the reads -----------------------------------------------------------------------------------------------

def test_agencies_in_force_on_either_side_of_both_dates(loaded):
    def codes(day):
        return set(qs.agencies_in_force(loaded, "20", as_of=day).column("code"))

    eve, merged, eve2, two_tiers = (codes(d) for d in (EVE_MERGE, MERGE, EVE_TWO_TIERS, TWO_TIERS))
    assert {"LS-SKHDT", "LS-SGTVT", "LS-STNMT", "LS-STC"} <= eve and not {"LS-SNNMT", "LS-SDTTG"} & eve
    assert {"LS-STC", "LS-SNNMT", "LS-SDTTG", "LS-SXD"} <= merged
    assert not {"LS-SKHDT", "LS-SGTVT", "LS-STNMT", "LS-SNNPTNT", "LS-STTTT", "LS-SLDTBXH", "LS-BDT"} & merged
    assert eve - merged == {"LS-SKHDT", "LS-SGTVT", "LS-STNMT", "LS-SNNPTNT", "LS-STTTT", "LS-SLDTBXH", "LS-BDT"}
    districts = {f"LS-UBND-{n}" for n in (178, *range(180, 190))}
    assert districts <= eve2 and not districts & two_tiers and eve2 - two_tiers == districts


def test_successors_follow_the_day(loaded):
    hist = qs.history(loaded)
    assert qs.successors(loaded, "LS-SKHDT", EVE_MERGE) == [] and qs.successors(loaded, "LS-SKHDT", MERGE) == ["LS-STC"]
    assert hist.successors("TN-STNMT", MERGE) == ["TN-SNNMT"] and hist.successors("LS-STC", TODAY) == []
    assert hist.successors("LS-UBND-183", TWO_TIERS) == [] and hist.ceased("LS-UBND-183", TWO_TIERS)
    assert not hist.ceased("LS-UBND-183", EVE_TWO_TIERS)
    assert hist.family("LS-SKHDT", EVE_MERGE) == ["LS-SKHDT"]
    assert hist.family("LS-SKHDT", MERGE) == ["LS-SKHDT", "LS-STC"] and hist.family("LS-STC", MERGE) == ["LS-STC", "LS-SKHDT"]
    assert set(hist.family("LS-STNMT", MERGE)) == {"LS-STNMT", "LS-SNNMT", "LS-SNNPTNT"}


def test_chains_are_followed_once_their_dates_have_come():
    rows = [qs.AgencyRow(c, c, None, "so", None, None) for c in "ABC"]
    later = dt.date(2026, 1, 1)
    hist = qs.History(rows, [qs.Succession("A", "B", "merged_into", MERGE, None, None, None),
                             qs.Succession("B", "C", "merged_into", later, None, None, None)])
    assert hist.successors("A", EVE_MERGE) == [] and hist.successors("A", MERGE) == ["B"]
    assert hist.successors("A", later) == ["C"] and hist.predecessors("C", later) == ["B", "A"]
    assert hist.family("A", later) == ["A", "C", "B"]


def test_display_names_of_former_agencies_in_both_languages(loaded):
    hist = qs.history(loaded)
    assert qs.work_display_name(hist, "LS-SKHDT", EVE_MERGE, _tr("vi")) == "Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn"
    assert qs.work_display_name(hist, "LS-SKHDT", MERGE, _tr("vi")) == \
        "Sở Tài chính tỉnh Lạng Sơn (trước đây: Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn)"
    assert qs.work_display_name(hist, "LS-SKHDT", MERGE, _tr("en"), short=True) == "Sở Tài chính (formerly: Sở KH&ĐT)"
    assert qs.work_display_name(hist, "LS-STC", MERGE, _tr("vi")) == "Sở Tài chính tỉnh Lạng Sơn"
    assert qs.historical_name(hist, "LS-SKHDT", TODAY, _tr("vi"), short=True) == "Sở KH&ĐT (nay là Sở Tài chính)"
    assert qs.historical_name(hist, "LS-SKHDT", EVE_MERGE, _tr("vi"), short=True) == "Sở KH&ĐT"


def test_progress_counts_a_former_agencys_tasks_for_its_successor_from_the_date(loaded):
    for day in (EVE_MERGE, MERGE, TODAY):
        plain = {r["agency_code"]: r for r in task_reads.task_counts_by_agency(loaded, "20", as_of=day)}
        folded = {r["agency_code"]: r for r in qs.task_counts_by_holder(loaded, "20", as_of=day)}
        as_were = {r["agency_code"]: r for r in qs.task_counts_by_holder(loaded, "20", as_of=day, as_they_were=True)}
        assert {c: r["assigned"] for c, r in as_were.items()} == {c: r["assigned"] for c, r in plain.items()}
        assert sum(r["assigned"] for r in folded.values()) == sum(r["assigned"] for r in plain.values())
        if day < MERGE:
            assert folded.keys() == plain.keys() and folded["LS-SKHDT"]["former_codes"] == []
        else:
            assert "LS-SKHDT" not in folded and "LS-SGTVT" not in folded
            assert folded["LS-STC"]["assigned"] == plain["LS-STC"]["assigned"] + plain["LS-SKHDT"]["assigned"]
            assert folded["LS-STC"]["former_names"] == ["Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn"]
            snnmt = plain.get("LS-SNNPTNT", {"assigned": 0})["assigned"] + plain["LS-STNMT"]["assigned"]
            assert folded["LS-SNNMT"]["assigned"] == snnmt and not folded["LS-SNNMT"]["ceased"]
    today = {r["agency_code"]: r for r in qs.task_counts_by_holder(loaded, "20", as_of=TODAY)}
    assert today["LS-UBND-183"]["ceased"] and not today["LS-STC"]["ceased"]  # abolished: own row, flagged
    by_former = {r["agency_code"]: r for r in qs.task_counts_by_holder(loaded, "20", agency="LS-SKHDT", as_of=TODAY)}
    assert by_former["LS-STC"]["assigned"] == today["LS-STC"]["assigned"]  # the filter finds the successor's work
    before = {r["agency_code"]: r for r in qs.task_counts_by_holder(loaded, "20", agency="LS-SKHDT", as_of=EVE_MERGE)}
    plain_before = {r["agency_code"]: r["assigned"] for r in task_reads.task_counts_by_agency(
        loaded, "20", agency="LS-SKHDT", as_of=EVE_MERGE)}
    assert {c: r["assigned"] for c, r in before.items()} == plain_before and "LS-SKHDT" in before
    assert not any(r["former_codes"] for r in before.values())


def test_filtering_by_a_former_agency_finds_its_successors_work(loaded):
    def ids(agency, day):
        return set(qs.tasks_of_agency(loaded, "20", agency, as_of=day).column("id"))

    def own(agency, day):
        return set(task_reads.list_tasks(loaded, "20", agency=agency, as_of=day).column("id"))

    assert ids("LS-SKHDT", EVE_MERGE) == own("LS-SKHDT", EVE_MERGE)
    assert ids("LS-SKHDT", TODAY) == ids("LS-STC", TODAY) == own("LS-SKHDT", TODAY) | own("LS-STC", TODAY)
    assert own("LS-STC", TODAY) - own("LS-SKHDT", TODAY)  # the successor's own work is really added


def test_the_worklist_lists_open_work_of_agencies_ceased_by_the_day(loaded):
    for province in ("20", "19"):
        for day in (EVE_MERGE, MERGE, EVE_TWO_TIERS, TWO_TIERS, TODAY):
            rows = qs.ceased_worklist(loaded, province, as_of=day)
            with loaded.connect() as c:  # the same question asked plainly
                expected_tasks = c.execute(text(
                    "SELECT t.id FROM task t JOIN agency a ON a.code = t.lead_agency_code "
                    "JOIN admin_unit_version p ON p.id = t.province_unit_id WHERE p.code = :p "
                    "AND t.status IN ('not_started', 'in_progress') AND a.valid_to < :d AND t.assigned_on <= :d"),
                    {"p": province, "d": day}).scalars().all()
            got = [r["id"] for r in rows if r["kind"] == "task"]
            assert sorted(got) == sorted(expected_tasks)
            counts = qs.ceased_counts(loaded, province, as_of=day)
            assert counts["tasks"] == len(got) and counts["total"] == len(rows)
    today = qs.ceased_worklist(loaded, "20", as_of=TODAY)
    assert qs.ceased_counts(loaded, "20", as_of=TODAY)["tasks"] > 0 and qs.ceased_counts(loaded, "20", as_of=TODAY)["issues"] > 0
    sgtvt = next(r for r in today if r["agency_code"] == "LS-SGTVT")
    assert sgtvt["successors"] == ["LS-SXD"] and sgtvt["relation"] == "merged_into"
    district = [r for r in today if r["agency_code"].startswith("LS-UBND-")]
    assert district and all(r["successors"] == [] and r["relation"] == "abolished" and
                            "xã, phường" in r["successor_text"] for r in district)
