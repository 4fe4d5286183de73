"""What the pages say when units changed over time (issue 14).

* :func:`take_dropped` / :func:`abolished_notice`: a link whose unit filter names units that no longer exist
  on its as-of day (the districts, abolished on 1/7/2025) says so once, with the day they ended and the
  communes that took their territory (``queries.units.abolished``, from the stored lineage), and offers to
  filter by those communes or to look at the day before the change with the old districts;
* :func:`territory_note`: where a unit's figures are shown (the province on the indicators and map
  pages), a note when its territory changed (``queries.units.territory_changes``: Thái Nguyên took in
  Bắc Kạn on 1/7/2025); it returns the days, which the trend chart marks (``charts.trend_chart``).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data, fmt, state
from dashboard.i18n import current_lang, t
from dashboard.safe_text import md
from qh_data import clock, queries

NOTICE_KEY = "_abolished_units"


def take_dropped() -> bool:
    """Look up the unit codes the filter let go of on this run (``state.DROPPED_KEY``); those that named
    units abolished before the as-of day are kept for :func:`abolished_notice`. True when every dropped
    code is explained that way (the link's ``d`` is then not reported as an ignored parameter)."""
    s = st.session_state
    dropped = s.pop(state.DROPPED_KEY, None)
    if not dropped:
        return False
    province, day = s.get("f_province"), s.get("f_asof") or clock.today()
    gone = data.read(queries.units.abolished, province=province, codes=list(dropped), day=day)
    if gone:
        s[NOTICE_KEY] = {"province": province, "day": day, "units": gone}
    return len(gone) == len(dropped)


def _use(codes: list[str]) -> None:
    st.session_state["f_districts"] = list(codes)
    st.session_state.pop(NOTICE_KEY, None)


def _view_then(codes: list[str], day: dt.date) -> None:
    st.session_state["f_asof"] = day
    st.session_state["f_districts"] = list(codes)
    st.session_state.pop(NOTICE_KEY, None)


def _dismiss() -> None:
    st.session_state.pop(NOTICE_KEY, None)


def abolished_notice(valid: state.Valid) -> None:
    """The notice of :func:`take_dropped`'s units, until the user acts on it or changes province or day."""
    s = st.session_state
    notice = s.get(NOTICE_KEY)
    if not notice:
        return
    if notice["province"] != s.get("f_province") or notice["day"] != (s.get("f_asof") or clock.today()):
        s.pop(NOTICE_KEY, None)
        return
    lang = current_lang()
    gone = notice["units"]
    allowed = set(valid.districts.get(notice["province"], ()))
    successors = list({u["code"]: u for g in gone for u in g["successors"] if u["code"] in allowed}.values())
    with st.container(border=True, key="qh_abolished"):
        why = t("common.abolished_why_district") if all(g["level"] == "district" for g in gone) else ""
        st.warning(t("common.abolished_units", names=md(", ".join(g["name"] for g in gone)), why=why,
                     date=fmt.date(min(g["ended_on"] for g in gone), lang), n=len(successors),
                     successors=md(", ".join(u["name"] for u in successors))), icon=":material/history:")
        c1, c2, c3 = st.columns([2, 2, 1])
        c1.button(t("common.abolished_use_successors", n=len(successors)), key="abolished_use", type="primary",
                  on_click=_use, args=([u["code"] for u in successors],), disabled=not successors)
        then = max(g["valid_to"] for g in gone)
        c2.button(t("common.abolished_view_then", date=fmt.date(then, lang)), key="abolished_then",
                  on_click=_view_then, args=([g["code"] for g in gone], then))
        c3.button(t("common.abolished_dismiss"), key="abolished_dismiss", on_click=_dismiss)


def territory_changes(level: str, code: str) -> list[dict]:
    return data.read(queries.units.territory_changes, level=level, code=code)


def territory_note(level: str, code: str) -> list[dt.date]:
    """Say when the territory behind ``code`` changed (figures before and after the day cover different
    territories); returns the days, for the trend chart's ``breaks``. Nothing for a unit whose territory
    did not change."""
    lang = current_lang()
    changes = territory_changes(level, code)
    for change in changes:
        day = fmt.date(change["on"], lang)
        basis = f" ({md(change['legal_basis'])})" if change["legal_basis"] else ""
        if change["merged"]:
            text = t("common.territory_note_merged", name=md(change["name"]), date=day, basis=basis,
                     merged=md(", ".join(change["merged"])))
        else:
            text = t("common.territory_note", name=md(change["name"]), date=day, basis=basis)
        st.info(text, icon=":material/compare_arrows:")
    return [change["on"] for change in changes]


def territory_breaks(level: str, code: str) -> list[dt.date]:
    """The days the territory behind ``code`` changed, without a note (a chart beside one already shown)."""
    return [change["on"] for change in territory_changes(level, code)]
