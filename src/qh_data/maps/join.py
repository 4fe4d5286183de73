"""Joining boundaries to administrative units by GSO code (``feature.properties.code``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from qh_data.errors import ConfigError


def _code(value) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def _sort_key(code: str):
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


def _sorted(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(codes), key=_sort_key))


def feature_code(feature: dict) -> str | None:
    return _code((feature.get("properties") or {}).get("code"))


@dataclass(frozen=True)
class JoinReport:
    """How the boundary features and the unit codes match.

    ``missing_in_geo``: unit codes without a boundary; ``extra_in_geo``: boundary codes that are not
    among the units; ``matched``: codes in both. ``uncoded_features``: names of features with no code
    at all (2 in the national file); ``duplicate_codes``: codes carried by more than one feature.
    """

    missing_in_geo: tuple[str, ...]
    extra_in_geo: tuple[str, ...]
    matched: tuple[str, ...]
    uncoded_features: tuple[str, ...] = ()
    duplicate_codes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (self.missing_in_geo or self.extra_in_geo or self.duplicate_codes)


def join_codes(geojson: dict, unit_codes: Iterable[str | int]) -> JoinReport:
    units = {c for c in (_code(u) for u in unit_codes) if c is not None}
    counts: Counter[str] = Counter()
    uncoded: list[str] = []
    for f in geojson.get("features", []):
        c = feature_code(f)
        if c is None:
            uncoded.append(str((f.get("properties") or {}).get("name") or "?"))
        else:
            counts[c] += 1
    geo = set(counts)
    return JoinReport(
        missing_in_geo=_sorted(units - geo),
        extra_in_geo=_sorted(geo - units),
        matched=_sorted(units & geo),
        uncoded_features=tuple(uncoded),
        duplicate_codes=_sorted(c for c, n in counts.items() if n > 1),
    )


def _list(codes: tuple[str, ...], limit: int = 25) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" (+{len(codes) - limit})" if len(codes) > limit else "")


def require_codes_match(geojson: dict, unit_codes: Iterable[str | int], *, allow_extra: bool = False,
                        allow_missing: bool = False, layer: str = "") -> JoinReport:
    """Like :func:`join_codes`, but raise :class:`ConfigError` naming the codes that do not match.

    ``allow_extra``: boundaries for units that are not listed are fine (e.g. the national layer drawn
    for one province's units); ``allow_missing``: units without a boundary are fine.
    """
    rep = join_codes(geojson, unit_codes)
    vi: list[str] = []
    en: list[str] = []
    if rep.missing_in_geo and not allow_missing:
        vi.append(f"không có ranh giới cho mã {_list(rep.missing_in_geo)}")
        en.append(f"no boundary for code(s) {_list(rep.missing_in_geo)}")
    if rep.extra_in_geo and not allow_extra:
        vi.append(f"có ranh giới cho mã {_list(rep.extra_in_geo)} không thuộc danh mục đơn vị")
        en.append(f"boundaries for code(s) {_list(rep.extra_in_geo)} that are not among the units")
    if rep.duplicate_codes:
        vi.append(f"mã {_list(rep.duplicate_codes)} xuất hiện ở nhiều hơn một ranh giới")
        en.append(f"code(s) {_list(rep.duplicate_codes)} appear on more than one boundary")
    if vi:
        where_vi = f" ({layer})" if layer else ""
        raise ConfigError(
            f"Ranh giới hành chính{where_vi} không khớp danh mục đơn vị hành chính: " + "; ".join(vi) + ".",
            f"The boundaries{where_vi} do not match the administrative units: " + "; ".join(en) + ".",
        )
    return rep
