"""One indicator's target under each of the province's plans, side by side (issue 15 point 3): the approved plan
and its adjustment, each with its decision (or the day the People's Council passed it), its status, the figure in
its own unit (the same quantity in another unit too: ``queries.plans.SAME_QUANTITY``, never converted) and both
sources. Drawn in the indicators page's explain view for the province."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import components, data, fmt
from dashboard.i18n import t
from dashboard.safe_text import md

YEAR = 2030


def _text(value) -> str | None:
    """A text cell of the frame, None for an empty one (NaN)."""
    return value if isinstance(value, str) and value else None


def draw(code: str, province: str, day: dt.date, lang: str) -> None:
    """Nothing when the province has no plan with a target of this indicator."""
    rows = data.q("targets_by_plan", indicator=code, province=province, period=str(YEAR), day=day)
    if rows.empty:
        return
    recs = rows.to_dict("records")
    st.markdown(f"**{components.esc(t('indicators.plans_title', year=YEAR))}**")
    for col, r in zip(st.columns(len(recs)), recs, strict=True):
        with col, st.container(border=True):
            label = r["label_en"] if lang == "en" else r["label_vi"]
            st.markdown(f"**{md(label[:1].upper() + label[1:])}**")
            status = t(f"indicators.plans_status_{r['status']}")
            st.caption(status + (f" · {t('indicators.plans_in_force')}" if r["in_force"] else ""))
            unit = (_text(r["unit_en"]) or r["unit"]) if lang == "en" else r["unit"]
            value = float(r["value"])
            st.markdown(f"### {fmt.number(value, 0 if value.is_integer() else 1, lang)} {md(unit)}")
            st.caption(md((_text(r["name_en"]) or r["name_vi"]) if lang == "en" else r["name_vi"]))
            st.caption(t("indicators.plans_figure_source", source=md(_text(r["source"]) or "–")))
            if _text(r["plan_source"]) and r["plan_source"] != r["source"]:
                st.caption(t("indicators.plans_plan_source", source=md(r["plan_source"])))
            if r["is_demo"]:
                st.caption(t("common.demo_mark"))
    if len({r["unit"] for r in recs}) > 1:
        st.caption(t("indicators.plans_other_unit"))
