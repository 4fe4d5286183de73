"""Nhật ký thay đổi — the audit trail, for administrators and DPI editors: filter, read, export."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import auth, components, data, downloads, fmt, state
from dashboard.i18n import catalogue, t
from dashboard.safe_text import plain
from qh_data import audit, clock

auth.require_page("audit.view")
lang = st.session_state.get("f_lang", "vi")
LIMIT = 5000

st.title(t("audit.title"))
st.caption(t("audit.intro"))

engine = data.engine()
options = audit.filter_options(engine)
agency_names = {a["code"]: a["name"] for a in data.q("agencies", province=state.current().province)}
today = clock.today()
words = catalogue(lang if lang in ("vi", "en") else "vi")


def entity_word(code: str | None) -> str:
    return words.get(f"audit.entity_name.{code}", code or "–")


def action_word(code: str | None) -> str:
    return words.get(f"audit.action_name.{code}", code or "–")


with st.container(border=True):
    c1, c2, c3, c4 = st.columns([1, 2, 1, 2])
    user = c1.selectbox(t("audit.user"), [None, *options["users"]], key="audit_user",
                        format_func=lambda u: t("common.all") if u is None else u)
    agency = c2.selectbox(t("audit.agency"), [None, *options["agencies"]], key="audit_agency",
                          format_func=lambda a: t("common.all") if a is None else plain(agency_names.get(a, a)))
    entity = c3.selectbox(t("audit.entity"), [None, *options["entities"]], key="audit_entity",
                          format_func=lambda e: t("common.all") if e is None else entity_word(e))
    period = c4.date_input(t("audit.period"), value=(today - dt.timedelta(days=30), today),
                           key="audit_period", format=fmt.date_input_format(lang))

date_from = date_to = None
if isinstance(period, (tuple, list)):
    date_from = period[0] if len(period) > 0 else None
    date_to = period[1] if len(period) > 1 else date_from
elif isinstance(period, dt.date):
    date_from = date_to = period

entries = audit.list_entries(engine, user=user, agency=agency, entity=entity, date_from=date_from,
                             date_to=date_to, limit=LIMIT)

if entries.empty:
    components.empty_state(t("audit.empty"))
    st.stop()

st.caption(t("audit.count", n=fmt.number(len(entries), 0, lang))
           + (" " + t("audit.limited", n=fmt.number(LIMIT, 0, lang)) if len(entries) >= LIMIT else ""))

table = pd.DataFrame({
    "at": entries["at"].map(lambda v: fmt.datetime(pd.Timestamp(v).to_pydatetime(), lang)),
    "user": entries["username"].fillna("–"),
    "agency": entries["agency_code"].map(lambda a: agency_names.get(a, a) if a else "–"),
    "action": entries["action"].map(action_word),
    "entity": entries["entity"].map(entity_word),
    "entity_id": entries["entity_id"].fillna(""),
    "changes": entries["changes"],
})
st.dataframe(table, hide_index=True, width="stretch",
             column_config={c: t(f"audit.col_{c}") for c in table.columns})


# --- export: every column, spreadsheet formulas neutralised --------------------------------------

export = entries.drop(columns=["user_id"]).copy()
export["at"] = export["at"].map(lambda v: pd.Timestamp(v).strftime("%Y-%m-%d %H:%M:%S"))
export = export.rename(columns={c: t(f"audit.export_{c}") for c in export.columns})

stamp = today.strftime("%Y%m%d")
c1, c2 = st.columns(2)
c1.download_button(t("common.download_csv"), downloads.csv_on_click(export), file_name=f"nhat-ky-thay-doi-{stamp}.csv",
                   mime="text/csv", key="audit_csv", on_click="ignore")
c2.download_button(t("common.download_xlsx"), downloads.xlsx_on_click(export, t("audit.sheet")),
                   file_name=f"nhat-ky-thay-doi-{stamp}.xlsx", mime=downloads.XLSX_MIME, key="audit_xlsx",
                   on_click="ignore")
