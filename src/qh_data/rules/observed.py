"""The observed figure of a period: its actual when there is one, else its estimate.

Targets are never observations. A figure with no value (NULL) is no observation either, so an
estimate stands for a period whose actual row exists but is empty.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, literal

OBSERVED_KINDS = ("actual", "estimate")
# Lower wins: the order in which a period's figures are preferred.
KIND_RANK = {"actual": 0, "estimate": 1}


def is_observed(kind: str | None, value: Any) -> bool:
    return kind in KIND_RANK and value is not None


def wins_over(kind: str, current_kind: str | None) -> bool:
    """True when a figure of ``kind`` replaces one of ``current_kind`` for the same period."""
    return current_kind is None or KIND_RANK[kind] < KIND_RANK[current_kind]


def observed_by(figures: Iterable[tuple[Hashable, str, Any]]) -> dict[Hashable, tuple[str, Any]]:
    """``(key, kind, value)`` triples → ``{key: (kind, value)}`` with the observed figure of each key
    (the key is a period, or a (unit, period) pair …). Keys with no observation are absent."""
    out: dict[Hashable, tuple[str, Any]] = {}
    for key, kind, value in figures:
        if not is_observed(kind, value):
            continue
        current = out.get(key)
        if wins_over(kind, current[0] if current else None):
            out[key] = (kind, value)
    return out


# --- the same in SQL ---------------------------------------------------------------------------------

def kind_rank_sql(kind_col) -> ColumnElement[int]:
    """The rank of ``kind_col`` (actual 0, estimate 1, anything else 9): order by it ascending, in a
    window partitioned by the key, and keep row 1 of the observed rows."""
    return case(*((kind_col == k, literal(r)) for k, r in KIND_RANK.items()), else_=literal(9))


def is_observed_sql(kind_col, value_col) -> ColumnElement[bool]:
    return kind_col.in_(OBSERVED_KINDS) & value_col.is_not(None)
