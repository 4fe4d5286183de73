"""Reporting periods: a year ("2020"), a half-year ("2026-H1", "2026-H2") or a quarter ("2026-Q3").

The code is what the store keeps in ``indicator_value.period``; everything else (type, year,
first and last day, order, labels) is derived from it here, in one place.

Order (``sort_key``): periods sort by the day they end, and a shorter period before a longer one
ending the same day, so a year comes after its halves and quarters — the order of a report that
gives the parts before the whole::

    2025 < 2026-Q1 < 2026-Q2 < 2026-H1 < 2026-Q3 < 2026-Q4 < 2026-H2 < 2026
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .errors import ValidationFailed

PERIOD_TYPES = ("year", "half", "quarter")
MIN_YEAR = 1900
MAX_YEAR = 2100

_PATTERN = re.compile(r"^(\d{4})(?:-([HQ])(\d))?$")
_LENGTH_RANK = {"quarter": 0, "half": 1, "year": 2}  # shorter first among periods ending the same day


@dataclass(frozen=True, order=False)
class Period:
    """A parsed period code. ``part`` is None for a year, 1–2 for a half, 1–4 for a quarter."""

    code: str
    type: str
    year: int
    part: int | None

    @property
    def start(self) -> dt.date:
        if self.type == "year":
            return dt.date(self.year, 1, 1)
        months = 6 if self.type == "half" else 3
        return dt.date(self.year, (self.part - 1) * months + 1, 1)

    @property
    def end(self) -> dt.date:
        if self.type == "year":
            return dt.date(self.year, 12, 31)
        months = 6 if self.type == "half" else 3
        last_month = self.part * months
        if last_month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, last_month + 1, 1) - dt.timedelta(days=1)

    @property
    def sort_key(self) -> tuple[dt.date, int]:
        return (self.end, _LENGTH_RANK[self.type])

    @property
    def label_vi(self) -> str:
        if self.type == "year":
            return f"Năm {self.year}"
        if self.type == "half":
            return f"6 tháng {'đầu' if self.part == 1 else 'cuối'} năm {self.year}"
        return f"Quý {self.part}/{self.year}"

    @property
    def label_en(self) -> str:
        if self.type == "year":
            return str(self.year)
        if self.type == "half":
            return f"H{self.part} {self.year}"
        return f"Q{self.part} {self.year}"

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.code


def _invalid(code: object) -> ValidationFailed:
    shown = str(code)[:40]
    return ValidationFailed(
        f"Kỳ số liệu '{shown}' không hợp lệ: hãy ghi năm (2020), nửa năm (2026-H1, 2026-H2) "
        f"hoặc quý (2026-Q1 đến 2026-Q4), năm từ {MIN_YEAR} đến {MAX_YEAR}.",
        f"Period '{shown}' is not valid: write a year (2020), a half-year (2026-H1, 2026-H2) "
        f"or a quarter (2026-Q1 to 2026-Q4), with a year from {MIN_YEAR} to {MAX_YEAR}.",
    )


def parse(code: str | int | Period) -> Period:
    """Parse a period code; surrounding spaces and lower-case h/q are accepted ("2026-h1").

    Raises ``ValidationFailed`` (Vietnamese and English sentence) for anything else.
    """
    if isinstance(code, Period):
        return code
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise _invalid(code)
    text = str(code).strip().upper()
    match = _PATTERN.match(text)
    if not match:
        raise _invalid(code)
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _invalid(code)
    letter, digit = match.group(2), match.group(3)
    if letter is None:
        return Period(code=str(year), type="year", year=year, part=None)
    part = int(digit)
    if letter == "H" and part in (1, 2):
        return Period(code=f"{year}-H{part}", type="half", year=year, part=part)
    if letter == "Q" and part in (1, 2, 3, 4):
        return Period(code=f"{year}-Q{part}", type="quarter", year=year, part=part)
    raise _invalid(code)


def validate(code: str | int) -> str:
    """The canonical code ("2026-h1 " → "2026-H1"), or ``ValidationFailed``."""
    return parse(code).code


def is_valid(code: object) -> bool:
    try:
        parse(code)  # type: ignore[arg-type]
    except ValidationFailed:
        return False
    return True


def period_type(code: str | int) -> str:
    return parse(code).type


def year(code: str | int) -> int:
    return parse(code).year


def start_date(code: str | int) -> dt.date:
    return parse(code).start


def end_date(code: str | int) -> dt.date:
    return parse(code).end


def sort_key(code: str | int) -> tuple[dt.date, int]:
    """Key for ``sorted``: by the day the period ends, the shorter first on the same day."""
    return parse(code).sort_key


def sort_periods(codes) -> list[str]:
    """Canonical codes sorted chronologically (see ``sort_key``)."""
    return [p.code for p in sorted((parse(c) for c in codes), key=lambda p: p.sort_key)]


def label_vi(code: str | int) -> str:
    """"Năm 2026", "6 tháng đầu năm 2026", "6 tháng cuối năm 2026", "Quý 3/2026"."""
    return parse(code).label_vi


def label_en(code: str | int) -> str:
    """"2026", "H1 2026", "H2 2026", "Q3 2026"."""
    return parse(code).label_en


def label(code: str | int, lang: str = "vi") -> str:
    return parse(code).label(lang)


def year_code(y: int) -> str:
    return parse(int(y)).code


def half_code(y: int, half: int) -> str:
    return parse(f"{int(y)}-H{int(half)}").code


def quarter_code(y: int, quarter: int) -> str:
    return parse(f"{int(y)}-Q{int(quarter)}").code


def period_of(day: dt.date, kind: str = "year") -> str:
    """The period of the given type containing ``day``."""
    if kind == "year":
        return str(day.year)
    if kind == "half":
        return f"{day.year}-H{1 if day.month <= 6 else 2}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    raise ValidationFailed(f"Loại kỳ '{kind}' không hợp lệ: year, half hoặc quarter.",
                           f"Period type '{kind}' is not valid: year, half or quarter.")
