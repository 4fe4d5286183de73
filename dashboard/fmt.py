"""Numbers and dates written the Vietnamese way (1.234,5 · 85,3 % · 31/12/2026) or the English way."""

from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from qh_data.maps.model import Words

from .i18n import translate

LOCALE = {"vi": "vi_VN", "en": "en_GB"}


def _locale(lang: str) -> str:
    return LOCALE.get(lang, "vi_VN")


def number(value: float | None, decimals: int = 0, lang: str = "vi", empty: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(round(float(value), decimals) if decimals else round(float(value)), pattern,
                          locale=_locale(lang))


def percent(value: float | None, decimals: int = 1, lang: str = "vi", empty: str = "–") -> str:
    """``value`` is already in percent (85.3 -> "85,3 %")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    sep = "\u00a0" if lang == "vi" else ""
    return f"{number(value, decimals, lang)}{sep}%"


def date(value: dt.date | None, lang: str = "vi", empty: str = "–") -> str:
    if value is None:
        return empty
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if lang == "vi":
        return format_date(value, "dd/MM/yyyy", locale="vi_VN")
    return format_date(value, "d MMM yyyy", locale="en_GB")


def datetime(value: dt.datetime | None, lang: str = "vi", empty: str = "–") -> str:
    if value is None:
        return empty
    if lang == "vi":
        return format_datetime(value, "HH:mm dd/MM/yyyy", locale="vi_VN")
    return format_datetime(value, "d MMM yyyy, HH:mm", locale="en_GB")


def date_input_format(lang: str) -> str:
    return "DD/MM/YYYY" if lang == "vi" else "YYYY-MM-DD"


# The catalogue and these formats, for qh_data functions that write words and numbers (the map model).
WORDS = Words(translate=translate, number=number, percent=percent)
