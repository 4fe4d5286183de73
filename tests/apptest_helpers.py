"""Running the real app script with AppTest on a chosen page, filters and language."""

from __future__ import annotations

import html
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import i18n

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
RAW_KEY = re.compile(r"\b(common|overview|progress|tasks|status|map|indicators|issues|meetings|intake|auth|audit|"
                     r"users|slideshow)\.[a-z_]+(\.[a-z_]+)?\b")


def open_page(page: str | None, params: dict | None = None, *, timeout: float = 60) -> AppTest:
    """Run the entrypoint on the page file (e.g. "overview.py") with the URL parameters, as a browser
    opening the page's own address does: one run, in which the entrypoint's navigation picks the page
    (its url_path is the file's name, which is how AppTest names a page before the first run)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(f"../pages/{page}")
    return at.run()


def read_back(value) -> str:
    """What a reader sees of a string the page escaped with dashboard.safe_text.md: the character
    references read, the invisible word joiners that keep bare URLs from becoming links left out."""
    return html.unescape(str(value)).replace("\u2060", "")


def texts(at: AppTest) -> list[str]:
    """Every piece of text the page shows (markdown, titles, captions, metrics, labels, alerts)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "text"):
        for el in getattr(at, kind):
            out.append(str(el.value))
    for kind in ("selectbox", "multiselect", "text_input", "date_input", "toggle", "button", "slider",
                 "text_area", "radio"):
        for el in getattr(at, kind):
            out.append(str(getattr(el, "label", "")))
    return out


def assert_clean(at: AppTest) -> None:
    """No exception shown, no error box, no raw translation key left on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    joined = "\n".join(texts(at))
    keys = set(i18n.catalogue("vi"))
    raw = [m.group(0) for m in RAW_KEY.finditer(joined) if m.group(0) in keys]
    assert raw == [], f"raw translation keys shown: {raw}"


def vietnamese_strings_in(at: AppTest) -> list[str]:
    """Interface strings from the Vietnamese catalogue still visible (for the English switch)."""
    vi = i18n.catalogue("vi")
    en = i18n.catalogue("en")
    shown = "\n".join(texts(at))
    leftovers = []
    for key, text in vi.items():
        if len(text) >= 12 and "{" not in text and text != en.get(key) and text in shown:
            leftovers.append(text)
    return leftovers
