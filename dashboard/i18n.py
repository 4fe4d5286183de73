"""Translation catalogues: dashboard/locales/<lang>/<namespace>.toml, keys "namespace.key".

A missing key is returned as the key itself (so tests can catch it on a page) and logged.
"""

from __future__ import annotations

import functools
import logging
import tomllib
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = ("vi", "en")
log = logging.getLogger(__name__)


def _flatten(prefix: str, table: dict, out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@functools.lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def translate(key: str, lang: str = "vi", **values) -> str:
    text = catalogue(lang if lang in LANGUAGES else "vi").get(key)
    if text is None:
        log.warning("missing translation %s for %s", key, lang)
        return key
    return text.format(**values) if values else text


def current_lang() -> str:
    try:
        import streamlit as st

        return st.session_state.get("f_lang", "vi")
    except Exception:  # outside a Streamlit run
        return "vi"


def t(key: str, **values) -> str:
    """Translate into the language chosen in the sidebar."""
    return translate(key, current_lang(), **values)
