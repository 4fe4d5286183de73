"""The synthetic store's indicators (the catalogue, then variants of it) and their figures."""

from __future__ import annotations

import datetime as dt
import math
import random

from ..catalogue import CATALOGUE, Spec
from .places import Places
from .scales import SYNTH_SOURCE

ACTUAL_YEARS = range(2015, 2026)
# (period, kind, submitted_at): the 20 figures every unit gets for every indicator
HALVES = (("2024-H1", "actual", dt.datetime(2024, 7, 20)), ("2024-H2", "actual", dt.datetime(2025, 1, 20)),
          ("2025-H1", "actual", dt.datetime(2025, 7, 20)), ("2025-H2", "actual", dt.datetime(2026, 1, 20)),
          ("2026-H1", "actual", dt.datetime(2026, 7, 20)), ("2026-H2", "estimate", dt.datetime(2026, 7, 20)))
BEFORE_HALVES, AFTER_HALVES = HALVES[:3], HALVES[3:]  # the halves before and after 1/7/2025
# figures in force per unit: on a district (its years to 2025, its halves, the 2025 target), on a commune
# (the halves from 2025-H2, the 2026 estimate, the 2030 target); a province holds those of its versions
FIGURES_BEFORE = len(ACTUAL_YEARS) + len(BEFORE_HALVES) + 1
FIGURES_AFTER = len(AFTER_HALVES) + 2
FIGURES_PER_UNIT = FIGURES_BEFORE + FIGURES_AFTER
REVISED_2026 = 0.08  # share of 2026 estimates revised once (revision 1 superseded, revision 2 current)


def indicator_specs(count: int) -> list[tuple[str, str, str, Spec, str]]:
    """(code, name_vi, name_en, spec, aggregation): the catalogue, then variants of it up to ``count``."""
    out = []
    for i in range(count):
        spec = CATALOGUE[i % len(CATALOGUE)]
        if i < len(CATALOGUE):
            out.append((spec.code, spec.name_vi, spec.name_en, spec, spec.aggregation))
        else:
            n = i - len(CATALOGUE) + 1
            agg = "not_additive" if n % 10 == 0 else spec.aggregation
            out.append((f"syn_{n:03d}_{spec.code}"[:60], f"{spec.name_vi} (chỉ tiêu tổng hợp {n})",
                        f"{spec.name_en} (synthetic indicator {n})", spec, agg))
    return out


class Figures:
    """The indicators and their figures, each on the unit version in force in its period: on the districts
    (and the provinces of before 1/7/2025) the yearly actuals 2015–2025, the halves to 2025-H1 and the 2025
    target; on the communes (and the 2025 provinces) the halves from 2025-H2, the 2026 estimate (a share of
    them revised once) and the 2030 target. A province's figures are the sum or the population-weighted mean
    of its districts' (before) or communes' (after). ``n_current`` counts the figures in force."""

    def __init__(self, specs: list[tuple[str, str, str, Spec, str]], places: Places, rng: random.Random):
        self.specs, self.places, self.rng = specs, places, rng
        self.n_current = 0

    def indicators(self):
        for i, (code, name_vi, name_en, spec, agg) in enumerate(self.specs):
            yield dict(code=code, name_vi=name_vi, name_en=name_en, unit=spec.unit, unit_en=spec.unit_en,
                       group=spec.group, owner_role=spec.owner_role, direction=spec.direction, aggregation=agg,
                       is_rate=spec.is_rate, decimals=spec.decimals, min_value=spec.min_value,
                       max_value=spec.max_value, description=SYNTH_SOURCE, sort_order=i, is_demo=True)

    def values(self):
        rng, places = self.rng, self.places
        for code, _, _, spec, agg in self.specs:
            for p in places.layout.before:
                series = []
                for d in p["districts"]:
                    pop = places.population[d["code"]]
                    fig = self._unit_figures(spec, pop, d["type"])
                    series.append((pop, fig))
                    yield from self._rows(code, places.unit_id[d["code"]], fig, spec, rng, before=True)
                yield from self._rows(code, places.old_unit_id[p["code"]], self._province_figures(spec, agg, series),
                                      spec, rng, before=True)
            for p in places.provinces:
                series = []
                for c in p["communes"]:
                    pop = places.population[c["code"]]
                    fig = self._unit_figures(spec, pop, "Phường" if c["name"].startswith("Phường") else "Xã")
                    series.append((pop, fig))
                    yield from self._rows(code, places.unit_id[c["code"]], fig, spec, rng, after=True)
                yield from self._rows(code, places.unit_id[p["code"]], self._province_figures(spec, agg, series),
                                      spec, rng, after=True)

    def _unit_figures(self, spec: Spec, pop: int, unit_type: str) -> dict[tuple[str, str], float]:
        rng = self.rng
        city = unit_type in ("Quận", "Thành phố", "Phường")
        if spec.aggregation == "sum":
            base = spec.base * pop / 100_000 * (1.5 if city else 1.0)
        elif spec.additive_trend and not spec.is_rate:
            base = spec.base + (8 if city else rng.uniform(-8, 4)) * (1 if spec.direction == "higher" else -1)
        else:
            base = spec.base * (1.3 if city else rng.uniform(0.7, 1.1))
        pace = rng.uniform(-1, 1) if spec.is_rate else rng.choice((1.5, 1.3, 1.2, 1.1, 1.0, 0.8, 0.5, -0.4))
        out: dict[tuple[str, str], float] = {}
        for y in ACTUAL_YEARS:
            k = y - 2015
            if spec.is_rate:
                v = base + rng.gauss(0, 1.2) + (-2.5 if y in (2020, 2021) else 0.0) + pace * 0.4
            elif spec.additive_trend:
                v = base + spec.growth * pace * k + rng.gauss(0, abs(spec.growth) * 0.6 + 0.2)
            else:
                v = base * (1 + spec.growth * pace) ** k * (1 + rng.gauss(0, 0.025))
            out[(str(y), "actual")] = v
        last, v20 = out[("2025", "actual")], out[("2020", "actual")]
        additive = spec.additive_trend or spec.is_rate
        est26 = last + (last - v20) / 5 if additive else last * (1 + spec.growth)
        out[("2026", "estimate")] = est26
        half = 0.48 if spec.aggregation == "sum" else 1.0
        for y, whole in ((2024, out[("2024", "actual")]), (2025, last), (2026, est26)):
            h1 = whole * half * (1 + rng.gauss(0, 0.02))
            h2 = whole - h1 if spec.aggregation == "sum" else whole * (1 + rng.gauss(0, 0.01))
            out[(f"{y}-H1", "actual")] = h1
            out[(f"{y}-H2", "actual" if y < 2026 else "estimate")] = h2
        t30 = (v20 + spec.growth * 1.05 * 10 if additive else v20 * (1 + spec.growth * 1.05) ** 10)
        if spec.is_rate:  # a rate's target is a level near its typical value, as in the demo
            t30 = spec.base + 1.0
        t25 = (v20 + t30) / 2 if additive or v20 <= 0 or t30 <= 0 else math.sqrt(v20 * t30)
        out[("2025", "target")], out[("2030", "target")] = t25, t30
        return out

    @staticmethod
    def _province_figures(spec: Spec, agg: str, series) -> dict[tuple[str, str], float]:
        out = {}
        for key in series[0][1]:
            if agg == "sum":
                out[key] = sum(f[key] for _, f in series)
            else:
                wpop = sum(pop for pop, _ in series)
                out[key] = sum(pop * f[key] for pop, f in series) / wpop
        return out

    def _rows(self, code: str, unit_id: int, fig: dict, spec: Spec, rng: random.Random, *, before: bool = False,
              after: bool = False):
        lo = spec.min_value if spec.min_value is not None else -math.inf
        hi = spec.max_value if spec.max_value is not None else math.inf
        nd = max(spec.decimals, 2)

        def row(period, ptype, kind, value, at, revision=1, superseded=None, note=None):
            return dict(indicator_code=code, unit_id=unit_id, period=period, period_type=ptype,
                        year=int(period[:4]), kind=kind, value=round(min(hi, max(lo, value)), nd), revision=revision,
                        source=SYNTH_SOURCE, submitted_at=at, superseded_at=superseded, is_demo=True, note=note)

        if before:
            for y in ACTUAL_YEARS:
                yield row(str(y), "year", "actual", fig[(str(y), "actual")], dt.datetime(y + 1, 2, 15))
            for period, kind, at in BEFORE_HALVES:
                yield row(period, "half", kind, fig[(period, kind)], at)
            yield row("2025", "year", "target", fig[("2025", "target")], dt.datetime(2021, 3, 1))
            self.n_current += FIGURES_BEFORE
        if not after:
            return
        for period, kind, at in AFTER_HALVES:
            yield row(period, "half", kind, fig[(period, kind)], at)
        est = fig[("2026", "estimate")]
        if rng.random() < REVISED_2026:
            revised = dt.datetime(2026, 11, 20)
            yield row("2026", "year", "estimate", est * (1 + rng.gauss(0, 0.03)), dt.datetime(2026, 7, 20), 1,
                      revised)
            yield row("2026", "year", "estimate", est, revised, 2, note="Cập nhật dự ước (tổng hợp)")
        else:
            yield row("2026", "year", "estimate", est, dt.datetime(2026, 7, 20))
        yield row("2030", "year", "target", fig[("2030", "target")], dt.datetime(2021, 3, 1))
        self.n_current += FIGURES_AFTER
