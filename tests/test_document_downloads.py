"""A document that cannot be built: the cause goes to the log, the page gets one sentence.

Streamlit runs a download's callable outside the page script, after the click has started a rerun;
``dashboard.downloads.document_on_click`` records how each build ended and ``outcome_after`` lets the
rerun wait for it, whichever ends first. ``document_button`` draws the button and, after a failed
build, ``common.document_failed`` (or a ``QHError``'s own sentence) under it.
"""

from __future__ import annotations

import logging
import threading
import uuid

import pytest

from dashboard import downloads, i18n
from qh_data.errors import DatabaseUnavailable


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


def broken() -> bytes:
    raise ValueError("All strings must be XML compatible")


def test_a_failed_build_is_logged_with_its_cause_and_reported(caplog):
    k = key()
    seen = downloads.ended(k)
    make = downloads.document_on_click(broken, k)
    with caplog.at_level(logging.ERROR, logger="qh.dashboard"), pytest.raises(ValueError):
        make()
    logged = [r for r in caplog.records if "could not be built" in r.getMessage()]
    assert logged and "XML compatible" in str(logged[0].exc_info[1])  # the cause, with its traceback
    failure = downloads.outcome_after(k, seen, timeout=1)
    assert isinstance(failure, ValueError)
    assert downloads.outcome_after(k, downloads.ended(k), timeout=0.1) is None  # nothing new since


def test_the_rerun_waits_for_a_build_that_ends_after_it():
    k = key()
    seen = downloads.ended(k)
    release = threading.Event()

    def slow() -> bytes:
        release.wait(5)
        raise DatabaseUnavailable("Không kết nối được cơ sở dữ liệu.", "The database cannot be reached.")

    worker = threading.Thread(target=lambda: pytest.raises(DatabaseUnavailable, downloads.document_on_click(slow, k)))
    worker.start()
    release.set()
    failure = downloads.outcome_after(k, seen, timeout=5)
    worker.join(5)
    assert isinstance(failure, DatabaseUnavailable) and failure.message("en") == "The database cannot be reached."


def test_a_build_that_works_reports_nothing():
    k = key()
    seen = downloads.ended(k)
    assert downloads.document_on_click(lambda: b"PK", k)() == b"PK"
    assert downloads.ended(k) == seen + 1
    assert downloads.outcome_after(k, seen, timeout=1) is None


def test_the_sentence_is_in_both_languages():
    vi, en = i18n.translate("common.document_failed", "vi"), i18n.translate("common.document_failed", "en")
    assert "Không lập được tài liệu" in vi and "could not be built" in en
