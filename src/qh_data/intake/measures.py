"""Units of measure (đơn vị tính) as senders write them, against the indicator's: convert where only the
scale differs ("triệu đồng" → "tỷ đồng": ÷ 1.000), refuse where the dimension differs ("ha" for an
indicator in "người").

    conversion("Triệu đồng", "tỷ đồng")  -> Conversion(factor=0.001)
    conversion("ha", "người")             -> Conversion(factor=None, reason_vi=..., reason_en=...)

Understood: %, người (nghìn người, vạn người), đồng (nghìn / triệu / tỷ / nghìn tỷ đồng, "tr.đ", "tỷ đ"), USD
(nghìn / triệu / tỷ USD), ha (m², km²), km (m), tấn (nghìn tấn), lượt (nghìn lượt), and a ratio of two of
them ("triệu đồng/người"). Anything else is compared as text: the same words pass, others are refused.
A blank ĐVT cell takes the indicator's unit.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .common import norm_key

# folded word -> (dimension, scale in the dimension's base)
_BASE = {
    "%": ("percent", 1.0), "phan tram": ("percent", 1.0),
    "nguoi": ("person", 1.0), "dan": ("person", 1.0), "lao dong": ("person", 1.0),
    "dong": ("vnd", 1.0), "d": ("vnd", 1.0), "vnd": ("vnd", 1.0),
    "usd": ("usd", 1.0),
    "ha": ("area", 1.0), "hecta": ("area", 1.0), "m2": ("area", 1e-4), "km2": ("area", 100.0),
    "km": ("length", 1000.0), "m": ("length", 1.0),
    "tan": ("mass", 1.0),
    "luot": ("visit", 1.0), "luot khach": ("visit", 1.0), "luot nguoi": ("visit", 1.0),
}
_PREFIX = {"nghin": 1e3, "ngan": 1e3, "van": 1e4, "trieu": 1e6, "tr": 1e6, "ty": 1e9, "ti": 1e9,
           "nghin ty": 1e12, "ngan ty": 1e12}
_CLEAN = re.compile(r"[^a-z0-9%/ ]+")


@dataclass(frozen=True)
class Measure:
    dimension: str
    scale: float


@dataclass(frozen=True)
class Conversion:
    """``factor``: multiply the sender's figure by it to get the indicator's unit; None: refused (reason)."""

    factor: float | None
    reason_vi: str = ""
    reason_en: str = ""

    @property
    def ok(self) -> bool:
        return self.factor is not None


def _folded(text) -> str:
    t = norm_key(text).replace("²", "2").replace("đ", "d")
    t = t.replace("tr.d", "trieu dong").replace("trd", "trieu dong").replace(".", " ")
    return " ".join(_CLEAN.sub(" ", t).split())


def _simple(text: str) -> Measure | None:
    if text in _BASE:
        dim, scale = _BASE[text]
        return Measure(dim, scale)
    for prefix in sorted(_PREFIX, key=len, reverse=True):
        if text.startswith(prefix + " ") and (rest := text[len(prefix) + 1:]) in _BASE:
            dim, scale = _BASE[rest]
            return Measure(dim, scale * _PREFIX[prefix])
    return None


@functools.lru_cache(maxsize=4096)
def measure(text) -> Measure | None:
    """The dimension and scale of a unit as written, None when it is not one of the understood units."""
    folded = _folded(text)
    if not folded:
        return None
    if "/" in folded:
        top, _, bottom = folded.partition("/")
        a, b = _simple(top.strip()), _simple(bottom.strip())
        if a is None or b is None:
            return None
        return Measure(f"{a.dimension}/{b.dimension}", a.scale / b.scale)
    return _simple(folded)


@functools.lru_cache(maxsize=4096)
def conversion(sender_unit, indicator_unit) -> Conversion:
    """How a figure in ``sender_unit`` becomes one in ``indicator_unit``."""
    if not norm_key(sender_unit):
        return Conversion(1.0)
    if _folded(sender_unit) == _folded(indicator_unit):
        return Conversion(1.0)
    a, b = measure(sender_unit), measure(indicator_unit)
    if a is not None and b is not None:
        if a.dimension == b.dimension:
            return Conversion(a.scale / b.scale)
        return Conversion(None,
                          f"đơn vị tính '{sender_unit}' không đổi được sang '{indicator_unit}' (khác loại đại lượng)",
                          f"unit '{sender_unit}' cannot be converted to '{indicator_unit}' (a different quantity)")
    return Conversion(None, f"đơn vị tính '{sender_unit}' khác đơn vị của chỉ tiêu ('{indicator_unit}')",
                      f"unit '{sender_unit}' differs from the indicator's ('{indicator_unit}')")
