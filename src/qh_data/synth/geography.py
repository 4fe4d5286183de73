"""Which 2025 province each pre-2025 district and each 2025 commune lies in, from the boundary files alone.

The commune layer (``vietnam_communes_2025.geojson``) names no province, and the district layer names the
province of before 1/7/2025. Each feature votes with up to ``SAMPLES`` of its vertices, and its interior point
(the mean of its largest ring): it goes to the 2025 province (``vietnam_provinces_2025.geojson``) that holds
the most of them. An old province goes where most of its districts went (the 2025 mergers were of whole
provinces, NQ 202/2025/QH15). Even-odd point-in-polygon over every ring, vectorised with numpy; a few
tenths of a second for the country, computed once per data folder.

How good it is: Lạng Sơn's 65 and Thái Nguyên's 92 communes are exactly those of their own files, and the 63
old provinces go to the 34 of NQ 202/2025/QH15 (tests/test_synth.py). Elsewhere a commune on a border that the
coarse province layer (3,309 vertices for the country) draws poorly may land in its neighbour: good enough for
a synthetic store, not a reference list (the official one is QĐ 19/2025/QĐ-TTg).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import config

SAMPLES = 24
CLEAR = 0.75
DISTRICTS_FILE = "vietnam_districts.geojson"
COMMUNES_FILE = "vietnam_communes_2025.geojson"
PROVINCES_FILE = "vietnam_provinces_2025.geojson"


@dataclass(frozen=True)
class Geography:
    provinces: dict[str, tuple[str, float | None]]  # 2025 province code -> (name, area)
    communes: tuple[dict, ...]  # {code, name, area_km2, province_code}, by code
    old_to_new: dict[str, str]  # province code before 1/7/2025 -> the 2025 province that took it


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for poly in geometry["coordinates"] for ring in poly]


def _points(geometry: dict) -> np.ndarray:
    rings = _rings(geometry)
    largest = np.asarray(max(rings, key=len), dtype=float)
    everything = np.concatenate([np.asarray(r, dtype=float)[:, :2] for r in rings])
    step = max(1, len(everything) // SAMPLES)
    return np.vstack([everything[::step], largest[:, :2].mean(axis=0)])


class _Polygon:
    def __init__(self, geometry: dict):
        edges = []
        for ring in _rings(geometry):
            a = np.asarray(ring, dtype=float)[:, :2]
            edges.append(np.hstack([a[:-1], a[1:]]))
        e = np.vstack(edges)
        self.x1, self.y1, self.x2, self.y2 = e.T
        self.box = (min(e[:, 0].min(), e[:, 2].min()), min(e[:, 1].min(), e[:, 3].min()),
                    max(e[:, 0].max(), e[:, 2].max()), max(e[:, 1].max(), e[:, 3].max()))

    def contains(self, pts: np.ndarray) -> np.ndarray:
        out = np.zeros(len(pts), dtype=bool)
        x0, y0, x1, y1 = self.box
        near = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
        if not near.any():
            return out
        px, py = pts[near, 0][:, None], pts[near, 1][:, None]
        straddles = (self.y1 > py) != (self.y2 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross_x = (self.x2 - self.x1) * (py - self.y1) / (self.y2 - self.y1) + self.x1
        out[near] = (straddles & (px < cross_x)).sum(axis=1) % 2 == 1
        return out


def _vote(features: list[dict], polygons: dict[str, _Polygon]) -> list[tuple[str | None, float]]:
    """(the province holding most of each feature's points, its share of the points that fell in one)"""
    samples = [_points(f["geometry"]) for f in features]
    owner = np.repeat(np.arange(len(features)), [len(s) for s in samples])
    pts = np.vstack(samples)
    codes = list(polygons)
    votes = np.zeros((len(features), len(codes)), dtype=int)
    for j, code in enumerate(codes):
        votes[:, j] = np.bincount(owner[polygons[code].contains(pts)], minlength=len(features))
    return [(codes[int(row.argmax())], row.max() / row.sum()) if row.max() > 0 else (None, 0.0) for row in votes]


def _load(path: Path) -> list[dict]:
    from ..maps import boundaries

    return boundaries.load_geojson(path)["features"]


@functools.cache
def _geography(data_dir: str) -> Geography:
    geo = Path(data_dir) / "geo"
    province_features = _load(geo / PROVINCES_FILE)
    polygons = {f["properties"]["code"]: _Polygon(f["geometry"]) for f in province_features}
    names = {f["properties"]["code"]: (f["properties"]["name"], f["properties"].get("area_km2"))
             for f in province_features}
    communes = sorted(_load(geo / COMMUNES_FILE), key=lambda f: f["properties"]["code"])
    commune_rows = []
    shares = []
    for f, (prov, share) in zip(communes, _vote(communes, polygons), strict=True):
        p = f["properties"]
        commune_rows.append({"code": p["code"], "name": p["name"], "area_km2": p.get("area_km2"),
                             "province_code": prov})
        shares.append(share)
    _fill_by_neighbours(commune_rows, shares)
    districts = [f for f in _load(geo / DISTRICTS_FILE) if (f.get("properties") or {}).get("code")]
    by_old: dict[str, Counter] = {}
    for f, (prov, _) in zip(districts, _vote(districts, polygons), strict=True):
        if prov is not None:
            by_old.setdefault(f["properties"]["province_code"], Counter())[prov] += 1
    old_to_new = {old: votes.most_common(1)[0][0] for old, votes in by_old.items()}
    return Geography(names, tuple(commune_rows), old_to_new)


def _fill_by_neighbours(rows: list[dict], shares: list[float]) -> None:
    """Codes run province by province (a new commune reuses the code of one it absorbed). A commune none of
    whose points fell in a province (a sliver at the coast) takes the province of its code neighbours; so
    does one with a weak vote (under ``CLEAR`` of its points: a border commune against the coarse province
    layer) whose two code neighbours agree on another province. A strong vote stands (Xã Yên Xuân, 04930,
    a Hòa Bình code, is in Hà Nội)."""
    for i, row in enumerate(rows):
        before = next((r["province_code"] for r in reversed(rows[:i]) if r["province_code"]), None)
        after = next((r["province_code"] for r in rows[i + 1:] if r["province_code"]), None)
        if row["province_code"] is None:
            row["province_code"] = before or after
        elif shares[i] < CLEAR and before == after and before not in (None, row["province_code"]):
            row["province_code"] = before


def geography(data_dir: Path | None = None) -> Geography:
    """The 2025 provinces, communes (with their province) and the old provinces' successors."""
    return _geography(str(data_dir or config.DATA_DIR))
