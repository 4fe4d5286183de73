"""Numbers as people type them into spreadsheets, Vietnamese way or English way.

Understood: ``1234.5``, ``1234,5``, ``1.234,5``, ``1,234.5``, ``1 234,5`` (space, no-break space or
narrow no-break space between thousands), ``85,3 %``, ``−5`` (Unicode minus), ``1e6``.

One separator followed by exactly three digits (``1.234`` or ``1,234``) can be read both ways; such a
number is returned with both readings (``ambiguous``) and the caller decides from the rest of the
file (``file_style``), defaulting to the Vietnamese way (dot = thousands, comma = decimals). A lone
decimal mark of the other convention (``10.8`` in a comma-decimal file) is flagged by ``clashes``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

_DROP = dict.fromkeys(map(ord, " \u00a0\u202f\u2009\u2007\u2008\u200a\u2002\u2003\t\u200b\ufeff'’"), None)
_MINUS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2013": "-", "\uff0d": "-", "\ufe63": "-"})
_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?[eE][+-]?\d+$")
_BODY = re.compile(r"^[0-9.,]+$")
_SPACE_CHARS = " \u00a0\u202f\u2009\u2007\u2008\u200a\u2002\u2003\t"
_INNER_SPACE = re.compile(f"\\d[{_SPACE_CHARS}]+\\d")
_SPACE_GROUPS = re.compile(f"^[+-]?\\d{{1,3}}(?:[{_SPACE_CHARS}]+\\d{{3}})+(?:[.,]\\d+)?[{_SPACE_CHARS}]*%?$")


@dataclass(frozen=True)
class Parsed:
    """The reading of one cell. ``value`` is None for a blank cell or when ``error`` is set."""

    value: float | None = None
    error: str | None = None  # not_number | formula | date | error_value
    percent: bool = False  # a percent sign, or a cell formatted as percent (value already × 100)
    ambiguous: tuple[float, float] | None = None  # (Vietnamese reading, English reading)
    style: str | None = None  # "vi" or "en" when the text shows its decimal convention unambiguously
    lone_mark: bool = False  # one "." or "," read as the decimal mark ("10.8", "12,45"): see ``clashes``

    @property
    def blank(self) -> bool:
        return self.value is None and self.error is None and self.ambiguous is None

    def resolved(self, file_style: str | None) -> float | None:
        if self.ambiguous is not None:
            return self.ambiguous[1] if file_style == "en" else self.ambiguous[0]
        return self.value


def _clean(value: float) -> float:
    return round(value, 10)


def _groups_ok(integer: str, sep: str) -> bool:
    parts = integer.split(sep)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]) and all(p.isdigit() for p in parts)


def _percent_and_sign(text: str) -> tuple[str, bool, float]:
    """The text without its percent sign (either end) and its leading sign."""
    percent = False
    if text.endswith("%"):
        percent, text = True, text[:-1]
    elif text.startswith("%"):
        percent, text = True, text[1:]
    sign = 1.0
    if text and text[0] in "+-":
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    return text, percent, sign


def _both_separators(text: str, sign: float, percent: bool) -> Parsed:
    """Commas and dots: the last one is the decimal mark, the other separates thousands."""
    last = max(text.rfind(","), text.rfind("."))
    dec = text[last]
    thou = "." if dec == "," else ","
    integer, frac = text[:last], text[last + 1:]
    if text.count(dec) != 1 or not frac.isdigit() or not _groups_ok(integer, thou):
        return Parsed(error="not_number")
    number = float(integer.replace(thou, "") + "." + frac)
    return Parsed(value=_clean(sign * number), percent=percent, style="vi" if dec == "," else "en")


def _one_separator(text: str, sep: str, several: bool, sign: float, percent: bool) -> Parsed:
    """One kind of separator: several times, thousands; once, a decimal mark, or both readings when
    exactly three digits follow it."""
    if several:
        if not _groups_ok(text, sep):
            return Parsed(error="not_number")
        return Parsed(value=_clean(sign * float(text.replace(sep, ""))), percent=percent,
                      style="vi" if sep == "." else "en")
    integer, frac = text.split(sep)
    if not frac.isdigit() or (integer and not integer.isdigit()):
        return Parsed(error="not_number")
    as_decimal = float((integer or "0") + "." + frac)
    if len(frac) == 3 and 1 <= len(integer) <= 3 and integer[0] != "0":
        as_thousands = float(integer + frac)
        vi, en = (as_decimal, as_thousands) if sep == "," else (as_thousands, as_decimal)
        return Parsed(percent=percent, ambiguous=(_clean(sign * vi), _clean(sign * en)))
    return Parsed(value=_clean(sign * as_decimal), percent=percent, style="vi" if sep == "," else "en",
                  lone_mark=True)


def parse_text(raw: str) -> Parsed:
    text = unicodedata.normalize("NFC", raw).translate(_MINUS).strip(_SPACE_CHARS + "\u200b\ufeff")
    if _INNER_SPACE.search(text) and not _SPACE_GROUPS.match(text):
        return Parsed(error="not_number")  # "12 34": spaces only between groups of thousands
    text = text.translate(_DROP).strip()
    if not text:
        return Parsed()
    text, percent, sign = _percent_and_sign(text)
    if not text:
        return Parsed(error="not_number")
    if _SCIENTIFIC.match(text):
        number = float(text)
        return Parsed(value=_clean(sign * number), percent=percent) if math.isfinite(number) else \
            Parsed(error="not_number")
    if not _BODY.match(text) or not any(ch.isdigit() for ch in text):
        return Parsed(error="not_number")
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        return _both_separators(text, sign, percent)
    if not commas and not dots:
        return Parsed(value=_clean(sign * float(text)), percent=percent)
    return _one_separator(text, "," if commas else ".", commas + dots > 1, sign, percent)


def parse_cell(value, data_type: str = "n", number_format: str | None = None) -> Parsed:
    """Read one spreadsheet cell as a number."""
    if data_type == "f":
        return Parsed(error="formula")
    if data_type == "e":
        return Parsed(error="error_value")
    if value is None:
        return Parsed()
    if isinstance(value, bool):
        return Parsed(error="not_number")
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return Parsed(error="date")
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            return Parsed(error="not_number")
        if number_format and "%" in number_format.replace('"%"', "").replace("\\%", ""):
            return Parsed(value=_clean(number * 100), percent=True)
        return Parsed(value=_clean(number))
    if isinstance(value, str):
        if value.lstrip().startswith("="):
            return Parsed(error="formula")
        return parse_text(value)
    return Parsed(error="not_number")


def file_style(readings) -> str | None:
    """The decimal convention a file shows: "vi", "en" or None when nothing tells."""
    vi = en = 0
    for p in readings:
        if p.style == "vi":
            vi += 1
        elif p.style == "en":
            en += 1
    if vi == en:
        return None
    return "vi" if vi > en else "en"


def clashes(reading: Parsed, style: str | None) -> bool:
    """A lone decimal mark of the other convention than the file's: ``10.8`` in a file that writes
    decimals with a comma may be 10,8 or 108 typed with a stray dot. Templates take it as written; the
    senders' own workbooks (``intake.foreign``) report it at its cell."""
    return reading.lone_mark and style is not None and reading.style is not None and reading.style != style


def fmt_num(value: float | None, lang: str = "vi") -> str:
    """A number for a message: 1234.5 -> "1.234,5" (vi) or "1,234.5" (en); up to 6 decimals."""
    if value is None:
        return "–"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text
