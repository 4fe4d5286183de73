"""Which side of a territory change a figure is on (issue 14, point 3).

The days a code's territory changed come from the store (``queries.units.territory_changes``: Thái Nguyên
19 on 1/7/2025, when it took in Bắc Kạn). Figures of the code before and after such a day cover different
territories: a trend draws each side as its own line and marks the day between them. A period belongs to
the side its first day is on (the year 2025, which starts before 1/7/2025, to the side before).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence

from .. import periods


def segment(period: str, changes: Sequence[dt.date]) -> int:
    """0 for a period starting before the first change day, 1 between the first and the second, ..."""
    return bisect.bisect_right(sorted(changes), periods.parse(period).start)


def year_position(day: dt.date) -> float:
    """Where ``day`` falls on a year axis (a figure of year Y sits at Y): 1/7/2025 -> about 2025.5."""
    start = dt.date(day.year, 1, 1)
    days = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / days
