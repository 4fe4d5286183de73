"""Download payloads for pages; spreadsheet formulas are neutralised by qh_data.export. Documents built
on click report a failure as one sentence (``document_on_click`` / ``outcome_after``)."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

import pandas as pd
import streamlit as st

from qh_data import export
from qh_data.errors import QHError
from qh_data.intake.template import XLSX_MIME

from .i18n import current_lang, t
from .safe_text import md

log = logging.getLogger("qh.dashboard")


def xlsx(df: pd.DataFrame, sheet: str) -> bytes:
    return export.dataframe_to_xlsx_bytes(df, sheet)


def csv(df: pd.DataFrame) -> bytes:
    return export.dataframe_to_csv_bytes(df)


# Streamlit builds a callable's payload only when the button is clicked, not on every rerun: a page's
# Excel workbook (openpyxl) costs more than the rest of the page at national scale.
def xlsx_on_click(df: pd.DataFrame, sheet: str) -> Callable[[], bytes]:
    return lambda: xlsx(df, sheet)


def csv_on_click(df: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: csv(df)


def table_buttons(df: pd.DataFrame, sheet: str, stem: str) -> None:
    """The Excel and CSV buttons under a page's table. A download does not rerun the page: the table is
    what is on screen, and a rerun racing the browser's fetch of the file could lose the download."""
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(t("common.download_xlsx"), xlsx_on_click(df, sheet), file_name=f"{stem}.xlsx",
                       mime=XLSX_MIME, width="stretch", on_click="ignore")
    c2.download_button(t("common.download_csv"), csv_on_click(df), file_name=f"{stem}.csv", mime="text/csv",
                       width="stretch", on_click="ignore")


# --- documents built on click: a failure is one sentence on the page, its cause in the log -----------
# Streamlit runs a download's callable outside the script (a click reruns the page while the callable
# runs) and answers a failure with its own English words. So the callable records how it ended, per
# session and button, and the rerun the click started waits for that and says what went wrong.

_ended: dict[str, tuple[int, Exception | None]] = {}  # key -> (builds ended so far, the last one's failure)
_changed = threading.Condition()
WAIT_SECONDS = 60.0
SESSION_KEY = "qh_download_session"


MAX_KEYS = 5000  # sessions x buttons remembered; the oldest are forgotten first


def _record(key: str, failure: Exception | None) -> None:
    with _changed:
        count = _ended.pop(key, (0, None))[0]
        _ended[key] = (count + 1, failure)
        while len(_ended) > MAX_KEYS:
            del _ended[next(iter(_ended))]
        _changed.notify_all()


def ended(key: str) -> int:
    """How many builds of ``key`` have ended so far."""
    with _changed:
        return _ended.get(key, (0, None))[0]


def document_on_click(build: Callable[[], bytes], key: str) -> Callable[[], bytes]:
    """``build`` as a download's callable: its outcome recorded under ``key``, a failure logged with its cause."""

    def make() -> bytes:
        try:
            data = build()
        except QHError as exc:
            log.warning("document %s refused: %s", key, exc.message("en"))
            _record(key, exc)
            raise
        except Exception as exc:
            log.exception("document %s could not be built", key)
            _record(key, exc)
            raise
        _record(key, None)
        return data

    return make


def outcome_after(key: str, seen: int, timeout: float = WAIT_SECONDS) -> Exception | None:
    """The failure of the first build of ``key`` to end after ``seen`` had (None: it worked, or none ended).
    A page shows a ``QHError``'s own sentence, for anything else ``common.document_failed``."""
    with _changed:
        _changed.wait_for(lambda: _ended.get(key, (0, None))[0] > seen, timeout=timeout)
        count, failure = _ended.get(key, (0, None))
        return failure if count > seen else None


def document_button(label: str, build: Callable[[], bytes], *, key: str, file_name: str, mime: str,
                    icon: str | None = None, disabled: bool = False) -> None:
    """A download button for a document built on click; if the build fails, the rerun the click
    started shows one sentence below the button (the cause is in the server log)."""
    session = st.session_state.setdefault(SESSION_KEY, uuid.uuid4().hex)
    build_key, seen_key = f"{session}:{key}", f"qh_download_seen_{key}"
    # builds ended when the button was last drawn: the click's own build may end before this rerun
    seen = st.session_state.get(seen_key, ended(build_key))
    clicked = st.download_button(label, data=document_on_click(build, build_key), file_name=file_name, mime=mime,
                                 key=key, icon=icon, width="stretch", disabled=disabled)
    failure = outcome_after(build_key, seen) if clicked else None
    st.session_state[seen_key] = ended(build_key)
    if failure is not None:
        st.error(md(failure.message(current_lang())) if isinstance(failure, QHError) else t("common.document_failed"),
                 icon=":material/error:")
