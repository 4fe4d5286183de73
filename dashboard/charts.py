"""Altair charts shared by pages; colours from dashboard.theme so a status looks the same everywhere."""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import theme
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
