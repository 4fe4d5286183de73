"""Cuộc họp — prepare the next meeting (agenda from suggestions), run it item by item and record
its conclusions (which become tasks), and look back at past meetings and how their tasks stand.
The views live in dashboard/views/meetings_*.py."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, page, state
from dashboard.i18n import t
from dashboard.views import meetings_common, meetings_during, meetings_past, meetings_prepare

VIEWS = meetings_common.VIEWS
COMPACT = meetings_common.compact()
ctx = page.context("meetings", title=not COMPACT)
v = meetings_common.load(ctx, auth.current_actor(), compact=COMPACT)

wanted_view = state.page_param("view", "prepare")
view = st.radio(
    t("meetings.view_label"),
    VIEWS,
    index=VIEWS.index(wanted_view) if wanted_view in VIEWS else 0,
    format_func=lambda name: t(f"meetings.view.{name}"),
    horizontal=True,
    key="mt_view",
)
{"prepare": meetings_prepare.render, "during": meetings_during.render, "past": meetings_past.render}[view](v)
ctx.footer()
