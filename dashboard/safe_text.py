"""The one way stored text reaches the screen: shown as the very same characters, never interpreted.

Streamlit renders Markdown (GitHub flavour plus its own extensions: ``$``/``$$`` math, ``:color[...]``
directives, ``:material/...:`` icons, ``:emoji:`` shortcodes, bare URLs, images that the reader's
browser fetches) in ``st.markdown``, ``st.caption``, ``st.title``/``header``/``subheader``, expander,
tab, popover and metric labels, toasts, alerts, radio options and ``st.table`` cells. Stored text
(names, titles, notes, anything a person or an import wrote) goes there only through :func:`md`
(or :func:`md_html` inside ``unsafe_allow_html=True`` markup).

:func:`md` writes every character Markdown or HTML could read as syntax as a numeric character
reference (``*`` -> ``&#42;``): the Markdown parser sees no syntax, the reader sees the character.
Streamlit's extensions are all recognised in the source text (``$``, ``:``), so they never start.
Line starts are made harmless too (``#``, ``-``, ``1.``, ``>``, indentation), and a line break stays
a line break. One thing character references cannot stop: GFM finds bare URLs and e-mail addresses in
the decoded text, so an invisible word joiner (U+2060) goes after ``://`` and ``@`` and before the
``.`` of ``www.``. Direction controls and zero-width characters are dropped (``qh_data.text.inert``).

Plain-text places (selectbox and multiselect options via ``format_func``, ``st.dataframe`` cells,
``st.text``, chart labels, file names) take :func:`plain`: the text with its direction controls
removed, nothing else. Widget labels are interface words from the catalogue; a stored name needed
beside a widget goes in a caption through :func:`md`. Folium/Leaflet HTML is escaped in
``qh_data.maps.render.esc``.
"""

from __future__ import annotations

import re

from qh_data.text import inert

# Every character CommonMark, GFM, Streamlit's extensions or HTML give a meaning to.
SPECIAL = frozenset("\\`*_{}[]()#+-.!|~><&\"'=:$@%^")
_LINE_START = re.compile(r"^[ \t]+", re.MULTILINE)
# GFM's autolink literals are found after the Markdown is parsed, in the decoded text (character
# references do not stop them): "http://x", "www.x" and "a@b.c" become links. An invisible word joiner
# right after "://" or "@" (nothing may come between them and the host) or right before the "." of
# "www." leaves nothing for them to match; the reader sees the same characters.
WORD_JOINER = "\u2060"
_AFTER = re.compile(r"&#58;//|&#64;")
_WWW_DOT = re.compile(r"(?<=www)(?=&#46;)", re.IGNORECASE)


def plain(value) -> str:
    """Stored text for a place that shows plain text (no Markdown): direction controls removed."""
    return inert(value)


def md(value) -> str:
    """Stored text made inert for any Markdown-rendering Streamlit call; shows as stored (see the module)."""
    text = inert(value).replace("\r\n", "\n").replace("\r", "\n")
    out = "".join(f"&#{ord(c)};" if c in SPECIAL else c for c in text)
    out = _LINE_START.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group(0)), out)
    out = _WWW_DOT.sub(WORD_JOINER, _AFTER.sub(lambda m: m.group(0) + WORD_JOINER, out))
    return out.replace("\n", "  \n")


def md_html(value) -> str:
    """:func:`md` for markup written with ``unsafe_allow_html=True`` (line breaks as ``<br>``)."""
    return md(value).replace("  \n", "<br>")
