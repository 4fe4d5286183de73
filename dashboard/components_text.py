"""Escaping for text shown through st.markdown: HTML and markdown both neutralised."""

from __future__ import annotations

_SPECIAL = set("\\`*_{}[]()#+-.!|~><&\"'=:$")


def esc_md(value) -> str:
    """User or data text made inert for st.markdown (no links, no emphasis, no HTML): every
    character that markdown or HTML could interpret becomes a numeric character reference."""
    text = "" if value is None else str(value)
    out = "".join(f"&#{ord(c)};" if c in _SPECIAL else c for c in text)
    return out.replace("\n", "  \n")
