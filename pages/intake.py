"""Nhập số liệu — download a template, upload it filled in, read the report and the dry run, confirm;
the revision history of any figure. Task progress goes through the same door. The tabs live in
dashboard/views/intake.py."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, page
from dashboard.i18n import t
from dashboard.views import intake

actor = auth.require_page("values.submit")
ctx = page.context("intake")
st.caption(t("intake.intro"))
v = intake.load(ctx, actor)

tab_templates, tab_upload, tab_history = st.tabs([t("intake.tab_templates"), t("intake.tab_upload"),
                                                  t("intake.tab_history")])
with tab_templates:
    intake.templates_tab(v)
with tab_upload:
    intake.upload_tab(v)
with tab_history:
    intake.history_tab(v)
ctx.footer()
