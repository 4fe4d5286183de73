"""The demo after 1/7/2025: the 2025 reform loaded into the store and the demo's later figures on the communes.

The demo generates one series per district (``demo._values``). Figures of periods the districts overlap
(up to the year 2025) stay on them; those of periods after 30/6/2025 (2025-H2, 2026-H1, 2026-H2, 2026, the
2030 targets) belong to the communes in force then (``rules.unit_validity``), so :func:`write` loads the
reform (``units.store.load``, as ``qh units load`` does with ``data/reference``) and derives each new
commune's figure from its former district's, with no random draw:

- a ``sum`` indicator is split: a district's figure goes to its new communes in proportion to their area
  (a commune lying across former districts takes from each the share of its old communes that were there);
- any other indicator (rates, ratios, means) is copied (a commune across districts: their weighted mean);
- a commune gets a figure only when every former district it came from has one: Bắc Kạn's districts have no
  demo series, so the communes made of them stay empty (the province basis then says "n/92").

Every figure carries ``is_demo=True`` and the demo's source, as the district ones do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .catalogue import Spec
from .models import AdminUnitVersion, IndicatorValue
from .permissions import SYSTEM
from .units import lineage as lineage_mod
from .units import store

REFORM_SOURCE = "communes_2025.csv + commune_crosswalk_2025.csv"
H2_SHARE = 0.53  # a sum indicator's second half of 2025 (the demo puts 47 % of a year in its first half)

Weights = dict[str, dict[str, float]]  # commune code -> {former district code: weight}


def load_reform(s: Session) -> store.LoadReport:
    """The 2025 reform of data/reference into the store (the districts end on 30/6/2025)."""
    return store.load(s, lineage_mod.reference(), SYSTEM, source=REFORM_SOURCE)


def weights(lin: lineage_mod.Lineage, provinces: Iterable[str]) -> tuple[Weights, Weights]:
    """(split, mix) per new commune of ``provinces``: ``split[c][d]`` the share of district d's figure that
    commune c takes (the shares of one district add up to 1), ``mix[c][d]`` the weight of d in c's mean
    (the weights of one commune add up to 1). From the crosswalk: c's old communes counted per district."""
    day = dt.date(2025, 7, 1)
    communes = [u for p in provinces for u in lin.units_of(p, day) if u.level == "commune"]
    mix: Weights = {}
    raw: dict[str, dict[str, float]] = defaultdict(dict)  # district -> {commune: area x fraction}
    for c in communes:
        counts: dict[str, int] = defaultdict(int)
        for link in lin.predecessors(c, "commune"):
            parent = link.old.parent
            if parent is not None and parent.level == "district":
                counts[parent.code] += 1
        total = sum(counts.values())
        mix[c.code] = {d: n / total for d, n in counts.items()} if total else {}
        for d, f in mix[c.code].items():
            raw[d][c.code] = (c.area_km2 or 0.0) * f
    split: Weights = defaultdict(dict)
    for d, by_commune in raw.items():
        whole = sum(by_commune.values())
        for c, w in by_commune.items():
            split[c][d] = w / whole if whole else 1 / len(by_commune)
    return dict(split), mix


def commune_value(spec: Spec, by_district: Mapping[str, float], split: Mapping[str, float],
                  mix: Mapping[str, float]) -> float | None:
    """A commune's figure from its former districts' (None when one of them has none)."""
    if not mix or any(d not in by_district for d in mix):
        return None
    if spec.aggregation == "sum":
        return sum(by_district[d] * split[d] for d in mix)
    return sum(by_district[d] * w for d, w in mix.items())


def write(s: Session, specs: Mapping[str, Spec],
          later: Mapping[tuple[str, str, str], Mapping[str, tuple[float, dt.datetime]]], clamp, source: str) -> dict[str, int]:
    """Load the reform, then the communes' figures from ``later``: (indicator, period, kind) -> {district code:
    (value, submitted_at)} of the periods after 30/6/2025. ``clamp(spec, value)`` bounds and rounds a value.
    Returns counts for the seed's report."""
    report = load_reform(s)
    split, mix = weights(lineage_mod.reference(), ("20", "19"))
    v = AdminUnitVersion
    ids = dict(s.execute(select(v.code, v.id).where(v.level == "commune", v.valid_from.is_not(None),
                                                    v.valid_to.is_(None))).all())
    rows = []
    for (indicator, period, kind), by_district in later.items():
        spec = specs[indicator]
        values = {d: value for d, (value, _) in by_district.items()}
        submitted = max(at for _, at in by_district.values())
        for code in sorted(mix):
            value = commune_value(spec, values, split.get(code, {}), mix[code])
            if value is None:
                continue
            ptype = "year" if "-" not in period else ("half" if "-H" in period else "quarter")
            rows.append(dict(indicator_code=indicator, unit_id=ids[code], period=period, period_type=ptype,
                             year=int(period[:4]), kind=kind, value=clamp(spec, value), revision=1, source=source,
                             submitted_at=submitted, superseded_at=None, is_demo=True, note=None))
    if rows:
        s.execute(insert(IndicatorValue), rows)
    return {"communes": len(ids), "commune_values": len(rows), "units_added": report.added}
