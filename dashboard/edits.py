"""The version an editor saw when a form was drawn, kept until the save succeeds.

A save sends this version, not the one of the current run, so another editor's change made in
between is refused (StaleEdit) instead of being silently overwritten. After a refusal the form is
drawn again on the newest version; what the editor typed stays in the keyed widgets.
"""

from __future__ import annotations

import streamlit as st


def _key(kind: str, record_id: int) -> str:
    return f"_seen_version_{kind}_{record_id}"


def seen_version(kind: str, record_id: int, current: int) -> int:
    return st.session_state.setdefault(_key(kind, record_id), int(current))


def forget(kind: str, record_id: int) -> None:
    st.session_state.pop(_key(kind, record_id), None)
