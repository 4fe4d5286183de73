"""Escaping for text shown through st.markdown: kept as the name older code imports; the one home is
dashboard/safe_text.py."""

from __future__ import annotations

from .safe_text import md as esc_md

__all__ = ["esc_md"]
