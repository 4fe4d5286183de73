"""The small pieces of reading a sender's own workbook, without a database: column headings, units of
measure, row names against a catalogue, numbers in the other decimal style (issue 16)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qh_data.intake import numbers
from qh_data.intake.headings import context_year, read_heading
from qh_data.intake.match_rows import ACCEPT, SUGGEST, Matcher, name_key
from qh_data.intake.measures import conversion


@pytest.mark.parametrize("heading, period, kind", [
    ("Thực hiện 2024", "2024", "actual"),
    ("TH năm 2024", "2024", "actual"),
    ("Ước TH 6 tháng 2025", "2025-H1", "estimate"),
    ("Ước thực hiện 6 tháng đầu năm 2025", "2025-H1", "estimate"),
    ("Ước TH 6 tháng cuối năm 2025", "2025-H2", "estimate"),
    ("Ước TH năm 2025", "2025", "estimate"),
    ("Dự ước năm 2025", "2025", "estimate"),
    ("Kế hoạch 2026", "2026", "target"),
    ("KH 2026", "2026", "target"),
    ("Chỉ tiêu KH năm 2026", "2026", "target"),
    ("Mục tiêu 2030", "2030", "target"),
    ("Mục tiêu giai đoạn 2026-2030", "2030", "target"),
    ("Thực hiện quý II/2025", "2025-Q2", "actual"),
    ("Năm 2025 Kế hoạch", "2025", "target"),  # a sub-heading under a merged parent, joined
    ("THỰC HIỆN 2024", "2024", "actual"),
])
def test_figure_headings(heading, period, kind):
    h = read_heading(heading)
    assert (h.role, h.period, h.kind) == ("value", period, kind)


def test_a_heading_without_a_year_takes_the_report_year_or_asks():
    assert read_heading("Ước thực hiện năm", context_year=2025).period == "2025"
    assert read_heading("Ước thực hiện năm").role == "unknown"
    assert context_year(["UBND XÃ ĐOÀN KẾT", "BÁO CÁO KẾT QUẢ THỰC HIỆN NĂM 2025"]) == 2025


@pytest.mark.parametrize("heading", ["Cùng kỳ", "Cùng kỳ năm trước", "So sánh (%)", "TH 2025 so với cùng kỳ (%)",
                                     "Tăng/giảm", "Lũy kế đến nay", "Thực hiện 9 tháng 2025", "Tỷ lệ %",
                                     "Thực hiện tháng 5/2025"])
def test_ignored_headings_say_why(heading):
    h = read_heading(heading)
    assert h.role == "ignored" and h.reason_vi and h.reason_en and h.period is None


@pytest.mark.parametrize("heading, role", [("STT", "stt"), ("TT", "stt"), ("Chỉ tiêu", "name"),
                                           ("Tên chỉ tiêu", "name"), ("Nội dung", "name"), ("ĐVT", "unit"),
                                           ("Đơn vị tính", "unit"), ("Đơn vị", "unit"), ("Ghi chú", "note"),
                                           ("Đơn vị hành chính", "unknown")])
def test_role_headings(heading, role):
    assert read_heading(heading).role == role


def test_a_heading_that_names_no_kind_is_asked_not_guessed():
    h = read_heading("Năm 2025")
    assert h.role == "unknown" and "chọn" in h.reason_vi


@pytest.mark.parametrize("sender, indicator, factor", [
    ("Triệu đồng", "tỷ đồng", 0.001), ("tỷ đồng", "tỷ đồng", 1.0), ("Tỷ đồng", "triệu đồng", 1000.0),
    ("Tr.đ", "tỷ đồng", 0.001), ("nghìn người", "người", 1000.0), ("km2", "ha", 100.0), ("m", "km", 0.001),
    ("Triệu đồng/người", "triệu đồng/người", 1.0), ("nghìn đồng/người", "triệu đồng/người", 0.001),
    ("", "người", 1.0), ("%", "%", 1.0), ("Người", "người", 1.0),
])
def test_units_convert_where_only_the_scale_differs(sender, indicator, factor):
    conv = conversion(sender, indicator)
    assert conv.ok and conv.factor == pytest.approx(factor)


@pytest.mark.parametrize("sender, indicator", [("ha", "người"), ("%", "người"), ("người", "%"),
                                               ("tỷ đồng", "triệu USD"), ("km", "ha"), ("hộ", "người")])
def test_units_of_another_quantity_are_refused(sender, indicator):
    conv = conversion(sender, indicator)
    assert not conv.ok and sender in conv.reason_vi and indicator in conv.reason_en


@dataclass
class Ind:
    name_vi: str
    name_en: str
    unit: str


CATALOGUE = {
    "budget_revenue": Ind("Thu ngân sách nhà nước trên địa bàn", "State budget revenue", "tỷ đồng"),
    "poverty_rate": Ind("Tỷ lệ hộ nghèo đa chiều", "Multidimensional poverty rate", "%"),
    "trained_labour_share": Ind("Tỷ lệ lao động qua đào tạo", "Trained labour share", "%"),
    "population_avg": Ind("Dân số trung bình", "Average population", "người"),
    "urban_population": Ind("Dân số thành thị", "Urban population", "người"),
    "grdp_growth": Ind("Tốc độ tăng trưởng GRDP", "GRDP growth", "%"),
    "grdp_current": Ind("Tổng sản phẩm trên địa bàn (GRDP, giá hiện hành)", "GRDP at current prices", "tỷ đồng"),
    "forest_planted": Ind("Diện tích rừng trồng mới", "Newly planted forest", "ha"),
}


@pytest.mark.parametrize("name, unit, code", [
    ("Thu NSNN trên địa bàn", "tỷ đồng", "budget_revenue"),
    ("1. Thu ngân sách nhà nước trên địa bàn", "Triệu đồng", "budget_revenue"),
    ("TỶ LỆ HỘ NGHÈO ĐA CHIỀU", "%", "poverty_rate"),
    ("Ty le ho ngheo da chieu", "%", "poverty_rate"),
    ("Dân số trung bình", "Người", "population_avg"),
    ("Tốc độ tăng trưởng GRDP", "%", "grdp_growth"),
    ("Tổng sản phẩm trên địa bàn (giá hiện hành)", "Tỷ đồng", "grdp_current"),
])
def test_row_names_find_their_indicator(name, unit, code):
    m = Matcher(CATALOGUE).match(name, unit)
    assert m.code == code and m.score >= ACCEPT


def test_no_silent_guess_below_the_threshold():
    matcher = Matcher(CATALOGUE)
    near = matcher.match("Diện tích trồng lúa", "ha")  # close words, another indicator
    assert near.code is None and near.suggestion is not None and SUGGEST <= near.score < ACCEPT
    far = matcher.match("Số trường mầm non", "trường")
    assert far.code is None and far.suggestion is None
    other_quantity = matcher.match("Tỷ lệ hộ nghèo đa chiều", "người")  # the unit of another quantity
    assert other_quantity.code is None


def test_a_profile_knows_a_name_confirmed_before():
    matcher = Matcher(CATALOGUE)
    known = {name_key("Số hộ thoát nghèo trong năm"): "poverty_rate", name_key("Số trường mầm non"): None}
    m = matcher.match("Số hộ thoát nghèo trong năm", "%", known)
    assert (m.code, m.score, m.source) == ("poverty_rate", 100.0, "profile")
    left_out = matcher.match("Số trường mầm non", "trường", known)
    assert left_out.code is None and left_out.source == "profile"


def test_a_lone_decimal_mark_of_the_other_style_clashes():
    assert numbers.clashes(numbers.parse_text("10.8"), "vi")
    assert numbers.clashes(numbers.parse_text("10,8"), "en")
    assert not numbers.clashes(numbers.parse_text("10,8"), "vi")
    assert not numbers.clashes(numbers.parse_text("1.234.567,8"), "vi")
    assert not numbers.clashes(numbers.parse_text("10.8"), None)  # nothing tells the file's style
    assert numbers.parse_text("2 345 678").value == 2345678.0
    pct = numbers.parse_text("12,45%")
    assert pct.value == 12.45 and pct.percent


def test_a_sender_line_names_a_unit_and_the_report_year_picks_among_namesakes():
    import datetime as dt

    from qh_data.intake.senders import Directory, read_sender

    units = [
        {"code": "20", "name": "Lạng Sơn", "level": "province", "valid_from": None, "valid_to": None,
         "parent_code": None},
        {"code": "180", "name": "Huyện Tràng Định", "level": "district", "valid_from": None,
         "valid_to": dt.date(2025, 6, 30), "parent_code": "20"},
        {"code": "06100", "name": "Xã Hùng Sơn", "level": "commune", "valid_from": None,
         "valid_to": dt.date(2025, 6, 30), "parent_code": "180"},
        {"code": "06101", "name": "Xã Hùng Sơn", "level": "commune", "valid_from": dt.date(2025, 7, 1),
         "valid_to": None, "parent_code": "20"},
    ]
    agencies = [{"code": "LS-UBND-180", "name": "UBND huyện Tràng Định", "kind": "ubnd_huyen", "province_code": "20",
                 "admin_unit_code": "180"},
                {"code": "LS-STC", "name": "Sở Tài chính tỉnh Lạng Sơn", "kind": "so", "province_code": "20",
                 "admin_unit_code": "20"}]
    d = Directory(units, agencies)
    lines = ["ỦY BAN NHÂN DÂN TỈNH LẠNG SƠN", "UBND XÃ HÙNG SƠN"]
    assert read_sender(lines, d, year=2024).unit_code == "06100"
    assert read_sender(lines, d, year=2026).unit_code == "06101"
    unsure = read_sender(lines, d)
    assert unsure.unit_code is None and {c for c, _ in unsure.candidates} == {"06100", "06101"}
    district = read_sender(["UBND HUYỆN TRÀNG ĐỊNH\nPHÒNG TÀI CHÍNH - KẾ HOẠCH"], d)
    assert (district.unit_code, district.agency_code) == ("180", "LS-UBND-180")
    department = read_sender(["UBND TỈNH LẠNG SƠN", "SỞ TÀI CHÍNH"], d)
    assert (department.unit_code, department.agency_code, department.level) == ("20", "LS-STC", "province")
    assert read_sender(["CÔNG TY CỔ PHẦN"], d).unit_code is None
