"""The figures written next to a map (the province's figure, how many districts reached the target, how
the province figure is made) and one unit's series as rows for a chart or a table. No Streamlit."""

from __future__ import annotations

from typing import Any

from qh_data import periods
from qh_data.maps.availability import RAW_VIEWS
from qh_data.maps.classify import PROGRESS_PALETTE, number_or_none, progress_classes
from qh_data.maps.model import MapModel, Words, level_key, period_text


def progress_colour(pct: float | None) -> str | None:
    """The colour of a "% of target reached" on the map's fixed scale (None: no value)."""
    if pct is None:
        return None
    c = progress_classes([pct]).classes[0]
    return PROGRESS_PALETTE[c] if c is not None else None


def province_figures(m: MapModel, words: Words) -> list[tuple[str, str, str | None]]:
    """(label, value, colour) of the province figure(s) of a map, for the page's big figures."""
    req = m.request
    lang = req.lang
    tr = words.bound(lang)
    p = m.province
    unit = m.unit or ""
    items: list[tuple[str, str, str | None]] = []

    def number(v, d: int = 0) -> str:
        return words.number(v, d, lang)

    def fig(label: str, v, d: int, u: str | None, colour: str | None = None) -> None:
        """A figure: the number big, the unit in the label (long units do not fit a big figure)."""
        if u and u.strip() == "%":
            items.append((label, words.percent(v, d, lang), colour))
        else:
            items.append((f"{label} ({u})" if u and v is not None else label, number(v, d), colour))

    raw_dec = int(m.indicator.get("decimals") or 0)
    if req.view in RAW_VIEWS:
        fig(tr("map.fig_province", name=p["name"]), p.get("value"), m.decimals, unit)
        if p.get("target"):
            fig(tr("map.fig_target", year=m.target_year), p["target"]["value"], m.decimals, unit)
        if p.get("percent") is not None:
            items.append((tr("map.fig_percent"), words.percent(p["percent"], 0, lang), progress_colour(p["percent"])))
    elif req.view == "progress":
        items.append((tr("map.fig_progress", name=p["name"], year=m.target_year),
                      words.percent(p.get("value"), 0, lang), progress_colour(p.get("value"))))
        if p.get("figure"):
            fig(tr("map.fig_observed", kind=tr(f"status.kind.{p['figure']['kind']}"),
                   period=period_text(req.period, lang)), p["figure"]["value"], raw_dec, unit)
        reached = sum(1 for r in m.rows if r["value"] is not None and r["value"] >= 100)
        items.append((tr(level_key("map.fig_reached", m.level)), f"{number(reached)} / {number(m.n_values)}", PROGRESS_PALETTE[-1]))
    else:
        fig(tr("map.fig_change", name=p["name"]), p.get("value"), m.decimals, m.legend_unit)
        grew = sum(1 for r in m.rows if r["value"] is not None and r["value"] > 0)
        items.append((tr(level_key("map.fig_increased", m.level)), f"{number(grew)} / {number(m.n_values)}", None))
    items.append((tr(level_key("map.fig_coverage", m.level)), f"{number(m.n_values)} / {number(m.n_units)}", None))
    return items


def province_method_text(m: MapModel, words: Words) -> str | None:
    """How the province figure was made: the roll-up rule and how many districts it covers."""
    lang = m.request.lang
    fig = (m.province or {}).get("figure")
    if not fig:
        return None
    method = fig.get("method") or "province"
    n, total = fig.get("districts_contributing"), fig.get("districts_total")
    try:
        n, total = int(n or 0), int(total or 0)
    except (TypeError, ValueError):
        n, total = 0, 0
    level = fig.get("unit_level") or m.level  # the units it was rolled up from (districts on a carried map)
    return words.translate(level_key(f"map.rollup_{method}", level), lang, n=words.number(n, 0, lang),
                           total=words.number(total, 0, lang))


def series_records(series, words: Words, lang: str, decimals: int) -> list[dict[str, Any]]:
    """Rows of ``indicator_series``/``province_series`` ready for a chart or a table."""
    out = []
    for r in series.to_dict("records"):
        v = number_or_none(r.get("value"))
        if v is None or not periods.is_valid(r["period"]):
            continue
        p = periods.parse(r["period"])
        out.append({"period": p.code, "period_label": p.label(lang), "period_type": p.type, "year": p.year,
                    "kind": r["kind"], "kind_word": words.translate(f"status.kind.{r['kind']}", lang), "value": v,
                    "value_text": words.number(v, decimals, lang), "source": r.get("source"),
                    "is_demo": bool(r.get("is_demo")), "revision": r.get("revision"),
                    "submitted_at": r.get("submitted_at")})
    return out
