"""Entrypoint: `streamlit run dashboard/app.py`.

Draws the shared sidebar filters (kept in the URL), then runs the chosen page from pages/.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "src"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import streamlit as st  # noqa: E402

from dashboard import auth, components, data, fmt, state, style  # noqa: E402
from dashboard.components_text import esc_md  # noqa: E402
from dashboard.i18n import current_lang, t  # noqa: E402
from dashboard.safe_text import plain  # noqa: E402
from dashboard.views import unit_changes  # noqa: E402
from qh_data import clock  # noqa: E402
from qh_data.errors import QHError  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

PAGES_DIR = ROOT / "pages"
# (file, nav key, icon, section, default)
PAGES = [
    ("overview.py", "overview", ":material/dashboard:", "section_steer", True),
    ("progress.py", "progress", ":material/stacked_bar_chart:", "section_steer", False),
    ("tasks.py", "tasks", ":material/checklist:", "section_steer", False),
    ("issues.py", "issues", ":material/report:", "section_steer", False),
    ("meetings.py", "meetings", ":material/groups:", "section_steer", False),
    ("slideshow.py", "slideshow", ":material/slideshow:", "section_steer", False),
    ("map.py", "map", ":material/map:", "section_data", False),
    ("indicators.py", "indicators", ":material/monitoring:", "section_data", False),
    ("intake.py", "intake", ":material/upload_file:", "section_data", False),
    ("audit.py", "audit", ":material/history:", "section_admin", False),
    ("users.py", "users", ":material/manage_accounts:", "section_admin", False),
]


def valid_filters() -> state.Valid:
    provinces = data.q("provinces")
    codes = tuple(p["code"] for p in provinces)
    day = state.units_day() or clock.today()  # the unit filter lists the units of the as-of day
    units = {c: data.q("filter_units", province=c, day=day) for c in codes}
    return state.Valid(
        provinces=codes,
        districts={c: tuple(u["code"] for u in rows) for c, rows in units.items()},
        agencies={c: tuple(a["code"] for a in data.q("agencies", province=c)) for c in codes},
        default_province=data.default_province(codes),
        levels={c: rows[0]["level"] if rows else "district" for c, rows in units.items()},
    )


def sidebar(valid: state.Valid) -> None:
    with st.sidebar:
        st.markdown(f"### {t('common.app_title')}")
        st.segmented_control(t("common.language"), options=["vi", "en"], key="f_lang",
                             format_func=lambda c: {"vi": "Tiếng Việt", "en": "English"}[c],
                             selection_mode="single", required=True)  # a click on the chosen one keeps it
        names = {p["code"]: p["name"] for p in data.q("provinces")}
        st.selectbox(t("common.province"), options=list(valid.provinces), key="f_province",
                     format_func=lambda c: plain(names.get(c, c)))
        province = st.session_state["f_province"]
        day = st.session_state.get("f_asof") or clock.today()
        unit_names = {u["code"]: u["name"] for u in data.q("filter_units", province=province, day=day)}
        communes = valid.levels.get(province) == "commune"  # from 1/7/2025: "Xã, phường"
        st.multiselect(t("common.communes" if communes else "common.districts"),
                       options=list(valid.districts.get(province, ())),
                       key="f_districts", format_func=lambda c: plain(unit_names.get(c, c)),
                       placeholder=t("common.communes_all" if communes else "common.districts_all"))
        agency_names = {a["code"]: a["name"] for a in data.q("agencies", province=province)}
        st.selectbox(t("common.agency"), options=list(valid.agencies.get(province, ())), key="f_agency",
                     format_func=lambda c: plain(agency_names.get(c, c)), placeholder=t("common.agency_all"))
        st.date_input(t("common.as_of"), key="f_asof", value=st.session_state.get("f_asof"),
                      format=fmt.date_input_format(st.session_state.get("f_lang", "vi")))
        st.toggle(t("common.present"), key="f_present")
        actor = auth.current_actor()
        st.caption(t("common.signed_in_as", name=esc_md(actor.display_name or actor.username), role=actor.role)
                   if actor.user_id else t("common.kiosk"))
        auth.sidebar_controls()
        st.caption(t("common.link_hint"))


def navigation():
    pages: dict[str, list] = {}
    visible = auth.visible_pages()
    for file, key, icon, section, default in PAGES:
        path = PAGES_DIR / file
        if path.exists() and key in visible:
            pages.setdefault(t(f"common.nav.{section}"), []).append(
                st.Page(path, title=t(f"common.nav.{key}"), icon=icon, url_path=key, default=default))
    return st.navigation(pages, position="hidden" if st.session_state.get("f_present") else "sidebar")


def main() -> None:
    st.set_page_config(page_title=t("common.app_title"), page_icon="🏛️",
                       layout="wide", initial_sidebar_state="auto")
    try:
        data.check_ready()
        valid = valid_filters()
    except QHError as exc:
        style.inject(False)
        components.show_error(exc)
        if st.button(t("common.retry")):
            st.rerun()
        st.stop()
    ignored = state.init_filters(valid)
    if unit_changes.take_dropped():  # an old link's districts: said once, with what became of them
        ignored = [n for n in ignored if n != "d"]
    style.inject(bool(st.session_state.get("f_present")))
    style.document_language(current_lang())
    auth.gate()  # sign-in form and st.stop() when QH_AUTH asks for it and nobody is signed in
    sidebar(valid)
    if ignored:
        st.toast(t("common.ignored_params", names=esc_md(", ".join(ignored))), icon=":material/info:")
        st.session_state["_ignored_params"] = ignored
    page = navigation()
    unit_changes.abolished_notice(valid)
    state.sync_url(state.current(), state.page_params_of_url())
    body = st.empty()  # a page that fails half way (the database went away mid-run) is replaced by its sentence
    try:
        with body.container():
            page.run()
    except QHError as exc:
        body.empty()
        components.show_error(exc)
    except Exception as exc:  # noqa: BLE001 - the user sees one sentence; the log keeps the traceback
        if _is_rerun_or_stop(exc):
            raise
        components.show_error(exc)


def _is_rerun_or_stop(exc: BaseException) -> bool:
    return type(exc).__name__ in {"RerunException", "StopException", "RerunData"}


main()
