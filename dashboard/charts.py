"""Altair charts shared by pages; colours from dashboard.theme so a status looks the same everywhere."""

from __future__ import annotations

import altair as alt
import pandas as pd

from qh_data.maps.availability import KINDS
from qh_data.units import territory

from . import fmt, theme
from .i18n import translate

TIMING_ORDER = ["done_on_time", "done_late", "on_track", "due_soon", "overdue", "no_deadline", "cancelled"]


def _scale(order: list[str], colors: dict[str, str], words: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=[words[c] for c in order], range=[colors[c] for c in order])


def tasks_by_agency(counts: pd.DataFrame, lang: str, *, label_col: str = "short_name",
                    big: bool = False, max_rows: int = 40) -> alt.Chart:
    """Stacked horizontal bars: tasks of each agency by timing status."""
    cols = [c for c in TIMING_ORDER if c in counts.columns]
    words = {c: translate(f"status.timing.{c}", lang) for c in TIMING_ORDER}
    df = counts.copy()
    df["label"] = df[label_col].fillna(df.get("agency_name", df[label_col]))
    df = df.sort_values("assigned", ascending=False).head(max_rows)
    long = df.melt(id_vars=["label", "assigned"], value_vars=cols, var_name="timing", value_name="n")
    long = long[long["n"] > 0]
    long["status"] = long["timing"].map(words)
    long["order"] = long["timing"].map({c: i for i, c in enumerate(TIMING_ORDER)})
    font = 18 if big else 14
    # Streamlit fits the whole chart (legend and axis included) into ``height``: give the bars their
    # rows and add the legend's lines (two columns) and the axis, or the labels overlap
    legend_lines = -(-long["status"].nunique() // 2)
    height = (max(6, len(df)) * (34 if big else 26) + legend_lines * (font + 8) + 24
              + 3 * font + 24)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=alt.SortField("assigned", order="descending"), title=None,
                    axis=alt.Axis(labelLimit=320, labelFontSize=font, labelOverlap=False)),
            x=alt.X("sum(n):Q", title=translate("overview.tasks_axis", lang),
                    axis=alt.Axis(labelFontSize=font, titleFontSize=font, tickMinStep=1, format="d")),
            color=alt.Color("status:N", scale=_scale(TIMING_ORDER, theme.TASK_TIMING_COLORS, words),
                            legend=alt.Legend(orient="top", title=None, labelFontSize=font, columns=2,
                                              labelLimit=400, symbolSize=font * 12)),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("label:N", title=translate("common.agency", lang)),
                     alt.Tooltip("status:N", title=translate("overview.status", lang)),
                     alt.Tooltip("n:Q", title=translate("overview.count", lang))],
        )
        .properties(height=height)
        .configure_view(strokeWidth=0)
    )


def progress_donut(counts: dict[str, int], lang: str) -> alt.Chart:
    from qh_data.status import PROGRESS_STATUSES

    words = {c: translate(f"status.progress.{c}", lang) for c in PROGRESS_STATUSES}
    df = pd.DataFrame([{"status": words[c], "n": counts.get(c, 0), "order": i}
                       for i, c in enumerate(PROGRESS_STATUSES) if counts.get(c, 0)])
    return (
        alt.Chart(df).mark_bar().encode(
            x=alt.X("n:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1, labelFontSize=14)),
            y=alt.Y("status:N", sort=alt.SortField("order"), title=None,
                    axis=alt.Axis(labelFontSize=15, labelLimit=300)),
            color=alt.Color("status:N", legend=None,
                            scale=_scale(list(PROGRESS_STATUSES), theme.PROGRESS_COLORS, words)),
            tooltip=["status:N", "n:Q"],
        ).properties(height=max(120, 34 * len(df))).configure_view(strokeWidth=0)
    )


# --- a unit's yearly series ------------------------------------------------------------------------

KIND_COLOURS = {"actual": "#0072B2", "estimate": "#E69F00", "target": "#D55E00"}
BREAK_COLOUR = "#555555"


def trend_chart(records: list[dict], lang: str, *, unit: str = "", height: int = 260, big: bool = False,
                breaks: list = ()) -> alt.LayerChart | None:
    """Yearly figures of one unit (rows of ``qh_data.maps.figures.series_records``): actuals as a solid
    line, estimates dashed, targets as diamonds. None when there is nothing yearly to draw.

    ``breaks``: the days the unit's territory changed (``queries.units.territory_changes``). The figures on
    either side are not joined into one line (each side is its own segment, ``qh_data.units.territory``)
    and each day is marked by a rule with its date."""
    yearly = [r for r in records if r["period_type"] == "year"]
    if not yearly:
        return None
    days = sorted(breaks)
    df = pd.DataFrame(yearly)
    df["segment"] = [territory.segment(p, days) for p in df["period"]]
    words = {k: translate(f"status.kind.{k}", lang) for k in KINDS}
    domain = [words[k] for k in KINDS]
    colour = alt.Color("kind_word:N", title=None, scale=alt.Scale(domain=domain, range=[KIND_COLOURS[k] for k in KINDS]),
                       legend=alt.Legend(orient="top", labelFontSize=18 if big else 13, symbolSize=120,
                                         columns=3 if big else 2, symbolType="circle"))
    font = 16 if big else 12
    base = alt.Chart(df).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1, labelFontSize=font, labelOverlap=True),
                scale=alt.Scale(zero=False, nice=False, padding=12)),
        y=alt.Y("value:Q", title=unit or None, scale=alt.Scale(zero=False),
                axis=alt.Axis(labelFontSize=font, titleFontSize=font)),
        color=colour,
        tooltip=[alt.Tooltip("period_label:N", title=translate("map.col_period", lang)),
                 alt.Tooltip("kind_word:N", title=translate("map.col_kind", lang)),
                 alt.Tooltip("value_text:N", title=translate("map.col_value", lang))],
    )
    lines = base.transform_filter(alt.FieldOneOfPredicate(field="kind", oneOf=["actual", "estimate"])).mark_line(
        point=alt.OverlayMarkDef(size=40 if not big else 80), strokeWidth=3 if big else 2).encode(
        strokeDash=alt.StrokeDash("kind:N", legend=None,
                                  scale=alt.Scale(domain=["actual", "estimate"], range=[[1, 0], [6, 4]])),
        detail="segment:O")  # one line per side of a territory change
    targets = base.transform_filter(alt.datum.kind == "target").mark_point(
        shape="diamond", size=160 if not big else 260, filled=True, opacity=1)
    layers = [lines, targets]
    if days:
        marks = pd.DataFrame([{"x": territory.year_position(d),
                               "label": translate("common.territory_break", lang, date=fmt.date(d, lang))}
                              for d in days])
        rule = alt.Chart(marks).mark_rule(color=BREAK_COLOUR, strokeDash=[2, 3], strokeWidth=2).encode(
            x="x:Q", tooltip=[alt.Tooltip("label:N", title=translate("common.territory_break_title", lang))])
        text = alt.Chart(marks).mark_text(align="left", baseline="top", dx=4, dy=2, fontSize=font - 1,
                                          color=BREAK_COLOUR).encode(x="x:Q", y=alt.value(0), text="label:N")
        layers += [rule, text]
    return (alt.layer(*layers).properties(height=height)
            .configure_view(strokeWidth=0).configure_legend(labelLimit=300))
