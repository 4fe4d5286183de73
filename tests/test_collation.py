"""Vietnamese alphabetical order for names (``qh_data.collation``).

The rules one by one (Đ after D, Ơ after Ô after O, Ư after U, Ă and Â after A, tones, case, NFD input),
then the whole order against ICU's: on PostgreSQL the database's ``"vi-x-icu"`` collation sorts a grid
of real names (every district and agency of the reference data) and generated syllables exactly as
``sort_key`` does; on SQLite the registered ``COLLATE vi`` does the same in SQL.
"""

from __future__ import annotations

import csv
import itertools
import random
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, Text, insert, select

from qh_data import collation
from qh_data.collation import sort_key, sorted_names

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_d_with_stroke_is_a_letter_after_d():
    names = ["Đống Đa", "Dương Minh Châu", "Đà Lạt", "Duy Tiên", "Điện Biên", "Dầu Tiếng", "Đầm Hà", "Di Linh"]
    assert sorted_names(names) == ["Dầu Tiếng", "Di Linh", "Duy Tiên", "Dương Minh Châu",
                                   "Đà Lạt", "Đầm Hà", "Điện Biên", "Đống Đa"]
    assert sort_key("Dz") < sort_key("Đa") and sort_key("d") < sort_key("đ") < sort_key("e")


def test_o_u_and_a_with_marks_are_letters_of_their_own():
    assert sorted_names(["ơn", "ôm", "ong", "on", "ốc", "ở", "oa"]) == ["oa", "on", "ong", "ốc", "ôm", "ở", "ơn"]
    assert sorted_names(["ưng", "uy", "ứng", "uống", "ủy", "ươn"]) == ["uống", "uy", "ủy", "ưng", "ứng", "ươn"]
    assert sorted_names(["Ân", "Anh", "Ăn", "Ấp", "Ắc", "Am"]) == ["Am", "Anh", "Ắc", "Ăn", "Ân", "Ấp"]
    assert sorted_names(["ê", "e", "eo", "ếch"]) == ["e", "eo", "ê", "ếch"]
    order = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    assert sorted_names(reversed(order)) == order


def test_tones_are_a_second_level_in_the_vietnamese_order():
    assert sorted_names(["ạ", "á", "ã", "ả", "à", "a"]) == ["a", "à", "ả", "ã", "á", "ạ"]  # ngang huyền hỏi ngã sắc nặng
    assert sorted_names(["bạn", "bán", "ban", "bàn", "bản"]) == ["ban", "bàn", "bản", "bán", "bạn"]
    # letters first, tones only when the letters are the same; the first syllable that differs decides
    assert sorted_names(["bá", "bac", "ba"]) == ["ba", "bá", "bac"]
    assert sorted_names(["Hòa Bình", "Hoà Bình", "Hoa Binh"]) == ["Hoa Binh", "Hoà Bình", "Hòa Bình"]
    assert sorted_names(["bà ba", "ba bà"]) == ["ba bà", "bà ba"]


def test_case_is_the_last_difference_lower_case_first():
    assert sorted_names(["ANH", "Anh", "anh", "Ăn", "ăn"]) == ["anh", "Anh", "ANH", "ăn", "Ăn"]
    assert sorted_names(["Đà", "đà", "Da"]) == ["Da", "đà", "Đà"]
    assert sort_key("Đà Nẵng") != sort_key("đà nẵng")


def test_decomposed_input_gives_the_same_key_as_composed():
    for name in ["Đồng Đăng", "Tràng Định", "Lộc Bình", "Hữu Lũng", "Thường Xuân", "Ứng Hòa", "Quỳnh Lưu"]:
        assert sort_key(nfd(name)) == sort_key(name)
    # the marks of "ệ" come as dot below then circumflex in NFD: still ê with nặng
    assert sort_key("e\u0323\u0302") == sort_key("ệ") and sort_key("ệ")[0] == sort_key("ê")[0]


def test_spaces_punctuation_and_digits_come_before_letters():
    assert sorted_names(["An1", "An-Bình", "Anh", "An Bình", "An 2", "An"]) == [
        "An", "An 2", "An Bình", "An-Bình", "An1", "Anh"]
    assert sort_key(None) == sort_key("") < sort_key("a")


def test_sorting_records_by_their_name():
    agencies = [{"code": "LS-SXD", "name": "Sở Xây dựng"}, {"code": "LS-STC", "name": "Sở Tài chính"},
                {"code": "LS-SCT", "name": "Sở Công Thương"}, {"code": "LS-UBND", "name": "Ủy ban nhân dân tỉnh"}]
    assert [a["code"] for a in sorted_names(agencies, key=lambda a: a["name"])] == [
        "LS-SCT", "LS-STC", "LS-SXD", "LS-UBND"]
    assert collation.sqlite_compare("Đà", "Da") == 1 and collation.sqlite_compare("a", "a") == 0


# --- the whole order, against ICU's Vietnamese collation -------------------------------------------------

INITIALS = ["", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p",
            "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"]
VOWELS = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "uy", "ươ", "iê", "ưa"]
FINALS = ["", "c", "n", "ng", "nh", "t"]
TONE_MARKS = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]


def _syllable(initial: str, vowel: str, final: str, tone: str) -> str:
    # the tone sits on the vowel's last letter, composed as people type it
    return unicodedata.normalize("NFC", initial + vowel + tone + final)


def grid() -> list[str]:
    names: set[str] = set()
    for path, columns in ((REFERENCE / "districts.csv", ("province_name", "district_name")),
                          (REFERENCE / "agencies.csv", ("name_vi",))):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                names.update(unicodedata.normalize("NFC", row[c]) for c in columns)
    rng = random.Random(20261206)
    syllables = [_syllable(*parts) for parts in itertools.product(INITIALS, VOWELS, FINALS, TONE_MARKS)]
    names.update(rng.sample(syllables, 2500))
    names.update(s.capitalize() for s in rng.sample(syllables, 500))
    names.update(s.upper() for s in rng.sample(syllables, 200))
    names.update(f"{a} {b}".title() for a, b in zip(rng.sample(syllables, 800), rng.sample(syllables, 800)))
    return sorted(names)  # code point order: a shuffle as far as Vietnamese order is concerned


def test_the_grid_is_large_and_vietnamese():
    names = grid()
    assert len(names) > 3500
    assert any(n.startswith("Đ") for n in names) and any("ư" in n for n in names) and any("ặ" in n for n in names)


def test_sql_order_with_the_database_collation_is_the_same_as_sort_key(engine):
    names = grid()
    table = Table("collation_grid", MetaData(), Column("w", Text), prefixes=["TEMPORARY"])
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            collation.register_sqlite(conn.connection.dbapi_connection)
        table.create(conn)
        conn.execute(insert(table), [{"w": n} for n in names])
        in_sql = conn.execute(select(table.c.w).order_by(
            table.c.w.collate(collation.sql_collation(engine.dialect.name)))).scalars().all()
        conn.rollback()
    expected = sorted(names, key=sort_key)
    if in_sql != expected:  # name the first disagreement rather than print 4,000 names
        i = next(i for i, (a, b) in enumerate(zip(in_sql, expected, strict=True)) if a != b)
        pytest.fail(f"position {i}: the database has {in_sql[i - 1:i + 2]}, sort_key {expected[i - 1:i + 2]}")
