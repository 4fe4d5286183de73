"""Every cache of the dashboard: the engine, the data version, and everything read from the store.

Whatever comes from the database is cached per (database, data version, arguments); the data version
is the newest audit entry (id and time), which every write moves, so an edit is visible on the next
run (at once in the session that made it: :func:`invalidate`). Nothing else in dashboard/ or pages/
caches what the store holds (``dashboard.i18n`` keeps only its catalogue files).

* :func:`q` -- ``qh_data.queries`` read queries as DataFrames, cached per day too. Two
  layers: this process's answers as Python objects (handed out as copies; cheap enough for the
  hundreds of hits a national-scale page makes) in front of ``st.cache_data`` (``_run``).
* :func:`read` -- any other read function of ``qh_data`` (``fn(engine, **kwargs)``: the meetings
  page's lists, the intake page's pickers), its answer as returned.
* :func:`map_model` / :func:`folium_map` -- a map's model (``st.cache_data``) and its folium map
  (``st.cache_resource``: a folium.Map holds local functions and cannot be pickled; each caller gets a
  deep copy, because st_folium changes the map it is given).

Every version-keyed argument is a *named* parameter of the cached function: Streamlit does not hash
parameters whose name starts with an underscore, so a version passed as ``_version`` would serve the
old answer after a write.
"""

from __future__ import annotations

import copy
import threading
import time

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from qh_data import clock, config, db, queries
from qh_data.maps.model import MapModel, Request, build_model
from qh_data.records import frame

from .fmt import WORDS


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return db.make_engine(url)


def engine() -> Engine:
    return _engine(config.database_url())


@st.cache_data(ttl=1, show_spinner=False)
def _version(url: str) -> str:
    eng = _engine(url)
    try:
        return queries.data_version(eng)
    except (OperationalError, DBAPIError) as exc:
        raise db.unavailable(eng, exc) from exc


VERSION_TTL = 1.0  # seconds: how long a data version read is trusted (as the ttl of ``_version``)
_versions: dict[str, tuple[float, str]] = {}


def version() -> str:
    """The data version, read at most once a second per database (every query asks for it: a
    cache hit of ``_version`` costs more than the dict look-up here)."""
    url = config.database_url()
    now = time.monotonic()
    hit = _versions.get(url)
    if hit is not None and now - hit[0] < VERSION_TTL:
        return hit[1]
    value = _version(url)
    _versions[url] = (now, value)
    return value


def invalidate() -> None:
    """Call after a write made in this session so the next run reads fresh figures at once."""
    _versions.clear()
    _version.clear()


def clear_caches() -> None:
    """Forget every answer (tests and benchmarks that swap the database or time a first run)."""
    invalidate()
    clear_memo()
    _run.clear()
    _read.clear()
    _model_cached.clear()
    _map_cached.clear()


@st.cache_data(ttl=600, show_spinner=False, max_entries=2000)
def _run(name: str, url: str, data_version: str, key: str, _kwargs: dict):
    # ``key`` is the arguments written out (see ``_key``); ``_kwargs`` (underscore: not hashed by
    # Streamlit) carries the same arguments to the query. Hashing a short string instead of the
    # argument dict cuts the cost of a cache hit several times over (the sidebar alone asks for the
    # districts and agencies of every province on every run: 127 hits with the national store).
    eng = _engine(url)
    try:
        return frame(getattr(queries, name)(eng, **_kwargs))  # pages work on DataFrames; built once per cache entry
    except (OperationalError, DBAPIError) as exc:
        if "locked" in str(exc):
            raise
        raise db.unavailable(eng, exc) from exc


def _key(kwargs: dict) -> str:
    """The arguments as a canonical string: repr is exact and stable for the values pages pass
    (str, int, float, bool, None, dates and datetimes, and lists/tuples of them)."""
    return repr(sorted(kwargs.items()))


# In front of ``_run``: the answers of this process, kept as Python objects under the same key
# (query, database, data version, Vietnam day, arguments) and handed out as copies. A hit of
# ``st.cache_data`` costs about 0.5 ms (hashing the arguments, inspecting the signature, unpickling);
# a page of the national store makes a hundred or more (the sidebar alone asks for the districts and
# agencies of each of 63 provinces, the indicators page for the series of 200 indicators), so the
# hits themselves became the page's cost. A copy (deep; DataFrames keep their ``attrs``) costs a
# fraction of that, and a caller that changes its copy changes nothing else -- as with
# ``st.cache_data``. The day is part of the key because queries without ``as_of`` judge timing on
# today: at midnight they are asked again. Entries expire after ``MEMO_TTL`` like ``_run``'s.
REFERENCE_QUERIES = frozenset({"provinces", "districts", "agencies", "filter_units"})  # lists of flat dicts
MEMO_TTL = 600.0
MEMO_MAX = 2000
_memo: dict[tuple, tuple[float, object]] = {}
_memo_lock = threading.Lock()


def _remember(memo_key: tuple, value, now: float) -> None:
    with _memo_lock:
        if len(_memo) >= MEMO_MAX:
            for k in [k for k, (at, _) in _memo.items() if now - at >= MEMO_TTL]:
                del _memo[k]
            if len(_memo) >= MEMO_MAX:  # still full: forget the older half
                for k in sorted(_memo, key=lambda k: _memo[k][0])[: MEMO_MAX // 2]:
                    del _memo[k]
        _memo[memo_key] = (now, value)


def clear_memo() -> None:
    with _memo_lock:
        _memo.clear()


def q(name: str, **kwargs):
    """Run ``qh_data.queries.<name>(engine, **kwargs)`` through the cache."""
    url, ver = config.database_url(), version()
    key = f"{clock.today().isoformat()} {_key(kwargs)}"
    memo_key = (name, url, ver, key)
    now = time.monotonic()
    hit = _memo.get(memo_key)
    if hit is not None and now - hit[0] < MEMO_TTL:
        value = hit[1]
    else:
        value = _run(name, url, ver, key, kwargs)
        _remember(memo_key, value, now)
    if name in REFERENCE_QUERIES:
        return [dict(r) for r in value]
    return copy.deepcopy(value)


# --- other read functions -------------------------------------------------------------------------

@st.cache_data(ttl=600, show_spinner=False, max_entries=500)
def _read(name: str, url: str, data_version: str, key: str, _fn, _kwargs: dict):
    # ``name`` (the function's module and name) and ``key`` (its arguments written out) identify the
    # answer; ``_fn`` and ``_kwargs`` only carry them to the call.
    return _fn(_engine(url), **_kwargs)


def read(fn, **kwargs):
    """``fn(engine, **kwargs)`` through the cache (per database, data version and arguments). For read
    functions whose answer is not a query table (lists of dicts, dataclasses); treat it as read-only."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _read(name, config.database_url(), version(), _key(kwargs), fn, kwargs)


# --- maps -----------------------------------------------------------------------------------------

@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _model_cached(url: str, data_version: str, key: tuple) -> MapModel:
    return build_model(q, Request(*key), WORDS)


def map_model(req: Request) -> MapModel:
    """The model of a map request, cached per (request, data version)."""
    return _model_cached(config.database_url(), version(), req.key())


@st.cache_resource(max_entries=48, show_spinner=False)
def _map_cached(url: str, data_version: str, key: tuple, labels_on: bool, label_names: bool,
                highlight: str | None, tile_url: str | None, present: bool):
    from qh_data.maps import draw  # folium: imported by the pages that draw a map only

    m = _model_cached(url, data_version, key)
    return draw.render_map(q, m, WORDS, labels_on=labels_on, label_names=label_names, highlight=highlight,
                           tile_url=tile_url, tile_attribution=draw.tile_attribution(tile_url, WORDS, m.request.lang),
                           present=present)


def folium_map(req: Request, *, labels_on: bool, label_names: bool = False, highlight: str | None = None,
               present: bool = False):
    """A fresh copy of the cached folium map of a request (st_folium changes the map it is given)."""
    m = _map_cached(config.database_url(), version(), req.key(), labels_on, label_names, highlight,
                    config.tile_url(), present)
    return copy.deepcopy(m)


# --- readiness ------------------------------------------------------------------------------------

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
