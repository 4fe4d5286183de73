"""Reusable drawing pieces. Every string that comes from data is escaped before it meets HTML."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import streamlit as st

from qh_data.errors import DatabaseUnavailable, QHError

from . import theme
from .components_text import esc_md
from .i18n import current_lang, t
from .safe_text import md_html

log = logging.getLogger("qh.dashboard")


def esc(value) -> str:
    """Text made inert inside st.markdown(..., unsafe_allow_html=True): ``safe_text.md_html``."""
    return md_html(value)


def figures(items: Iterable[tuple[str, str, str | None]], columns: int | None = None) -> None:
    """Big figures readable from the back of a room: (label, value, tone) where tone is a colour."""
    items = list(items)
    cols = st.columns(columns or len(items))
    for i, (label, value, tone) in enumerate(items):
        with cols[i % len(cols)]:
            border = tone or "#0B5394"
            st.markdown(
                f'<div class="qh-figure" style="border-left-color:{esc(border)}">'
                f'<div class="qh-figure-value">{esc(value)}</div>'
                f'<div class="qh-figure-label">{esc(label)}</div></div>',
                unsafe_allow_html=True,
            )


def badge(word: str, color: str) -> str:
    return (f'<span class="qh-badge" style="background:{esc(color)};color:{theme.text_color(color)}">'
            f"{esc(word)}</span>")


def empty_state(message: str) -> None:
    st.info(message, icon=":material/inbox:")


def demo_note() -> None:
    st.caption(t("common.demo_note"))


def show_error(exc: BaseException) -> None:
    """One clear sentence, never a traceback."""
    lang = current_lang()
    if isinstance(exc, QHError):
        st.error(esc_md(exc.message(lang)))
    else:
        log.exception("unexpected error on a page")
        st.error(t("common.unexpected_error"))


def filters_line(parts: list[str]) -> None:
    if parts:
        st.markdown(f'<div class="qh-filters">{" · ".join(esc(p) for p in parts)}</div>',
                    unsafe_allow_html=True)


def db_error_types() -> tuple[type[BaseException], ...]:
    return (DatabaseUnavailable,)
