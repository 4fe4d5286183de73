"""What an indicator map shows, computed without Streamlit: one row per district valid in the period,
the classes, the legend, the province figure and the notes (:func:`build_model` → :class:`MapModel`);
which periods each view can be drawn for.

Data comes from ``q(name, **kwargs)``: ``dashboard.data.q`` in the app (cached per data version),
:func:`direct_q` over an engine in tests and benchmarks. Words and numbers come from :class:`Words`
(the interface's catalogue and number format, handed in by the dashboard: ``qh_data`` keeps no
interface strings of its own).

Views: ``actual`` / ``estimate`` / ``target`` (the stored figures, data-driven classes), ``progress``
("% of target reached", fixed classes, colours the same in every period) and ``change`` (between two
periods, diverging classes). Progress and change use each district's observed figure (its actual, or
its estimate when the actual is not in yet: ``qh_data.rules.observed``; the table says which).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from qh_data import periods
from qh_data.errors import NotFound
from qh_data.maps.availability import (
    RAW_VIEWS,
    VIEWS,
    default_period,
    figure_levels,
    target_year_for,
    target_years,
    unit_periods,
)
from qh_data.maps.classify import (
    METHODS,
    PROGRESS_PALETTE,
    Classification,
    change_classes,
    classify,
    diverging_palette,
    number_or_none,
    progress_classes,
    sequential_palette,
)
from qh_data.queries.carry import BASES as CARRY_BASES
from qh_data.queries.carry import carriable
from qh_data.rules import observed
from qh_data.status import percent_of_target

DEFAULT_METHOD = "quantiles"
K = 5

Q = Callable[..., Any]


@dataclass(frozen=True)
class Words:
    """How the model writes words and numbers: ``translate(key, lang, **values)`` over the interface's
    catalogues (``dashboard.i18n.translate``), ``number(value, decimals, lang)`` and
    ``percent(value, decimals, lang)`` (``dashboard.fmt``)."""

    translate: Callable[..., str]
    number: Callable[..., str]
    percent: Callable[..., str]

    def bound(self, lang: str) -> Callable[..., str]:
        """``translate`` with the language filled in: ``tr(key, **values)``."""
        return lambda key, **values: self.translate(key, lang, **values)


def direct_q(engine, *, memo: bool = True) -> Q:
    """``q(name, **kwargs)`` straight on an engine (tests, benchmarks): ``queries.<name>(engine, ...)``,
    each answer remembered for the life of ``q`` when ``memo`` (treat the results as read-only)."""
    from qh_data import queries
    from qh_data.records import frame

    seen: dict[tuple, Any] = {}

    def q(name: str, **kwargs):
        key = (name, tuple(sorted(kwargs.items())))
        if not memo:
            return frame(getattr(queries, name)(engine, **kwargs))
        if key not in seen:
            seen[key] = frame(getattr(queries, name)(engine, **kwargs))
        return seen[key]

    return q


@dataclass(frozen=True)
class Request:
    """What a map shows. ``period2`` is the earlier period of a change map; ``method`` the classes of
    raw-value maps; ``as_of`` None = current figures."""

    indicator: str
    province: str
    period: str
    view: str = "actual"
    period2: str | None = None
    method: str = DEFAULT_METHOD
    as_of: dt.datetime | None = None
    lang: str = "vi"
    level: str | None = None  # the geography (district | commune); None: the period's own (geography_of)
    carry_onto: dt.date | None = None  # a district period drawn on the communes of that day (queries.carry)

    def key(self) -> tuple:
        return tuple(asdict(self).values())


@dataclass
class MapModel:
    request: Request
    indicator: dict[str, Any]
    rows: list[dict[str, Any]]  # one per district valid in the period, by code
    classes: Classification
    palette: list[str]
    legend_title: str
    legend_labels: list[str]
    legend_unit: str | None
    decimals: int
    unit: str | None
    target_year: int | None
    province: dict[str, Any]
    n_values: int = 0
    notes: list[str] = field(default_factory=list)
    level: str = "district"  # the geography drawn: districts before 1/7/2025, communes from then on
    levels: list[str] = field(default_factory=list)  # the geographies the period has (two for 2025)

    @property
    def n_units(self) -> int:
        return len(self.rows)

    @property
    def empty(self) -> bool:
        return self.n_values == 0


# --- small helpers -------------------------------------------------------------------------------

def level_key(key: str, level: str) -> str:
    """The catalogue key of a sentence about the units drawn: ``map.x`` for districts, ``map.x_commune`` for
    communes ("Xếp thứ 3/11 huyện" / "Xếp thứ 3/65 xã, phường")."""
    return f"{key}_commune" if level == "commune" else key


def period_text(code: str, lang: str) -> str:
    """A period's label inside a sentence: "năm 2025", "6 tháng đầu năm 2026", "quý 3/2026" / "2025"."""
    text = periods.label(code, lang)
    return text[:1].lower() + text[1:] if lang == "vi" else text


def indicator_info(q: Q, code: str, province: str, as_of=None) -> dict[str, Any] | None:
    """The indicator's catalogue fields (one row of ``indicator_overview``) as a dict, or None."""
    ov = q("indicator_overview", province=province, as_of=as_of)
    hit = ov[ov["code"] == code]
    if hit.empty:
        return None
    row = hit.iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def indicator_name(info: Mapping[str, Any], lang: str) -> str:
    return str((info.get("name_en") if lang == "en" else None) or info.get("name_vi") or info.get("code"))


def indicator_unit(info: Mapping[str, Any], lang: str) -> str:
    return str((info.get("unit_en") if lang == "en" else None) or info.get("unit") or "")


# --- which map to show -------------------------------------------------------------------------------

def presentation_request(q: Q, indicator: str, province: str, as_of, lang: str) -> Request | None:
    """The projector's map: progress for the latest year with figures when the indicator has targets,
    else the latest actual (or estimated) figures; None when it has no district figures at all."""
    avail = unit_periods(q, indicator=indicator, province=province, as_of=as_of)
    for view in ("progress", "actual", "estimate"):
        period = default_period(avail, view)
        if period:
            return Request(indicator=indicator, province=province, period=period, view=view, as_of=as_of,
                           lang=lang)
    return None


# --- the figures of one period ---------------------------------------------------------------------

def map_levels(q: Q, req: Request, avail: Mapping[str, list[str]] | None = None) -> tuple[str, list[str]]:
    """(the geography drawn, the geographies the period has): the one asked for when the period has it,
    else the first of them holding the view's figures (``avail``: ``availability.unit_periods``), else the
    period's first (the units the figures of a period straddling 1/7/2025 were collected on)."""
    found = list(q("geographies", province=req.province, period=req.period)) or ["district"]
    if req.level in found:
        return req.level, found
    held = [lv for lv in found if avail is not None and lv in figure_levels(avail, req.view, req.period)]
    return (held or found)[0], found


def _district_frame(q: Q, req: Request, period: str, kind: str):
    return q("indicator_values", indicator=req.indicator, period=period, kind=kind, level=map_levels(q, req)[0],
             province=req.province, as_of=req.as_of)


def _figure(r: Mapping[str, Any], kind: str, value: float) -> dict:
    return {"value": value, "kind": kind, "source": r.get("source"), "is_demo": bool(r.get("is_demo")),
            "revision": r.get("revision")}


def _figures(q: Q, req: Request, period: str, kind: str) -> tuple[list[dict], dict[str, dict]]:
    """(districts valid in the period [{code, name}], {code: {value, kind, source, is_demo, revision}})
    of the districts that have a figure of ``kind``."""
    df = _district_frame(q, req, period, kind)
    units = [{"code": str(c), "name": str(n)} for c, n in zip(df["code"], df["name"], strict=True)]
    figs: dict[str, dict] = {}
    for r in df.to_dict("records"):
        v = number_or_none(r["value"])
        if v is not None:
            figs[str(r["code"])] = _figure(r, kind, v)
    return units, figs


def _observed_figures(q: Q, req: Request, period: str) -> tuple[list[dict], dict[str, dict]]:
    """Like :func:`_figures` with each district's observed figure: its actual, else its estimate
    (``qh_data.rules.observed``)."""
    units: list[dict] = []
    rows: dict[tuple[str, str], Mapping[str, Any]] = {}
    for i, kind in enumerate(observed.OBSERVED_KINDS):
        df = _district_frame(q, req, period, kind)
        if i == 0:
            units = [{"code": str(c), "name": str(n)} for c, n in zip(df["code"], df["name"], strict=True)]
        rows.update({(str(r["code"]), kind): r for r in df.to_dict("records")})
    best = observed.observed_by((code, kind, number_or_none(r["value"])) for (code, kind), r in rows.items())
    return units, {code: _figure(rows[code, kind], kind, v) for code, (kind, v) in best.items()}


def carries(req: Request, level: str, info: Mapping[str, Any]) -> bool:
    """Whether the map carries its figures onto the communes of ``req.carry_onto``: an actual or estimate
    map of an additive indicator for a period whose figures are on the districts."""
    return (req.carry_onto is not None and req.view in ("actual", "estimate") and level == "district"
            and carriable(info.get("aggregation")))


def _carried_figures(q: Q, req: Request, tr) -> tuple[list[dict], dict[str, dict], dict[str, int]]:
    """(the communes of ``req.carry_onto``, {code: figure with its ``basis`` sentence}, count per basis):
    the period's figures carried across the rearrangement (``queries.carry``)."""
    df = q("carried_values", indicator=req.indicator, period=req.period, kind=req.view, province=req.province,
           onto=req.carry_onto, as_of=req.as_of)
    units = [{"code": str(c), "name": str(n)} for c, n in zip(df["code"], df["name"], strict=True)]
    figs: dict[str, dict] = {}
    counts = {basis: 0 for basis in CARRY_BASES}
    for r in df.to_dict("records"):
        counts[r["basis"]] += 1
        figs[str(r["code"])] = {"value": number_or_none(r["value"]), "kind": req.view, "is_demo": bool(r["is_demo"]),
                                "source": tr(f"map.carried_{r['basis']}", came_from=r["came_from"] or "–"),
                                "revision": None}
    return units, figs, counts


def _province_rows(q: Q, req: Request, period: str, kinds: tuple[str, ...]) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for kind in kinds:
        df = q("indicator_values", indicator=req.indicator, period=period, kind=kind, level="province",
               province=req.province, as_of=req.as_of)
        if len(df):
            rows[kind] = df.iloc[0].to_dict()
    return rows


def _province_figure(q: Q, req: Request, period: str, kind: str) -> dict | None:
    """The province's own figure of ``kind`` (its row, the value made a float), or None."""
    r = _province_rows(q, req, period, (kind,)).get(kind)
    v = number_or_none(r.get("value")) if r else None
    return None if v is None else {**r, "value": v, "kind": kind}


def _province_observed(q: Q, req: Request, period: str) -> dict | None:
    """The province's observed figure: its actual, else its estimate (``qh_data.rules.observed``)."""
    rows = _province_rows(q, req, period, observed.OBSERVED_KINDS)
    best = observed.observed_by((period, kind, number_or_none(r.get("value"))) for kind, r in rows.items())
    if period not in best:
        return None
    kind, v = best[period]
    return {**rows[kind], "value": v, "kind": kind}


def _ranks(values: list[float | None], higher_is_better: bool) -> list[int | None]:
    """Competition ranks (1 = best; ties share a rank) among the values that exist."""
    present = sorted((v for v in values if v is not None), reverse=higher_is_better)
    first: dict[float, int] = {}
    for i, v in enumerate(present, start=1):
        first.setdefault(v, i)
    return [None if v is None else first[v] for v in values]


def _decimals_for(edges) -> int:
    """Enough decimals (0–3) to write every finite class edge exactly."""
    best = 0
    for e in edges:
        if e is None or not math.isfinite(e):
            continue
        d = 0
        while d < 3 and abs(round(e, d) - e) > 1e-9 * max(1.0, abs(e)):
            d += 1
        best = max(best, d)
    return best


def change_in_points(info: Mapping[str, Any]) -> bool:
    """Shares and rates change by points (2,5 điểm %), other figures by percent (+8,1 %)."""
    return bool(info.get("is_rate")) or str(info.get("unit") or "").strip() == "%"


def _change(v1: float | None, v0: float | None, points: bool) -> float | None:
    if v1 is None or v0 is None:
        return None
    if points:
        return v1 - v0
    if v0 == 0:
        return None
    return (v1 - v0) / abs(v0) * 100


# --- the model -----------------------------------------------------------------------------------

def build_model(q: Q, req: Request, words: Words) -> MapModel:
    """Rows, classes and legend of one map (no Streamlit call: ``q`` gives the data)."""
    if req.view not in VIEWS:
        raise ValueError(f"view {req.view!r}")
    lang = req.lang
    tr = words.bound(lang)
    info = indicator_info(q, req.indicator, req.province, req.as_of)
    if info is None:
        raise NotFound(words.translate("map.no_indicator", "vi", code=req.indicator),
                       words.translate("map.no_indicator", "en", code=req.indicator))
    unit = indicator_unit(info, lang)
    dec = int(info.get("decimals") or 0)
    higher = info.get("direction") != "lower"
    period_label = periods.label(req.period, lang)
    period_mid = period_text(req.period, lang)
    avail = unit_periods(q, indicator=req.indicator, province=req.province, as_of=req.as_of)
    level, levels = map_levels(q, req, avail)
    req = dataclasses.replace(req, level=level)  # every read below is on that geography
    ty = target_year_for(target_years(avail), req.period)
    is_year = periods.period_type(req.period) == "year"

    def number(v, d=dec):
        return words.number(v, d, lang)

    notes: list[str] = []
    province: dict[str, Any] = {}
    if req.view in RAW_VIEWS and carries(req, level, info):
        units, figs, counts = _carried_figures(q, req, tr)
        level, levels, targets = "commune", ["commune"], {}
        values = [figs[u["code"]]["value"] for u in units]
        out_unit, out_dec = unit, dec
        legend_title = tr("map.legend_carried", kind=tr(f"status.kind.{req.view}"), period=period_label)
        notes.append(tr("map.note_carried", period=period_mid, n=len(units), **counts))
        pf = _province_figure(q, req, req.period, req.view)
        province = {"value": pf["value"] if pf else None, "figure": pf, "target": None, "percent": None}
    elif req.view in RAW_VIEWS:
        units, figs = _figures(q, req, req.period, req.view)
        targets: dict[str, dict] = {}
        if req.view != "target" and ty is not None:
            _, targets = _figures(q, req, str(ty), "target")
        values = [figs.get(u["code"], {}).get("value") for u in units]
        out_unit, out_dec = unit, dec
        legend_title = tr("map.legend_raw", kind=tr(f"status.kind.{req.view}"), period=period_label)
        pf = _province_figure(q, req, req.period, req.view)
        ptarget = _province_figure(q, req, str(ty), "target") if ty is not None and req.view != "target" else None
        province = {"value": pf["value"] if pf else None, "figure": pf, "target": ptarget,
                    "percent": (percent_of_target(pf["value"], ptarget["value"], direction=info.get("direction"))
                                if pf and ptarget and is_year else None)}
    elif req.view == "progress":
        units, figs = _observed_figures(q, req, req.period)
        _, targets = (_figures(q, req, str(ty), "target") if ty is not None else ([], {}))
        values = []
        for u in units:
            f, tg = figs.get(u["code"]), targets.get(u["code"])
            values.append(percent_of_target(f["value"], tg["value"], direction=info.get("direction"))
                          if f and tg else None)
        higher = True
        out_unit, out_dec = tr("map.unit_of_target"), 0
        legend_title = (tr("map.legend_progress_same", year=ty) if ty == periods.year(req.period) and is_year
                        else tr("map.legend_progress", year=ty if ty is not None else "–", period=period_label))
        pf = _province_observed(q, req, req.period)
        ptarget = _province_figure(q, req, str(ty), "target") if ty is not None else None
        province = {"value": (percent_of_target(pf["value"], ptarget["value"], direction=info.get("direction"))
                              if pf and ptarget else None), "figure": pf, "target": ptarget}
        if any(f["kind"] == "estimate" for f in figs.values()):
            notes.append(tr(level_key("map.note_estimates_used", level)))
    else:  # change
        if not req.period2:
            raise ValueError("a change map needs period2")
        points = change_in_points(info)
        units, figs = _observed_figures(q, req, req.period)
        _, base = _observed_figures(q, req, req.period2)
        targets = {}
        values = [_change(figs.get(u["code"], {}).get("value"), base.get(u["code"], {}).get("value"), points)
                  for u in units]
        out_unit = tr("map.unit_points") if points else "%"
        out_dec = 1
        legend_title = tr("map.legend_change", period=period_mid, period2=period_text(req.period2, lang))
        pf = _province_observed(q, req, req.period)
        pb = _province_observed(q, req, req.period2)
        province = {"value": _change(pf["value"] if pf else None, pb["value"] if pb else None, points),
                    "figure": pf, "base": pb}
        if any(f["kind"] == "estimate" for f in list(figs.values()) + list(base.values())):
            notes.append(tr(level_key("map.note_estimates_used", level)))

    ranks = _ranks(values, higher)
    n = sum(v is not None for v in values)

    # classes, palette, legend
    if req.view in RAW_VIEWS:
        method = req.method if req.method in METHODS else DEFAULT_METHOD
        cls = classify(values, method, K)
        palette = sequential_palette(cls.k)
        labels = cls.labels(lambda v: number(v, out_dec))
    elif req.view == "progress":
        cls = progress_classes(values)
        palette = list(PROGRESS_PALETTE)
        labels = cls.labels(lambda v: number(v, 0))
    else:
        cls = change_classes(values, K)
        palette = diverging_palette(cls.k, "RdBu", reverse=info.get("direction") == "lower")
        label_dec = _decimals_for([*cls.bins, cls.lower])
        labels = cls.labels(lambda v: number(v, label_dec))

    rows: list[dict[str, Any]] = []
    for u, v, rank in zip(units, values, ranks, strict=True):
        code = u["code"]
        f = figs.get(code)
        tg = targets.get(code) if targets else None
        row: dict[str, Any] = {
            "code": code, "name": u["name"], "value": v,
            "formatted_value": None if v is None else number(v, out_dec),
            "unit": out_unit or None, "rank": rank, "n": n if rank is not None else None,
            "source": (f or {}).get("source"), "kind_used": (f or {}).get("kind"),
            "observed": (f or {}).get("value"), "target": (tg or {}).get("value"),
            "is_demo": bool((f or {}).get("is_demo") or (tg or {}).get("is_demo")),
            "target_text": None,
        }
        if req.view in ("actual", "estimate") and tg is not None:
            pct = percent_of_target(v, tg["value"], direction=info.get("direction")) if (v is not None and is_year) else None
            row["percent"] = pct
            row["target_text"] = (tr("map.tip_target_pct", year=ty, target=number(tg["value"]), unit=unit,
                                     pct=number(pct, 0)) if pct is not None
                                  else tr("map.tip_target", year=ty, target=number(tg["value"]), unit=unit))
        elif req.view == "progress" and f is not None:
            row["target_text"] = tr("map.tip_progress", kind=tr(f"status.kind.{f['kind']}"), period=period_mid,
                                    value=number(f["value"]), unit=unit, year=ty,
                                    target=number(tg["value"]) if tg else "–")
        elif req.view == "change":
            b = base.get(code)
            row["base"] = (b or {}).get("value")
            row["is_demo"] = row["is_demo"] or bool((b or {}).get("is_demo"))
            if f is not None or b is not None:
                row["target_text"] = tr("map.tip_change", period=period_label,
                                        value=number((f or {}).get("value")), period2=periods.label(req.period2, lang),
                                        base=number((b or {}).get("value")), unit=unit)
        rows.append(row)

    province_name = next((p["name"] for p in q("provinces") if p["code"] == req.province), req.province)
    province.update({"name": province_name, "unit": out_unit, "decimals": out_dec})
    return MapModel(request=req, indicator=info, rows=rows, classes=cls, palette=list(palette),
                    legend_title=legend_title, legend_labels=list(labels), legend_unit=out_unit or None,
                    decimals=out_dec, unit=unit, target_year=ty, province=province, n_values=n, notes=notes,
                    level=level, levels=levels)
