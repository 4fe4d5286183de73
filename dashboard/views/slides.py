"""The slides of the presentation: each one screen, large type, the filters written on it."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, components, data, fmt, theme
from dashboard.components_text import esc_md
from dashboard.i18n import t
from dashboard.page import PageContext
from dashboard.safe_text import plain

SLIDES = ("overview", "progress", "map", "issues")


def _heading(ctx: PageContext, name: str) -> None:
    st.title(t(f"slideshow.slide_{name}"))
    components.filters_line(ctx.filters_parts())


def pick_indicator(ctx: PageContext) -> str | None:
    overview = data.q("indicator_overview", province=ctx.filters.province, as_of=ctx.as_of_dt)
    if overview.empty:
        return None
    codes = list(overview["code"])
    names = dict(zip(overview["code"], overview["name_en" if ctx.lang == "en" else "name_vi"], strict=True))
    default = "grdp_per_capita" if "grdp_per_capita" in codes else codes[0]
    return st.selectbox(t("slideshow.indicator"), codes, index=codes.index(st.session_state.get("slide_ind", default))
                        if st.session_state.get("slide_ind", default) in codes else 0,
                        format_func=lambda c: plain(names.get(c, c)), key="slide_ind")


def draw(name: str, ctx: PageContext, *, indicator: str | None = None) -> None:
    _heading(ctx, name)
    if name == "overview":
        from dashboard.views import overview

        overview.render(ctx, compact=True)
    elif name == "progress":
        counts = data.q("task_counts_by_holder", **ctx.task_scope())  # a former agency's for its successor
        if counts.empty:
            components.empty_state(t("overview.no_tasks"))
        else:
            st.altair_chart(charts.tasks_by_agency(counts, ctx.lang, big=True, max_rows=14),
                            width="stretch")
    elif name == "map":
        if indicator is None:
            components.empty_state(t("overview.no_indicators"))
        else:
            from dashboard.views import mapview

            mapview.presentation_map(ctx, indicator)
    elif name == "issues":
        _awaiting_issues(ctx)


def _awaiting_issues(ctx: PageContext) -> None:
    f, lang = ctx.filters, ctx.lang
    issues = data.q("open_issues", province=f.province, districts=f.districts or None, agency=f.agency,
                    statuses=["awaiting_decision"], as_of=ctx.today)
    if issues.empty:
        components.empty_state(t("slideshow.no_awaiting"))
        return
    components.figures([(t("overview.awaiting_decision"), fmt.number(len(issues), lang=lang),
                         theme.ISSUE_STATUS_COLORS["awaiting_decision"])], columns=3)
    rows = []  # st.table renders markdown in its cells: data text is escaped
    for r in issues.itertuples():
        rows.append({
            t("slideshow.col_issue"): esc_md(r.title),
            t("slideshow.col_agency"): esc_md(r.raised_by_short or r.raised_by_name),
            t("slideshow.col_severity"): t(f"status.severity.{r.severity}"),
            t("slideshow.col_age"): t("overview.days", n=fmt.number(r.age_days, lang=lang)),
            t("slideshow.col_proposal"): esc_md(r.proposed_solution) if r.proposed_solution else "–",
        })
    st.table(rows)
