"""``Records``: what a table-shaped query returns — rows as dicts, in order, with their column names.

The data layer hands out plain Python values; a caller that wants a DataFrame asks for one
(``to_frame``), once, where it keeps it (``dashboard.data`` caches the frame, not the query).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Records(list):
    """A list of row dicts with ``columns`` (their order) and ``attrs`` (facts about the whole set,
    e.g. how many districts reported). ``floats`` names columns that a frame holds as float64
    (None becomes NaN)."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), columns: Iterable[str] = (), *,
                 attrs: dict[str, Any] | None = None, floats: Iterable[str] = ()) -> None:
        super().__init__(rows)
        self.columns: tuple[str, ...] = tuple(columns)
        self.attrs: dict[str, Any] = dict(attrs or {})
        self.floats: tuple[str, ...] = tuple(floats)

    def column(self, name: str) -> list[Any]:
        if name not in self.columns:
            raise KeyError(name)
        return [row.get(name) for row in self]

    def to_frame(self):
        import pandas as pd

        frame = pd.DataFrame(list(self), columns=list(self.columns))
        for name in self.floats:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
        frame.attrs.update(self.attrs)
        return frame

    def __copy__(self) -> Records:
        return Records(self, self.columns, attrs=self.attrs, floats=self.floats)

    def __deepcopy__(self, memo) -> Records:
        import copy

        return Records([copy.deepcopy(r, memo) for r in self], self.columns, attrs=copy.deepcopy(self.attrs, memo),
                       floats=self.floats)

    def __reduce__(self):
        return (_rebuild, (list(self), self.columns, self.attrs, self.floats))

    def __repr__(self) -> str:
        return f"Records({len(self)} rows, columns={list(self.columns)!r})"


def _rebuild(rows, columns, attrs, floats) -> Records:
    return Records(rows, columns, attrs=attrs, floats=floats)


def frame(value):
    """A DataFrame for ``Records``; anything else unchanged."""
    return value.to_frame() if isinstance(value, Records) else value
