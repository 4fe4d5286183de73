"""The cached engine and cached query wrappers.

Query results are cached per (query, arguments, data version); the data version is the largest
audit-entry id, which every write moves, so an edit is visible on the next run.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from qh_data import changes, config, db, queries

QUERY_MODULES = (queries, changes)


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return db.make_engine(url)


def engine() -> Engine:
    return _engine(config.database_url())


@st.cache_data(ttl=1, show_spinner=False)
def _version(url: str) -> int:
    eng = _engine(url)
    try:
        return queries.data_version(eng)
    except (OperationalError, DBAPIError) as exc:
        raise db.unavailable(eng, exc) from exc


def version() -> int:
    return _version(config.database_url())


def invalidate() -> None:
    """Call after a write made in this session so the next run reads fresh figures at once."""
    _version.clear()


@st.cache_data(ttl=600, show_spinner=False, max_entries=2000)
def _run(name: str, url: str, data_version: int, kwargs: dict):
    eng = _engine(url)
    try:
        return _resolve(name)(eng, **kwargs)
    except (OperationalError, DBAPIError) as exc:
        if "locked" in str(exc):
            raise
        raise db.unavailable(eng, exc) from exc


def _resolve(name: str):
    for module in QUERY_MODULES:
        fn = getattr(module, name, None)
        if fn is not None:
            return fn
    raise AttributeError(name)


def q(name: str, **kwargs):
    """Run ``qh_data.queries.<name>(engine, **kwargs)`` through the cache."""
    return _run(name, config.database_url(), version(), kwargs)


@st.cache_data(ttl=5, show_spinner=False)
def _readiness(url: str) -> str:
    from qh_data import schema

    eng = _engine(url)
    db.check_connection(eng)
    if not schema.has_tables(eng):
        return "empty"
    if not schema.is_up_to_date(eng):
        return "outdated"
    return "ready" if queries.provinces(eng) else "empty"


def check_ready() -> None:
    """Raise one clear sentence when the database is unreachable, unmigrated or empty."""
    from qh_data.errors import ConfigError

    from .i18n import translate

    status = _readiness(config.database_url())
    if status != "ready":
        key = "common.db_empty" if status == "empty" else "common.db_outdated"
        raise ConfigError(translate(key, "vi"), translate(key, "en"))


def default_province(codes: tuple[str, ...]) -> str:
    wanted = config.default_province()
    return wanted if wanted in codes or not codes else codes[0]
