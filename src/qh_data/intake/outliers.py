"""Is a new figure far from the area's previous figures? (a warning, never an error)

Compared with the last ``OUTLIER_HISTORY`` figures of the same period type (an actual beats an estimate
of the same period); with fewer than two half-year or quarter figures, with the yearly ones (a half or a
quarter of them for indicators that add up). Positive series: more than ``OUTLIER_RATIO`` times the
median or less than a ``OUTLIER_RATIO``-th of it. Rates and series with zeros or negatives: further
from the median than four robust standard deviations (at least half the median, at least 1).
"""

from __future__ import annotations

import bisect
import functools
import statistics

from .. import periods
from ..models import Indicator
from .lookups import Lookups

OUTLIER_RATIO = 3.0
OUTLIER_HISTORY = 5

_parse_period = functools.lru_cache(maxsize=4096)(periods.parse)


def _previous(series: list[tuple[tuple, float]] | None, before: tuple) -> list[float]:
    if not series:
        return []
    end = bisect.bisect_left(series, (before, float("-inf")))
    return [val for _, val in series[max(0, end - OUTLIER_HISTORY):end]]


def _last_figures(lookups: Lookups, ind: Indicator, unit: int, p: periods.Period) -> list[float]:
    last = _previous(lookups.history.get((ind.code, unit, p.type)), p.sort_key)
    if len(last) < 2 and p.type != "year":
        # few half-year or quarter figures yet: compare with the yearly ones (a share of them for sums)
        share = (0.5 if p.type == "half" else 0.25) if ind.aggregation == "sum" else 1.0
        last = [x * share for x in _previous(lookups.history.get((ind.code, unit, "year")), p.sort_key)]
    return last


def outlier(lookups: Lookups, ind: Indicator, unit: int, period: str, kind: str,
            value: float) -> tuple[float, int, str] | None:
    """(median, how many previous figures, "ratio"|"spread") when ``value`` is far from the area's
    last figures of the same period type, else None."""
    if kind == "target":
        return None
    last = _last_figures(lookups, ind, unit, _parse_period(period))
    if len(last) < 2:
        return None
    median = statistics.median(last)
    if median > 0 and value >= 0 and not ind.is_rate:
        if value > OUTLIER_RATIO * median or value < median / OUTLIER_RATIO:
            return median, len(last), "ratio"
        return None
    mad = statistics.median(abs(x - median) for x in last)
    spread = max(4 * 1.4826 * mad, 0.5 * abs(median), 1.0)
    if abs(value - median) > spread:
        return median, len(last), "spread"
    return None
