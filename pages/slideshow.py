"""Trình chiếu — steps through the overview, progress by department, a map, and the issues awaiting
decision, with large previous/next controls and an optional automatic advance."""

from __future__ import annotations

import time

import streamlit as st

from dashboard import page, state
from dashboard.i18n import t
from dashboard.views import slides

ctx = page.context("slideshow", title=False)
names = slides.SLIDES
index = st.session_state.get("slide")
if index is None:
    try:
        index = int(state.page_param("slide", "0") or 0) % len(names)
    except ValueError:
        index = 0
st.session_state["slide"] = index


def go(step: int) -> None:
    st.session_state["slide"] = (st.session_state["slide"] + step) % len(names)
    st.session_state["slide_shown_at"] = time.monotonic()


with st.container(key="slide_controls"):
    c1, c2, c3, c4 = st.columns([1, 3, 1, 2], vertical_alignment="center")
    c1.button(t("slideshow.previous"), on_click=go, args=(-1,), width="stretch", icon=":material/arrow_back:")
    c2.markdown(f"### {t('slideshow.counter', n=index + 1, total=len(names))} · {t(f'slideshow.slide_{names[index]}')}")
    c3.button(t("slideshow.next"), on_click=go, args=(1,), width="stretch", icon=":material/arrow_forward:",
              type="primary")
    auto = c4.selectbox(t("slideshow.auto"), [0, 15, 30, 60, 120], key="slide_auto",
                        format_func=lambda s: t("slideshow.auto_off") if s == 0 else t("slideshow.every", s=s))

indicator = slides.pick_indicator(ctx) if names[index] == "map" else None
state.sync_url(ctx.filters, state.page_params_of_url() | {"slide": str(index)})
slides.draw(names[index], ctx, indicator=indicator)

if auto:
    st.session_state.setdefault("slide_shown_at", time.monotonic())

    @st.fragment(run_every=1)
    def _advance() -> None:
        if time.monotonic() - st.session_state.get("slide_shown_at", time.monotonic()) >= auto:
            go(1)
            st.rerun(scope="app")

    _advance()
ctx.footer()
