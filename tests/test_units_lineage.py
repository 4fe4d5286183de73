"""Units as versions and their lineage (qh_data.units), built from data/reference, and the CSV loader's
refusals. No database: the model is pure Python.

Dates: 30/6/2025 is the last day of the districts, 01/7/2025 the first of the two-tier government."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from pathlib import Path

import pytest

from qh_data.errors import ValidationFailed
from qh_data.units import lineage
from qh_data.units.lineage import Lineage, Link, Unit, UnitKey
from qh_data.units.lineage_csv import LineageFileInvalid, read_communes, read_crosswalk

ROOT = Path(__file__).resolve().parents[1]
COMMUNES = ROOT / "data" / "reference" / "communes_2025.csv"
CROSSWALK = ROOT / "data" / "reference" / "commune_crosswalk_2025.csv"
BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2025, 7, 1)


@pytest.fixture(scope="module")
def model() -> Lineage:
    return lineage.reference(ROOT / "data")


def names(units) -> list[str]:
    return [u.name for u in units]


def codes(units) -> set[str]:
    return {u.code for u in units}


# --- codes that name two units -------------------------------------------------------------------------

@pytest.mark.parametrize("level, code, before, after", [
    ("commune", "05977", "Phường Vĩnh Trại", "Phường Đông Kinh"),
    ("commune", "05467", "Phường Cam Giá", "Phường Gia Sàng"),
    ("province", "19", "Tỉnh Thái Nguyên", "Tỉnh Thái Nguyên"),
])
def test_a_reused_code_meant_one_unit_until_30_6_2025_and_another_from_1_7(model, level, code, before, after):
    old, new = model.unit_on(level, code, BEFORE), model.unit_on(level, code, AFTER)
    assert (old.name, new.name) == (before, after)
    assert old is not new and old.key != new.key
    assert (old.valid_from, old.valid_to) == (None, BEFORE)
    assert (new.valid_from, new.valid_to) == (AFTER, None)
    assert model.versions(level, code) == (old, new)
    assert model.unit_on(level, code, dt.date(2020, 7, 30)) is old  # the data starts no later than that
    assert model.unit_on(level, code, dt.date(2031, 1, 1)) is new


def test_phuong_gia_sang_moved_from_code_05461_to_05467(model):
    assert model.unit_on("commune", "05461", BEFORE).name == "Phường Gia Sàng"
    assert model.unit_on("commune", "05461", AFTER) is None
    assert model.unit_on("commune", "05467", AFTER).name == "Phường Gia Sàng"


def test_province_19_covers_thai_nguyen_before_and_thai_nguyen_with_bac_kan_after(model):
    old, new = model.versions("province", "19")
    assert new.area_km2 == pytest.approx(8375.21) and new.legal_basis == "NQ 202/2025/QH15 (12/6/2025)"
    before = model.units_of("19", BEFORE)
    assert codes(u for u in before if u.level == "district") == {
        "164", "165", "167", "168", "169", "170", "171", "172", "173"}
    assert sum(u.level == "commune" for u in before) == 172
    assert "01843" not in codes(before)  # Phường Bắc Kạn's code: Bắc Kạn territory, not Thái Nguyên's yet
    after = model.units_of("19", AFTER)
    assert len(after) == 92 and {u.level for u in after} == {"commune"}
    assert model.unit_on("commune", "01843", AFTER) in after
    assert all(u.parent == new.key for u in after)
    assert [(x.old.code, x.old.name, x.relation) for x in model.predecessors(new)] == [
        ("06", "Tỉnh Bắc Kạn", "whole"), ("19", "Tỉnh Thái Nguyên", "whole")]
    assert [(x.new, x.relation) for x in model.successors(old)] == [(new, "whole")]


def test_bac_kan_06_exists_until_30_6_2025_and_then_no_more(model):
    (bac_kan,) = model.versions("province", "06")
    assert bac_kan.name == "Tỉnh Bắc Kạn" and bac_kan.valid_to == BEFORE
    assert model.unit_on("province", "06", BEFORE) is bac_kan
    assert model.unit_on("province", "06", AFTER) is None
    units = model.units_of("06", BEFORE)
    assert sum(u.level == "district" for u in units) == 8 and sum(u.level == "commune" for u in units) == 108
    assert model.units_of("06", AFTER) == ()
    (link,) = model.successors(bac_kan)
    assert (link.new.code, link.new.valid_from, link.relation, link.effective) == ("19", AFTER, "whole", AFTER)


@pytest.mark.parametrize("day", [dt.date(2020, 7, 30), BEFORE])
def test_lang_son_before_the_reform_is_its_11_districts_and_their_194_communes(model, day):
    units = model.units_of("20", day)
    districts = [u for u in units if u.level == "district"]
    with (ROOT / "data" / "reference" / "districts.csv").open(encoding="utf-8") as fh:
        listed = {r["district_code"]: r for r in csv.DictReader(fh) if r["province_code"] == "20"}
    assert codes(districts) == set(listed) and len(districts) == 11
    assert all(d.name == listed[d.code]["district_name"] and d.type == listed[d.code]["type"] for d in districts)
    communes = [u for u in units if u.level == "commune"]
    assert len(communes) == 194 and all(model.parent(c).level == "district" for c in communes)


def test_lang_son_from_1_7_2025_is_its_65_communes_under_one_province_version(model):
    units = model.units_of("20", AFTER)
    assert len(units) == 65 and {u.level for u in units} == {"commune"}
    (province,) = model.versions("province", "20")  # territory unchanged: one version, no link
    assert province.valid_from is None and province.valid_to is None
    assert model.successors(province) == () and model.predecessors(province) == ()
    assert all(model.parent(u) is province for u in units)
    assert sum(u.type == "Phường" for u in units) == 4


def test_every_version_sits_under_a_parent_in_force_over_its_whole_range(model):
    for u in model.units:
        parent = model.parent(u)
        assert (parent is None) == (u.level == "province")
        if parent is not None:
            assert parent.covers(u.valid_from, u.valid_to), u
    assert sum(len(model.versions("commune", c)) == 2 for c in codes(model.units_of("20", AFTER))) == 65


# --- successors and predecessors -------------------------------------------------------------------------

def test_a_whole_link_vinh_trai_went_entirely_into_dong_kinh(model):
    vinh_trai = model.unit_on("commune", "05977", BEFORE)
    (link,) = model.successors(vinh_trai)
    assert (link.new.name, link.new.code, link.relation, link.effective) == ("Phường Đông Kinh", "05977", "whole", AFTER)
    assert link.legal_basis.startswith("NQ 1672/NQ-UBTVQH15 (16/6/2025)")
    dong_kinh = link.new
    assert [(x.old.code, x.old.name, x.relation) for x in model.predecessors(dong_kinh, level="commune")] == [
        ("05977", "Phường Vĩnh Trại", "whole"), ("05980", "Phường Đông Kinh", "whole"),
        ("05992", "Xã Mai Pha", "whole"), ("06247", "Xã Yên Trạch", "whole")]


def test_a_part_link_cam_gia_was_split_between_gia_sang_and_tich_luong(model):
    cam_gia = model.unit_on("commune", "05467", BEFORE)
    assert [(x.new.code, x.new.name, x.relation) for x in model.successors(cam_gia)] == [
        ("05467", "Phường Gia Sàng", "part"), ("05500", "Phường Tích Lương", "part")]
    gia_sang = model.unit_on("commune", "05467", AFTER)
    assert [(x.old.code, x.old.name, x.relation) for x in model.predecessors(gia_sang, level="commune")] == [
        ("05461", "Phường Gia Sàng", "part"), ("05467", "Phường Cam Giá", "part"),
        ("05473", "Phường Hương Sơn", "whole"), ("05914", "Xã Đồng Liên", "whole")]


def test_an_unchanged_link_thuong_quan_kept_its_territory_under_a_new_province(model):
    old = model.unit_on("commune", "01957", BEFORE)
    (link,) = model.successors(old)
    new = link.new
    assert (link.relation, old.name, new.name, new.code) == ("unchanged", "Xã Thượng Quan", "Xã Thượng Quan", "01957")
    assert old.key != new.key
    assert [(p.code, p.name) for p in (model.parent(old), model.parent(model.parent(old)))] == [
        ("062", "Huyện Ngân Sơn"), ("06", "Tỉnh Bắc Kạn")]
    assert model.parent(new) == model.unit_on("province", "19", AFTER)
    assert [x.old for x in model.predecessors(new, level="commune")] == [old]


def test_an_abolished_district_leads_to_the_communes_that_took_its_communes(model):
    city = model.unit_on("district", "178", BEFORE)
    assert city.name == "Thành phố Lạng Sơn" and model.unit_on("district", "178", AFTER) is None
    links = model.successors(city)
    assert [(x.new.code, x.new.name) for x in links] == [
        ("05977", "Phường Đông Kinh"), ("05983", "Phường Lương Văn Tri"), ("05986", "Phường Tam Thanh"),
        ("06187", "Phường Kỳ Lừa")]
    assert {x.relation for x in links} == {"part"}
    assert all("NQ 203/2025/QH15" in x.legal_basis for x in links)


@pytest.mark.parametrize("province, expected", [
    ("20", {"05977": "Phường Đông Kinh", "06187": "Phường Kỳ Lừa", "06286": "Xã Khánh Khê",
            "06316": "Xã Tân Đoàn"}),
    ("19", {"01849": "Xã Phong Quang", "01933": "Xã Đồng Phúc", "02014": "Xã Bạch Thông",
            "05488": "Xã Đại Phúc", "05503": "Xã Tân Cương"}),
])
def test_the_communes_that_span_former_districts_are_those_the_facts_file_names(model, province, expected):
    spanning = model.spanning_communes(province)
    assert {u.code: u.name for u in spanning} == expected
    for u in model.units_of(province, AFTER):
        assert (len(model.former_districts(u)) > 1) == (u.code in expected)


def test_dai_phuc_spans_three_former_districts_and_dong_kinh_two(model):
    dai_phuc = model.unit_on("commune", "05488", AFTER)
    assert names(model.former_districts(dai_phuc)) == ["Thành phố Thái Nguyên", "Huyện Đại Từ", "Thành phố Phổ Yên"]
    assert names(model.former_districts(model.unit_on("commune", "05977", AFTER))) == [
        "Thành phố Lạng Sơn", "Huyện Cao Lộc"]


def test_the_model_refuses_overlapping_versions_and_a_parent_not_in_force_over_its_child():
    province = Unit("province", "20", None, None, "Tỉnh Lạng Sơn", "Tỉnh", None)
    a = Unit("commune", "05977", None, dt.date(2025, 7, 1), "A", "Xã", province.key)
    b = Unit("commune", "05977", dt.date(2025, 7, 1), None, "B", "Xã", province.key)
    with pytest.raises(ValidationFailed) as err:
        Lineage([province, a, b], [])
    assert "05977" in err.value.message_vi and "overlap" in err.value.message_en
    short = Unit("province", "06", None, BEFORE, "Tỉnh Bắc Kạn", "Tỉnh", None)
    late = Unit("commune", "01957", None, dt.date(2025, 12, 31), "Xã Thượng Quan", "Xã", short.key)
    with pytest.raises(ValidationFailed) as err:
        Lineage([short, late], [])
    assert "Xã Thượng Quan" in err.value.message_en and "parent" in err.value.message_en
    ok = Lineage([province, a], [Link(a, a, "unchanged", AFTER, None)])
    assert ok.unit(UnitKey("commune", "05977", None)) is a


def test_a_rearrangement_without_districts_puts_old_communes_under_their_province(tmp_path):
    """A later rearrangement (no districts any more) loads in the same layout, district columns empty."""
    communes = write(tmp_path / "c.csv", [
        ["province_code", "code", "name", "type", "area_km2", "valid_from", "legal_basis"],
        ["20", "06001", "Xã Mới", "Xã", "", "2027-01-01", "NQ 1/2026"]])
    crosswalk = write(tmp_path / "x.csv", [list(CROSSWALK_HEADER),
        ["20", "06001", "Xã Mới", "whole", "06001", "Xã Cũ A", "", "", "20", "Tỉnh Lạng Sơn"],
        ["20", "06001", "Xã Mới", "whole", "06004", "Xã Cũ B", "", "", "20", "Tỉnh Lạng Sơn"]])
    rows = read_communes(communes)
    model = lineage.build(rows, read_crosswalk(crosswalk, rows))
    assert names(model.units_of("20", dt.date(2026, 12, 31))) == ["Xã Cũ A", "Xã Cũ B"]
    assert names(model.units_of("20", dt.date(2027, 1, 1))) == ["Xã Mới"]
    (province,) = model.versions("province", "20")
    assert model.parent(model.unit_on("commune", "06004", dt.date(2026, 1, 1))) is province


# --- the loader's refusals -------------------------------------------------------------------------------

CROSSWALK_HEADER = ("new_province_code", "new_code", "new_name", "relation", "old_code", "old_name",
                    "old_district_code", "old_district_name", "old_province_code", "old_province_name")


def write(path: Path, table: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def table(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def row_of(rows: list[list[str]], old_code: str, new_code: str | None = None) -> int:
    """The spreadsheet row number (header = 1) of a crosswalk row."""
    return next(i for i, r in enumerate(rows, start=1) if r[4] == old_code and new_code in (None, r[1]))


@pytest.fixture(scope="module")
def communes():
    return read_communes(COMMUNES)


def refused(path: Path, communes=None) -> LineageFileInvalid:
    with pytest.raises(LineageFileInvalid) as err:
        if communes is None:
            read_communes(path)
        else:
            read_crosswalk(path, communes)
    assert isinstance(err.value, ValidationFailed)
    assert err.value.message_vi.endswith(f"Không có dòng nào của tệp {path.name} được nạp.")
    assert err.value.message_en.endswith(f"Nothing from {path.name} was loaded.")
    return err.value


def only_problem(err: LineageFileInvalid, row: int | None, column: str | None, vi: str, en: str) -> None:
    assert [(p.row, p.column) for p in err.problems] == [(row, column)], err.message_en
    where_vi = f"Tệp {err.file_name}" + (f", dòng {row}" if row else "") + (f", cột {column}" if column else "")
    where_en = f"File {err.file_name}" + (f", row {row}" if row else "") + (f", column {column}" if column else "")
    assert err.message_vi.startswith(where_vi + ": ") and vi in err.message_vi, err.message_vi
    assert err.message_en.startswith(where_en + ": ") and en in err.message_en, err.message_en


def test_the_reference_files_load_whole(communes):
    rows = read_crosswalk(CROSSWALK, communes)
    assert len(communes) == 157 and len(rows) == 479
    assert rows[0].row == 2 and rows[-1].row == 480
    assert all(isinstance(r.old_code, str) and len(r.old_code) == 5 for r in rows)


def test_a_bad_relation_is_refused_naming_row_and_column(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "05980")
    rows[n - 1][3] = "merged"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "relation", "quan hệ 'merged' không hợp lệ", "relation 'merged' is not valid; use whole, part or unchanged")


def test_an_unknown_new_code_is_refused(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "05992")
    rows[n - 1][1] = "09999"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "new_code", "mã xã mới 09999 không có trong danh sách xã mới của tỉnh 20",
                 "new commune code 09999 is not in the list of new communes of province 20")


def test_a_new_code_of_another_province_is_refused(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "05992")
    rows[n - 1][1:3] = ["01840", "Phường Đức Xuân"]  # a commune of province 19 under province 20
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "new_code", "mã này thuộc tỉnh 19", "that code belongs to province 19")


def test_a_new_name_that_does_not_match_its_code_is_refused_but_tone_placement_is_not(tmp_path, communes):
    rows = table(CROSSWALK)
    assert rows[row_of(rows, "05689") - 1][2] == "Xã Nam Hòa"  # the list says "Xã Nam Hoà": accepted
    n = row_of(rows, "05992")
    rows[n - 1][2] = "Phường Tam Thanh"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "new_name", "không khớp với mã 05977", "does not match code 05977 in the list of new communes")


def test_a_whole_link_to_two_communes_is_refused_at_the_second_row(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "05992")
    extra = list(rows[n - 1])
    extra[1:3] = ["05983", "Phường Lương Văn Tri"]
    rows.append(extra)
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, len(rows), "relation", f"xã cũ 05992 (Xã Mai Pha) được ghi 'whole' nhưng có hai xã mới (05977 ở dòng {n}",
                 f"old commune 05992 (Xã Mai Pha) is marked 'whole' but has two new communes (05977 on row {n}")


def test_a_part_link_with_a_single_new_commune_is_refused(tmp_path, communes):
    rows = table(CROSSWALK)
    gone = row_of(rows, "06622", "06613")
    del rows[gone - 1]
    n = row_of(rows, "06622")
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "relation", "xã cũ 06622 (Xã Bính Xá) được ghi 'part' nhưng chỉ có một xã mới",
                 "old commune 06622 (Xã Bính Xá) is marked 'part' but has only one new commune")


def test_an_old_commune_marked_whole_on_one_row_and_part_on_another_is_refused(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "05467", "05500")
    rows[n - 1][3] = "whole"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    assert (n, "relation") in [(p.row, p.column) for p in err.problems]
    assert f"old commune 05467 is marked 'part' on row {row_of(rows, '05467')} and 'whole' on this row" in err.message_en


def test_unchanged_is_refused_for_a_commune_that_absorbed_others(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "05977")
    rows[n - 1][3] = "unchanged"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "relation", "xã cũ 05977 được ghi 'unchanged' nhưng xã mới 05977 còn nhận xã cũ",
                 "old commune 05977 is marked 'unchanged' but new commune 05977 also takes old commune")


def test_an_old_commune_written_two_ways_is_refused(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "06625", "06637")
    rows[n - 1][6:8] = ["188", "Huyện Lộc Bình"]
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    assert (n, "old_district_code") in [(p.row, p.column) for p in err.problems]
    assert f"File xw.csv, row {n}, column old_district_code: old commune 06625 is written '189'" in err.message_en


def test_a_code_that_lost_its_leading_zero_is_refused(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "01834")
    rows[n - 1][1] = "1840"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "new_code", "mã '1840' phải có đúng 5 chữ số, kể cả số 0 ở đầu",
                 "code '1840' must have exactly 5 digits, leading zeros included")


def test_a_new_commune_no_row_reaches_is_refused(tmp_path, communes):
    rows = [r for r in table(CROSSWALK) if r[1] != "05986"]
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, None, "new_code", "xã mới 05986 (Phường Tam Thanh, tỉnh 20) không có dòng nào trong bảng chuyển đổi",
                 "new commune 05986 (Phường Tam Thanh, province 20) has no row in the crosswalk")


def test_a_missing_column_is_refused_on_the_header_row(tmp_path, communes):
    rows = [r[:3] + r[4:] for r in table(CROSSWALK)]
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, 1, "relation", "thiếu cột này ở dòng tiêu đề", "this column is missing from the header row")


def test_a_direction_control_character_is_refused(tmp_path, communes):
    rows = table(CROSSWALK)
    n = row_of(rows, "05992")
    rows[n - 1][5] = "Xã Mai\u202ePha"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    only_problem(err, n, "old_name", "ký tự điều khiển chiều viết", "text-direction control character")


def test_decomposed_text_and_a_byte_order_mark_are_read_as_nfc(tmp_path, communes):
    nfd = [[unicodedata.normalize("NFD", cell) for cell in r] for r in table(CROSSWALK)]
    assert nfd[1][5] != table(CROSSWALK)[1][5]
    rows = read_crosswalk(write(tmp_path / "xw.csv", nfd, encoding="utf-8-sig"), communes)
    assert rows == read_crosswalk(CROSSWALK, communes)


def test_a_file_that_is_not_utf8_or_is_empty_is_refused(tmp_path, communes):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(CROSSWALK_HEADER).encode() + "\n20,05977,Ph\xe9\n".encode("latin-1"))
    only_problem(refused(latin, communes), None, None, "không phải văn bản UTF-8", "is not UTF-8 text")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    only_problem(refused(empty, communes), None, None, "tệp trống", "the file is empty")
    header_only = write(tmp_path / "header.csv", [list(CROSSWALK_HEADER)])
    only_problem(refused(header_only, communes), None, None, "không có dòng dữ liệu", "has no data rows")


def test_every_problem_is_listed_and_nothing_is_returned(tmp_path, communes):
    rows = table(CROSSWALK)
    for r in rows[1:31]:
        r[3] = "merged"
    err = refused(write(tmp_path / "xw.csv", rows), communes)
    assert [p.row for p in err.problems] == list(range(2, 32))
    assert err.message_en.count("relation 'merged' is not valid") == 20
    assert "; and 10 more. Nothing from xw.csv was loaded." in err.message_en
    assert "; và 10 lỗi khác. Không có dòng nào của tệp xw.csv được nạp." in err.message_vi


@pytest.mark.parametrize("column, value, vi, en", [
    ("name", "xã Bắc Sơn", "phải bắt đầu bằng loại đơn vị 'Xã'", "must begin with its unit type 'Xã'"),
    ("code", "6325", "phải có đúng 5 chữ số", "must have exactly 5 digits"),
    ("valid_from", "01/07/2025", "năm-tháng-ngày", "must be written year-month-day"),
    ("area_km2", "80,46", "phải là số không âm", "must be a non-negative number"),
    ("legal_basis", "", "không được để trống", "must not be empty"),
])
def test_the_communes_list_refuses_a_bad_cell(tmp_path, column, value, vi, en):
    rows = table(COMMUNES)
    n = next(i for i, r in enumerate(rows, start=1) if r[1] == "06325")
    rows[n - 1][rows[0].index(column)] = value
    only_problem(refused(write(tmp_path / "communes.csv", rows)), n, column, vi, en)


def test_the_communes_list_refuses_a_repeated_code(tmp_path):
    rows = table(COMMUNES)
    rows.append(list(rows[5]))
    only_problem(refused(write(tmp_path / "communes.csv", rows)), len(rows), "code",
                 f"mã xã {rows[5][1]} đã có ở dòng 6", f"commune code {rows[5][1]} is already on row 6")
