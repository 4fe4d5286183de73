"""Classes and colours for choropleth maps.

Three kinds of class schemes:

* :func:`classify` — data-driven classes (quantiles, equal intervals, natural breaks) computed with
  mapclassify, made robust for the small, tie-rich series a province has (9–11 districts).
* :func:`progress_classes` — FIXED classes of "% of target reached" (< 50, 50–70, 70–90, 90–100,
  ≥ 100), so that a colour means the same thing in every period and on every slide.
* :func:`change_classes` — symmetric diverging classes around 0 for changes (growth, difference to
  the previous period), with a neutral middle class.

Every function returns a :class:`Classification`: the upper edges of the classes (``bins``) and one
class index per input value (``None`` stays ``None`` = "no data"). Colours are chosen separately
(``SEQUENTIAL``/``DIVERGING``/``PROGRESS_PALETTE``/``NO_DATA``), all safe for the common colour-vision
deficiencies. No Streamlit import; everything here is a pure function of its inputs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Method = Literal["quantiles", "equal_interval", "natural_breaks"]
METHODS: tuple[str, ...] = ("quantiles", "equal_interval", "natural_breaks")

# --------------------------------------------------------------------------------------------------
# Palettes
# --------------------------------------------------------------------------------------------------
# ColorBrewer 2.0 schemes (Cynthia A. Brewer, Pennsylvania State University; Apache License 2.0).
# YlGnBu, RdBu and PuOr are all marked "colour-blind safe" by ColorBrewer. The values are the published
# ones (the same as branca's copy of ColorBrewer; a test cross-checks them).
_YLGNBU = {
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    8: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    9: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494",
        "#081d58"),
}
_RDBU = {
    3: ("#ef8a62", "#f7f7f7", "#67a9cf"),
    5: ("#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"),
    7: ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"),
    9: ("#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3",
        "#2166ac"),
}
_PUOR = {
    3: ("#f1a340", "#f7f7f7", "#998ec3"),
    5: ("#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"),
    7: ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788"),
    9: ("#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7", "#d8daeb", "#b2abd2", "#8073ac",
        "#542788"),
}
SEQUENTIAL: dict[str, dict[int, tuple[str, ...]]] = {"YlGnBu": _YLGNBU}
DIVERGING: dict[str, dict[int, tuple[str, ...]]] = {"RdBu": _RDBU, "PuOr": _PUOR}

# "% of target reached": Okabe & Ito (2008) colours, the same hex values as dashboard/theme.py, ordered
# as a diverging orange→blue scale: vermillion (< 50) · orange (50–70) · yellow (70–90) · sky blue
# (90–100) · blue (≥ 100). Why not red→amber→green: red and green are the pair people with
# deuteranopia/protanopia (about 1 man in 12) cannot tell apart. Orange vs blue stays distinct for
# all three common deficiencies, and lightness runs dark→light→dark so the scale also reads in grey.
PROGRESS_PALETTE: tuple[str, ...] = ("#D55E00", "#E69F00", "#F0E442", "#56B4E9", "#0072B2")
PROGRESS_BREAKS: tuple[float, ...] = (50.0, 70.0, 90.0, 100.0)

# No data: light grey, drawn hatched on the map (an SVG pattern, with this grey as fallback) and with
# a dashed darker border, so it cannot be mistaken for the lightest class.
NO_DATA = "#d9d9d9"
NO_DATA_HATCH = "#a6a6a6"
NO_DATA_BORDER = "#737373"


def sequential_palette(k: int, name: str = "YlGnBu") -> list[str]:
    """``k`` colours from light (low) to dark (high)."""
    scheme = SEQUENTIAL[name]
    if k <= 0:
        return []
    if k == 1:
        return [scheme[3][1]]
    if k == 2:
        return [scheme[3][0], scheme[3][2]]
    if k > 9:
        raise ValueError(f"at most 9 sequential classes, not {k}")
    return list(scheme[k])


def diverging_palette(k: int, name: str = "RdBu", reverse: bool = False) -> list[str]:
    """``k`` (odd) colours, negative → neutral → positive. RdBu: red = decrease, blue = increase.

    Pass ``reverse=True`` for indicators where a decrease is good (poverty rate, …).
    """
    scheme = DIVERGING[name]
    if k == 1:
        colors = [scheme[3][1]]
    elif k in scheme:
        colors = list(scheme[k])
    else:
        raise ValueError(f"diverging palettes have 3, 5, 7 or 9 classes, not {k}")
    return colors[::-1] if reverse else colors


# --------------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Classification:
    """Classes of a series of values.

    ``bins`` are the upper edges of the classes, ascending (the last one may be ``inf`` for open-ended
    fixed schemes); ``lower`` is the lower edge of class 0 (the minimum, or ``-inf``). ``classes`` has
    one entry per input value: the class index, or ``None`` for a missing value.

    ``closed`` says which edge belongs to a class: ``"right"`` (data-driven: class i is
    (bins[i-1], bins[i]], class 0 includes ``lower``), ``"left"`` (progress: [bins[i-1], bins[i]) ),
    ``"symmetric"`` (change: magnitudes on the edge go to the class nearer 0).
    """

    method: str
    bins: tuple[float, ...]
    classes: tuple[int | None, ...]
    lower: float
    closed: str = "right"

    @property
    def k(self) -> int:
        return len(self.bins)

    @property
    def counts(self) -> tuple[int, ...]:
        out = [0] * self.k
        for c in self.classes:
            if c is not None:
                out[c] += 1
        return tuple(out)

    @property
    def n_missing(self) -> int:
        return sum(c is None for c in self.classes)

    def labels(self, fmt: Callable[[float], str] | None = None) -> list[str]:
        """One legend label per class, numbers written with ``fmt`` (e.g. Vietnamese 1.234,5)."""
        return bin_labels(self, fmt)


def number_or_none(v) -> float | None:
    """A finite float, or None (None, NaN, ±inf, text): the values a map can class and draw."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _is_missing(v) -> bool:
    return number_or_none(v) is None


def _valid(values: Sequence[float | None]) -> np.ndarray:
    return np.array([float(v) for v in values if not _is_missing(v)], dtype=float)


def _assign_right(values: Sequence[float | None], bins: Sequence[float]) -> tuple[int | None, ...]:
    edges = np.asarray(bins, dtype=float)
    out: list[int | None] = []
    for v in values:
        if _is_missing(v):
            out.append(None)
        else:
            i = int(np.searchsorted(edges, float(v), side="left"))
            out.append(min(i, len(edges) - 1))
    return tuple(out)


# mapclassify's FisherJenks runs in pure Python without numba (about 1.5 s for the 706 districts of
# the national layer); above this many values the same exact algorithm runs vectorised with numpy.
_JENKS_MAPCLASSIFY_MAX = 200


def fisher_jenks_bins(y: Sequence[float] | np.ndarray, k: int) -> list[float]:
    """Exact Fisher–Jenks optimal classes (minimal within-class sum of squared deviations).

    The dynamic programme of Fisher (1958) as in mapclassify.FisherJenks, with the inner minimum taken
    over a numpy vector: O(k·n²) arithmetic but only O(k·n) Python steps and O(k·n) memory.
    Returns the upper edges of the k classes (the last one is the maximum).
    """
    v = np.sort(np.asarray(y, dtype=float))
    n = v.size
    if n == 0:
        return []
    k = max(1, min(k, n))
    s1 = np.concatenate(([0.0], np.cumsum(v)))
    s2 = np.concatenate(([0.0], np.cumsum(v * v)))

    def ssd(i: np.ndarray, j: int) -> np.ndarray:  # segments v[i..j], i a vector of starts
        cnt = j + 1 - i
        tot = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - tot * tot / cnt

    cost = np.array([ssd(np.array([0]), j)[0] for j in range(n)])  # one class: v[0..j]
    back: list[np.ndarray] = []
    for c in range(2, k + 1):
        new = np.full(n, np.inf)
        arg = np.zeros(n, dtype=int)
        for j in range(c - 1, n):
            starts = np.arange(c - 1, j + 1)  # class c covers v[start..j]
            tot = cost[starts - 1] + ssd(starts, j)
            m = int(np.argmin(tot))
            new[j] = tot[m]
            arg[j] = starts[m]
        back.append(arg)
        cost = new
    edges = [float(v[-1])]
    j = n - 1
    for arg in reversed(back):
        i = int(arg[j])
        j = i - 1
        edges.append(float(v[j]))
    return sorted(edges)


def classify(values: Sequence[float | None], method: Method = "quantiles", k: int = 5) -> Classification:
    """Data-driven classes with mapclassify.

    * missing values (``None``, NaN, ±inf) stay ``None`` and do not influence the bins;
    * ``k`` is reduced to the number of distinct values (3 distinct values → at most 3 classes);
    * all values equal (or a single value) → one class;
    * ties always fall in the same class (classes are assigned by value, never by rank), and bins
      that would coincide because of ties are merged (so no class is empty by construction for
      quantiles/natural breaks; equal intervals may have empty classes, that is their nature);
    * negative values are fine.

    ``natural_breaks`` uses Fisher–Jenks (exact and deterministic, unlike k-means NaturalBreaks).
    """
    if method not in METHODS:
        raise ValueError(f"unknown classification method {method!r}; use one of {METHODS}")
    if k < 1:
        raise ValueError("k must be at least 1")
    y = _valid(values)
    if y.size == 0:
        return Classification(method, (), tuple(None for _ in values), math.nan)
    distinct = np.unique(y)
    lo = float(distinct[0])
    if distinct.size == 1:
        return Classification(method, (lo,), _assign_right(values, (lo,)), lo)
    k_eff = min(k, int(distinct.size))

    import mapclassify

    with warnings.catch_warnings():
        # mapclassify warns when it reduces k itself, and that numba is missing; both are handled here.
        warnings.simplefilter("ignore")
        if method == "quantiles":
            bins = mapclassify.Quantiles(y, k=k_eff).bins
        elif method == "equal_interval":
            bins = mapclassify.EqualInterval(y, k=k_eff).bins
        elif y.size <= _JENKS_MAPCLASSIFY_MAX:
            bins = mapclassify.FisherJenks(y, k=k_eff).bins
        else:
            bins = fisher_jenks_bins(y, k_eff)
    edges = sorted({float(b) for b in np.asarray(bins, dtype=float)})
    hi = float(distinct[-1])
    # the top edge is the maximum exactly (float noise in equal intervals must not leave it out)
    edges = [e for e in edges if e < hi] + [hi]
    edges = [e for e in edges if e >= lo]
    return Classification(method, tuple(edges), _assign_right(values, edges), lo)


def progress_classes(values: Sequence[float | None] | None = None) -> Classification:
    """FIXED classes of "% of target reached": < 50 · 50–70 · 70–90 · 90–100 · ≥ 100.

    Colour them with :data:`PROGRESS_PALETTE`. Without ``values`` the scheme alone is returned
    (``classes`` empty), e.g. to draw a legend.
    """
    bins = PROGRESS_BREAKS + (math.inf,)
    vals = list(values or [])
    classes: list[int | None] = []
    for v in vals:
        if _is_missing(v):
            classes.append(None)
        else:
            classes.append(int(np.searchsorted(np.asarray(PROGRESS_BREAKS), float(v), side="right")))
    return Classification("progress", bins, tuple(classes), -math.inf, closed="left")


def nice_step(x: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ that is ≥ x (x > 0)."""
    if not x > 0 or not math.isfinite(x):
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = m * 10.0**exp
        if step >= x * (1 - 1e-12):
            return step
    return 10.0 ** (exp + 1)  # pragma: no cover - the loop always returns


def change_classes(values: Sequence[float | None], k: int = 5, step: float | None = None) -> Classification:
    """Symmetric diverging classes around 0 for a change (growth rate, difference).

    ``k`` must be odd: (k-1)/2 classes of decrease, one neutral class around 0, (k-1)/2 classes of
    increase. With ``half = (k-1)/2`` and a class width ``step`` the edges are ±0.5·step, ±1.5·step,
    …; the outermost classes are open-ended. ``step`` defaults to a round number
    (:func:`nice_step`) chosen so that the largest |value| falls in an outermost class; pass a fixed
    ``step`` to keep the colours comparable between periods. A value v and its opposite -v always
    get mirror-image classes. Colour with :func:`diverging_palette(k)`.
    """
    if k < 1 or k % 2 == 0:
        raise ValueError("change classes need an odd number of classes (3, 5, 7 or 9)")
    half = (k - 1) // 2
    y = _valid(values)
    if step is None:
        m = float(np.max(np.abs(y))) if y.size else 0.0
        step = nice_step(m / half) if half and m > 0 else 1.0
    if step <= 0:
        raise ValueError("step must be positive")
    thresholds = [(j - 0.5) * step for j in range(1, half + 1)]
    neg = [-t for t in reversed(thresholds)]
    bins = tuple(neg + thresholds + [math.inf]) if half else (math.inf,)
    classes: list[int | None] = []
    for v in values:
        if _is_missing(v):
            classes.append(None)
            continue
        f = float(v)
        j = sum(1 for t in thresholds if abs(f) > t + 1e-12 * step)
        classes.append(half + (j if f > 0 else -j))
    return Classification("change", bins, tuple(classes), -math.inf, closed="symmetric")


def default_number_format(v: float) -> str:
    """Vietnamese-style number without a locale library: 1.234,5 (up to 2 decimals, trimmed)."""
    if not math.isfinite(v):
        return "∞" if v > 0 else "-∞"
    s = f"{v:,.2f}".rstrip("0").rstrip(".")
    s = s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return "0" if s in ("-0", "") else s


def bin_labels(cls: Classification, fmt: Callable[[float], str] | None = None) -> list[str]:
    """Legend labels, one per class, e.g. ``["1,2 – 3,4", "3,4 – 5,6", …]``, ``"< 50"``, ``"≥ 100"``.

    Pass the page's number formatter (``lambda v: fmt.number(v, 1, lang)``) as ``fmt``.
    """
    f = fmt or default_number_format
    k = cls.k
    if k == 0:
        return []
    if k == 1 and math.isfinite(cls.bins[0]) and math.isfinite(cls.lower):
        return [f(cls.bins[0])]
    labels: list[str] = []
    for i in range(k):
        lo = cls.lower if i == 0 else cls.bins[i - 1]
        hi = cls.bins[i]
        if not math.isfinite(lo) and not math.isfinite(hi):
            labels.append("–")
        elif not math.isfinite(lo):
            labels.append(f"< {f(hi)}")
        elif not math.isfinite(hi):
            labels.append(f"≥ {f(lo)}" if cls.closed == "left" else f"> {f(lo)}")
        else:
            labels.append(f"{f(lo)} – {f(hi)}")
    return labels
