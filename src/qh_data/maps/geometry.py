"""Small geometry helpers for GeoJSON polygons (no shapely): rounding, simplification, bounds, label points.

Coordinates are GeoJSON [lon, lat] (RFC 7946). Only Polygon and MultiPolygon are handled, which is
all the district boundary files contain.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import numpy as np

Ring = list[list[float]]
PolygonCoords = list[Ring]


def polygons(geometry: dict | None) -> list[PolygonCoords]:
    """The polygons of a Polygon/MultiPolygon geometry (a list of rings each)."""
    if not geometry:
        return []
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    if kind == "GeometryCollection":
        out: list[PolygonCoords] = []
        for g in geometry.get("geometries", []):
            out.extend(polygons(g))
        return out
    return []


def ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Signed planar area (shoelace, in square degrees; > 0 for counter-clockwise)."""
    a = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        a += x1 * y2 - x2 * y1
    return a / 2.0


def _round_ring(ring: Sequence[Sequence[float]], decimals: int) -> Ring | None:
    out: Ring = []
    last = None
    for pt in ring:
        p = [round(float(pt[0]), decimals), round(float(pt[1]), decimals)]
        if p != last:
            out.append(p)
            last = p
    if out and out[0] != out[-1]:
        out.append(list(out[0]))
    return out if len(out) >= 4 else None


# The largest screen a map is drawn on (issue 8: the 1080p projector), for ``screen_detail``.
SCREEN_PX = (1920, 1080)


def _douglas_peucker(pts: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of ``pts`` (an open line) kept by Douglas–Peucker at ``tolerance`` (both ends always)."""
    keep = np.zeros(len(pts), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        a, b = pts[i], pts[j]
        seg = b - a
        inner = pts[i + 1:j] - a
        norm = math.hypot(seg[0], seg[1])
        if norm == 0.0:
            dist = np.hypot(inner[:, 0], inner[:, 1])
        else:
            dist = np.abs(seg[0] * inner[:, 1] - seg[1] * inner[:, 0]) / norm
        k = int(dist.argmax())
        if dist[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return np.flatnonzero(keep)


def simplify_ring(ring: Sequence[Sequence[float]], tolerance: float) -> Ring:
    """A closed ring simplified by Douglas–Peucker at ``tolerance`` (degrees), split at its first point and
    the point farthest from it. A ring that would keep fewer than four points is returned whole (a feature
    smaller than the tolerance keeps its shape rather than vanishing)."""
    pts = np.asarray(ring, dtype=float)[:, :2]
    if tolerance <= 0 or len(pts) <= 4:
        return [list(map(float, p)) for p in pts]
    far = int(np.hypot(*(pts - pts[0]).T).argmax())
    if far == 0:
        return [list(map(float, p)) for p in pts]
    first = _douglas_peucker(pts[: far + 1], tolerance)
    second = _douglas_peucker(pts[far:], tolerance) + far
    idx = np.concatenate([first, second[1:]])
    if len(idx) < 4:
        return [list(map(float, p)) for p in pts]
    return [list(map(float, p)) for p in pts[idx]]


def screen_detail(bb: Sequence[Sequence[float]] | None, screen: tuple[int, int] = SCREEN_PX) -> tuple[int, float]:
    """(decimals, tolerance) for a layer drawn whole on ``screen`` (``bb``: [[south, west], [north, east]],
    as ``bounds`` gives): the tolerance is half a pixel at the zoom that fits the layer (an outline moves by
    at most half a pixel there, a pixel one zoom step in), the coordinates are kept to a tenth of a pixel.
    The national commune layer: 3 decimals and about 0.0075° (≈ 800 m; 130,738 vertices drawn as 43,028);
    one province: 4 decimals and about 0.0006° (≈ 70 m). (Mercator's stretch is left out: it only makes the
    pixel smaller in degrees of latitude, and the latitude span decides both here.)"""
    if not bb:
        return 5, 0.0
    (south, west), (north, east) = bb
    per_px = max((east - west) / screen[0], (north - south) / screen[1])
    if per_px <= 0:
        return 5, 0.0
    decimals = min(6, max(2, math.ceil(-math.log10(per_px / 10))))
    return decimals, per_px / 2


def compact_geometry(geometry: dict, decimals: int = 5, tolerance: float = 0.0) -> dict | None:
    """Coordinates rounded to ``decimals`` (5 ≈ 1 m), consecutive duplicates removed, degenerate rings
    dropped; with ``tolerance`` > 0, each ring first simplified (``simplify_ring``). Returns a new geometry
    (the input is not modified), or None when nothing is left."""
    polys: list[PolygonCoords] = []
    for poly in polygons(geometry):
        if tolerance > 0:
            poly = [simplify_ring(ring, tolerance) for ring in poly]
        rings = [r for r in (_round_ring(ring, decimals) for ring in poly)]
        if not rings or rings[0] is None:
            continue
        polys.append([r for r in rings if r is not None])
    if not polys:
        return None
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def bounds(geometries: Iterable[dict | None]) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the geometries (Leaflet order: lat, lon), or None if empty."""
    minx = miny = math.inf
    maxx = maxy = -math.inf
    for g in geometries:
        for poly in polygons(g):
            if not poly:
                continue
            arr = np.asarray(poly[0], dtype=float)  # the exterior ring bounds the polygon
            if arr.size == 0:
                continue
            x0, y0 = arr.min(axis=0)[:2]
            x1, y1 = arr.max(axis=0)[:2]
            minx, miny, maxx, maxy = min(minx, x0), min(miny, y0), max(maxx, x1), max(maxy, y1)
    if not math.isfinite(minx):
        return None
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def _score(px: np.ndarray, py: np.ndarray, ax, ay, bx, by, kx: float) -> np.ndarray:
    """Signed distance of points to the polygon boundary: > 0 inside, < 0 outside (x scaled by kx)."""
    px = px[:, None]
    py = py[:, None]
    # even-odd ray casting (holes are just more rings)
    with np.errstate(divide="ignore", invalid="ignore"):
        crosses = (ay > py) != (by > py)
        xint = (bx - ax) * (py - ay) / (by - ay) + ax
        inside = (crosses & (px < xint)).sum(axis=1) % 2 == 1
    dx = (bx - ax) * kx
    dy = by - ay
    wx = (px - ax) * kx
    wy = py - ay
    seg2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(seg2 > 0, (wx * dx + wy * dy) / seg2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    ex = wx - t * dx
    ey = wy - t * dy
    d = np.sqrt((ex * ex + ey * ey).min(axis=1))
    return np.where(inside, d, -d)


def label_point(geometry: dict, grid: int = 12, refinements: int = 3) -> tuple[float, float] | None:
    """A point well inside the largest polygon of ``geometry``, as (lat, lon).

    An approximation of the pole of inaccessibility (the interior point farthest from the border, as
    in Mapbox's polylabel): the best point of a grid over the bounding box, then finer grids around
    it. Unlike the centroid it is always inside, also for C-shaped districts and multipolygons.
    """
    polys = [p for p in polygons(geometry) if p and len(p[0]) >= 4]
    if not polys:
        return None
    poly = max(polys, key=lambda p: abs(ring_area(p[0])))
    rings = [np.asarray(r, dtype=float)[:, :2] for r in poly if len(r) >= 2]
    a = np.concatenate([r[:-1] for r in rings])
    b = np.concatenate([r[1:] for r in rings])
    ax, ay, bx, by = a[:, 0][None, :], a[:, 1][None, :], b[:, 0][None, :], b[:, 1][None, :]
    ext = rings[0]
    minx, miny = ext.min(axis=0)
    maxx, maxy = ext.max(axis=0)
    kx = math.cos(math.radians((miny + maxy) / 2.0))
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    hx, hy = (maxx - minx) / 2.0, (maxy - miny) / 2.0
    best_x, best_y, best_s = cx, cy, -math.inf
    n = grid
    for _ in range(refinements + 1):
        if hx <= 0 and hy <= 0:
            break
        gx = cx + hx * (2 * (np.arange(n) + 0.5) / n - 1)
        gy = cy + hy * (2 * (np.arange(n) + 0.5) / n - 1)
        xx, yy = np.meshgrid(gx, gy)
        s = _score(xx.ravel(), yy.ravel(), ax, ay, bx, by, kx)
        i = int(np.argmax(s))
        if s[i] > best_s:
            best_x, best_y, best_s = float(xx.ravel()[i]), float(yy.ravel()[i]), float(s[i])
        cx, cy = best_x, best_y
        hx, hy = 2 * hx / n, 2 * hy / n  # ± one cell of the grid just searched
        n = 8
    if best_s <= 0:  # a sliver thinner than the grid: fall back to the mean of the exterior vertices
        m = ext[:-1].mean(axis=0)
        return float(m[1]), float(m[0])
    return best_y, best_x
