"""A row's name ("Thu NSNN trên địa bàn") → an indicator of the catalogue, with a score the user sees.

Names are compared folded (no diacritics, lower case, punctuation and the row's own numbering dropped)
after the usual abbreviations are written out (TH, KH, NSNN, BQ, NTM, BHYT, …; "Tổng sản phẩm trên địa
bàn" and "GRDP" read alike), by rapidfuzz: the mean of its token-sort and token-set ratios, so a word
more or fewer costs a little and other words cost a lot. The row's unit (ĐVT) moves the score: the
indicator's own unit +3, a unit of another quantity −30 (a number of people is never a rate).

- score ≥ ``ACCEPT``: proposed as the match (the user can still change it);
- ``SUGGEST`` ≤ score < ``ACCEPT``: shown as a suggestion only: the row is not imported until the user
  confirms it (never a silent guess);
- below ``SUGGEST``: no suggestion; the user picks an indicator or leaves the row out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .common import norm_key
from .measures import conversion, measure

ACCEPT = 88.0
SUGGEST = 70.0
UNIT_SAME_BONUS = 3.0
UNIT_OTHER_PENALTY = 30.0
CANDIDATES = 3

ABBREVIATIONS = {
    "th": "thuc hien", "kh": "ke hoach", "dvt": "don vi tinh", "nsnn": "ngan sach nha nuoc",
    "ns": "ngan sach", "bq": "binh quan", "bqdn": "binh quan dau nguoi", "ntm": "nong thon moi",
    "bhyt": "bao hiem y te", "bhxh": "bao hiem xa hoi", "dn": "doanh nghiep", "gtnt": "giao thong nong thon",
    "ktxh": "kinh te xa hoi", "kt": "kinh te", "xh": "xa hoi", "ld": "lao dong", "sx": "san xuat",
    "xk": "xuat khau", "nk": "nhap khau", "tm": "thuong mai", "dv": "dich vu", "cn": "cong nghiep",
    "xd": "xay dung", "gd": "giao duc", "yt": "y te", "hs": "hoc sinh", "tp": "thanh pho",
    "vdt": "von dau tu", "ttxh": "toan xa hoi", "tb": "trung binh",
}
_PHRASES = (("tong san pham tren dia ban", "grdp"), ("tong san pham", "grdp"))
_NUMBERING = re.compile(r"^\s*(?:[ivxlc]+|[a-z]|\d+(?:\.\d+)*)\s*[.)/:-]\s+")
_PUNCT = re.compile(r"[^a-z0-9% ]+")


def name_key(text) -> str:
    """A row or indicator name as the matcher compares it."""
    t = norm_key(text)
    t = _NUMBERING.sub("", t)
    t = _PUNCT.sub(" ", t.replace("đ", "d"))
    words = [ABBREVIATIONS.get(w, w) for w in t.split()]
    t = " ".join(words)
    for phrase, short in _PHRASES:
        t = t.replace(phrase, short)
    return " ".join(t.split())


@dataclass(frozen=True)
class Candidate:
    code: str
    score: float


@dataclass(frozen=True)
class RowMatch:
    """The matcher's answer for one row: the accepted code (None below ``ACCEPT``) and the candidates."""

    code: str | None
    score: float
    candidates: tuple[Candidate, ...]
    source: str = "name"  # name | profile | none

    @property
    def suggestion(self) -> Candidate | None:
        best = self.candidates[0] if self.candidates else None
        return best if best is not None and best.score >= SUGGEST else None


def _scores(key: str, names: list[str]) -> list[float]:
    """The mean of rapidfuzz's token-sort and token-set ratios of ``key`` against every name (C loops)."""
    sort = process.cdist([key], names, scorer=fuzz.token_sort_ratio)[0]
    sets = process.cdist([key], names, scorer=fuzz.token_set_ratio)[0]
    return [(float(a) + float(b)) / 2 for a, b in zip(sort, sets, strict=True)]


class Matcher:
    """Matches row names against one catalogue; built once per file."""

    def __init__(self, indicators: dict[str, object]):
        # indicators: {code: object with name_vi, name_en, unit}
        self.indicators = indicators
        self.tables = []
        for attr in ("name_vi", "name_en"):
            pairs = [(code, name_key(getattr(ind, attr))) for code, ind in indicators.items() if getattr(ind, attr)]
            self.tables.append(([c for c, _ in pairs], [k for _, k in pairs]))
        self._memo: dict[tuple[str, str], RowMatch] = {}

    def _unit_shift(self, code: str, unit_text: str) -> float:
        if not norm_key(unit_text):
            return 0.0
        ind_unit = self.indicators[code].unit or ""
        conv = conversion(unit_text, ind_unit)
        if conv.ok:
            return UNIT_SAME_BONUS if conv.factor == 1.0 else 0.0
        if measure(unit_text) is not None and measure(ind_unit) is not None:
            return -UNIT_OTHER_PENALTY
        return -UNIT_OTHER_PENALTY / 3  # units the matcher cannot read: a small doubt

    def match(self, name, unit_text: str = "", known: dict[str, str] | None = None) -> RowMatch:
        """The indicator for a row named ``name`` with ĐVT ``unit_text``; ``known`` is a profile's
        {name key: code} (a name confirmed before wins at 100)."""
        key = name_key(name)
        if not key:
            return RowMatch(None, 0.0, (), "none")
        if known and key in known:
            code = known[key]
            if code is None:
                return RowMatch(None, 100.0, (), "profile")  # confirmed before as "leave out"
            if code in self.indicators:
                return RowMatch(code, 100.0, (Candidate(code, 100.0),), "profile")
        memo_key = (key, norm_key(unit_text))
        if memo_key not in self._memo:
            self._memo[memo_key] = self._match(key, unit_text)
        return self._memo[memo_key]

    def _match(self, key: str, unit_text: str) -> RowMatch:
        scored: dict[str, float] = {}
        for codes, names in self.tables:
            for code, score in zip(codes, _scores(key, names), strict=True):
                scored[code] = max(scored.get(code, 0.0), score)
        scored = dict(sorted(scored.items(), key=lambda x: -x[1])[:CANDIDATES * 3])
        ranked = sorted(((min(100.0, max(0.0, s + self._unit_shift(c, unit_text))), c) for c, s in scored.items()),
                        key=lambda x: (-x[0], x[1]))[:CANDIDATES]
        cands = tuple(Candidate(c, round(s, 1)) for s, c in ranked)
        best = cands[0] if cands else None
        if best is not None and best.score >= ACCEPT and (len(cands) < 2 or cands[1].score < best.score):
            return RowMatch(best.code, best.score, cands)
        return RowMatch(None, best.score if best else 0.0, cands, "none" if best is None else "name")
