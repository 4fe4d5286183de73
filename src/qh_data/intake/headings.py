"""Column headings of the workbooks senders already use, read as (period, kind) or as a column to leave out.

    read_heading("Ước TH 6 tháng 2025")      -> Heading(role="value", period="2025-H1", kind="estimate")
    read_heading("Kế hoạch 2026")            -> Heading(role="value", period="2026", kind="target")
    read_heading("So sánh (%)")              -> Heading(role="ignored", reason_vi=..., reason_en=...)
    read_heading("Chỉ tiêu")                 -> Heading(role="name")

Headings are compared folded (no diacritics, lower case) word by word, so "TH", "Thực hiện" and
"thuc hien" read alike. A heading under a merged parent ("Năm 2025" over "Kế hoạch" | "Ước TH") is read
as the two joined ("Năm 2025 Kế hoạch"). A heading with a kind but no year takes the report's year
(``context_year``, read from the title); a heading whose period or kind cannot be told is ``unknown``
with the reason, never a guess: the user chooses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .common import norm_key

ROLES = ("stt", "name", "unit", "note", "value", "ignored", "unknown")

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d|2100)(?!\d)")
_QUARTER = re.compile(r"\bquy\s*(i{1,3}|iv|[1-4])\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_WORDS = re.compile(r"[a-z0-9%]+")

# (folded words that must all appear as whole words, role)
_ROLE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("stt",), "stt"), (("so", "tt"), "stt"), (("tt",), "stt"),
    (("ten", "chi", "tieu"), "name"), (("chi", "tieu"), "name"), (("noi", "dung"), "name"),
    (("danh", "muc"), "name"), (("indicator",), "name"),
    (("dvt",), "unit"), (("don", "vi", "tinh"), "unit"), (("unit",), "unit"), (("don", "vi"), "unit"),
    (("ghi", "chu"), "note"), (("note",), "note"),
)

# (words, reason vi, reason en): columns that are never figures of the store
_IGNORED: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("cung", "ky"), "so với cùng kỳ: một phép so sánh, hệ thống tự tính", "same period last year: a comparison the "
     "system computes"),
    (("so", "sanh"), "cột so sánh: hệ thống tự tính", "a comparison column: the system computes it"),
    (("so", "voi"), "cột so sánh: hệ thống tự tính", "a comparison column: the system computes it"),
    (("tang", "giam"), "mức tăng, giảm: hệ thống tự tính", "an increase/decrease: the system computes it"),
    (("chenh", "lech"), "chênh lệch: hệ thống tự tính", "a difference: the system computes it"),
    (("luy", "ke"), "số lũy kế: không phải một kỳ của hệ thống", "a cumulative figure: not a period of the system"),
    (("9", "thang"), "9 tháng: không phải một kỳ của hệ thống (năm, 6 tháng, quý)",
     "9 months: not a period of the system (year, half-year, quarter)"),
)
_PERCENT_OF = (("%",), ("ty", "le"), ("dat",))  # with "so" / "kh" and no kind of their own: a ratio

_ESTIMATE = (("uoc",), ("du", "uoc"), ("uth",), ("estimate",))
_TARGET = (("ke", "hoach"), ("kh",), ("muc", "tieu"), ("target",), ("plan",), ("nhiem", "vu"), ("du", "toan"))
_ACTUAL = (("thuc", "hien"), ("th",), ("actual",), ("tth",))


@dataclass(frozen=True)
class Heading:
    """What one column holds. ``period``/``kind`` only for ``value``; ``reason_*`` for ``ignored`` and
    ``unknown`` (what the user is shown next to the column)."""

    role: str
    period: str | None = None
    kind: str | None = None
    reason_vi: str = ""
    reason_en: str = ""

    @property
    def is_value(self) -> bool:
        return self.role == "value"

    def as_dict(self) -> dict:
        return {"role": self.role, "period": self.period, "kind": self.kind, "reason_vi": self.reason_vi,
                "reason_en": self.reason_en}


def _has(words: list[str], seq: tuple[str, ...]) -> bool:
    """``seq`` appears in ``words`` as consecutive whole words."""
    n = len(seq)
    return any(tuple(words[i:i + n]) == seq for i in range(len(words) - n + 1))


def _any(words: list[str], seqs) -> bool:
    return any(_has(words, s) for s in seqs)


def words_of(text) -> list[str]:
    return _WORDS.findall(norm_key(text).replace("đ", "d"))


def _kind(words: list[str]) -> str | None:
    if _any(words, _ESTIMATE):
        return "estimate"  # "Ước thực hiện": the estimate words win over "thực hiện"
    if _any(words, _TARGET):
        return "target"
    if _any(words, _ACTUAL):
        return "actual"
    return None


def _part(words: list[str], folded: str) -> tuple[str, int] | None | str:
    """("H", 1|2), ("Q", n), None for a whole year; "bad" for a span the store has no period for."""
    if m := _QUARTER.search(folded):
        q = m.group(1)
        return ("Q", _ROMAN.get(q) or int(q))
    if _has(words, ("6", "thang")) or _has(words, ("sau", "thang")):
        if _has(words, ("cuoi",)) or _has(words, ("6", "thang", "cuoi")):
            return ("H", 2)
        return ("H", 1)
    if _has(words, ("thang",)):
        return "bad"  # "3 tháng", "tháng 5": months are not periods of the store
    return None


def _role_of(words: list[str]) -> str | None:
    for seq, role in _ROLE_WORDS:
        short = seq in (("tt",), ("don", "vi"))  # "TT", "Đơn vị" only as the whole heading
        if _has(words, seq) and (not short or len(words) <= 2) and (role != "stt" or len(words) <= 2):
            if role == "name" and _YEAR.search(" ".join(words)):
                return None  # "Chỉ tiêu KH 2026": a value column, not the name column
            return role
    return None


def read_heading(text, context_year: int | None = None) -> Heading:
    """The meaning of one column heading (already joined with its merged parent, if any)."""
    folded = " ".join(words_of(text))
    words = folded.split()
    if not words:
        return Heading("unknown", reason_vi="cột không có tiêu đề", reason_en="the column has no heading")
    role = _role_of(words)
    if role is not None:
        return Heading(role)
    for seq, vi, en in _IGNORED:
        if _has(words, seq):
            return Heading("ignored", reason_vi=vi, reason_en=en)
    kind = _kind(words)
    if kind is None and any(_has(words, s) for s in _PERCENT_OF):
        return Heading("ignored", reason_vi="tỷ lệ so sánh (%): hệ thống tự tính",
                       reason_en="a ratio (%): the system computes it")
    if kind is not None and any(_has(words, s) for s in _PERCENT_OF) and ("so" in words or "%" in words):
        return Heading("ignored", reason_vi="tỷ lệ thực hiện so với kế hoạch (%): hệ thống tự tính",
                       reason_en="the share of the plan achieved (%): the system computes it")
    years = [int(y) for y in _YEAR.findall(folded)]
    part = _part(words, folded)
    if part == "bad":
        return Heading("ignored", reason_vi="số liệu theo tháng: không phải một kỳ của hệ thống (năm, 6 tháng, quý)",
                       reason_en="a monthly figure: not a period of the system (year, half-year, quarter)")
    if kind is None:
        return Heading("unknown", reason_vi="không rõ là thực hiện, ước thực hiện hay kế hoạch: hãy chọn",
                       reason_en="cannot tell actual, estimate or target: choose one")
    if len(set(years)) > 1:
        if kind == "target":  # "Mục tiêu giai đoạn 2026-2030": the end of the span
            years = [max(years)]
        else:
            return Heading("unknown", reason_vi="tiêu đề có nhiều năm: hãy chọn kỳ",
                           reason_en="the heading names several years: choose the period")
    year = years[0] if years else context_year
    if year is None:
        return Heading("unknown", reason_vi="tiêu đề không ghi năm: hãy chọn kỳ",
                       reason_en="the heading gives no year: choose the period")
    if part is None:
        period = str(year)
    else:
        period = f"{year}-{part[0]}{part[1]}"
    return Heading("value", period=period, kind=kind)


def context_year(texts) -> int | None:
    """The report's year from its title lines ("BÁO CÁO ... NĂM 2025"): the last year named in a title."""
    found = None
    for text in texts:
        folded = " ".join(words_of(text))
        if "nam" in folded.split() or "bao cao" in folded:
            years = _YEAR.findall(folded)
            if years:
                found = int(years[-1])
    return found
