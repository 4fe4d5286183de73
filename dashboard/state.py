"""The global filters, kept in the URL so a filtered view is a link that opens the same view.

``parse_params`` is pure (tested without a browser); ``init_filters``/``sync_url`` bind it to
Streamlit's session state and query parameters. Unknown or malformed parameters are ignored and
reported once as a short notice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

GLOBAL_KEYS = ("p", "d", "a", "asof", "lang", "present")
# Page-specific parameters pages may use; they are not reported as unknown.
PAGE_KEYS = {"carry", "ind", "per", "per2", "view", "cls", "labels", "task", "q", "st", "tm", "src", "mt", "sev",
             "age", "iss", "meeting", "step", "slide", "auto", "unit", "grp", "own", "role", "page",
             "kind", "tab", "geo"}
MAX_PARAM_LEN = 400


@dataclass(frozen=True)
class Valid:
    """What the filters may hold. ``districts``: the codes of the unit filter's units per province, on the
    as-of day the filters are read for (districts before 1/7/2025, communes from then:
    ``queries.filter_units``); ``levels``: which of the two a province's list holds."""
    provinces: tuple[str, ...]
    districts: dict[str, tuple[str, ...]]  # province -> unit codes of the as-of day
    agencies: dict[str, tuple[str, ...]]  # province -> agency codes
    default_province: str
    levels: dict[str, str] = field(default_factory=dict)  # province -> "district" | "commune"


@dataclass
class Filters:
    province: str
    districts: list[str] = field(default_factory=list)
    agency: str | None = None
    as_of: dt.date | None = None  # None = today
    lang: str = "vi"
    present: bool = False

    def to_params(self) -> dict[str, str]:
        out = {"p": self.province}
        if self.districts:
            out["d"] = ",".join(self.districts)
        if self.agency:
            out["a"] = self.agency
        if self.as_of:
            out["asof"] = self.as_of.isoformat()
        if self.lang != "vi":
            out["lang"] = self.lang
        if self.present:
            out["present"] = "1"
        return out


def _first(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    return str(value)


def parse_params(params: dict, valid: Valid) -> tuple[Filters, list[str]]:
    """Filters from query parameters; returns the names of the parameters that were ignored."""
    ignored: list[str] = []
    raw = {k: _first(v) for k, v in params.items()}
    for key, value in raw.items():
        if key not in GLOBAL_KEYS and key not in PAGE_KEYS:
            ignored.append(key[:40])
    get = {k: v for k, v in raw.items() if len(v) <= MAX_PARAM_LEN}
    ignored += [k for k in raw if k in GLOBAL_KEYS and k not in get]

    province = get.get("p", valid.default_province)
    if province not in valid.provinces:
        if "p" in get:
            ignored.append("p")
        province = valid.default_province if valid.default_province in valid.provinces else (
            valid.provinces[0] if valid.provinces else valid.default_province)

    districts: list[str] = []
    if get.get("d"):
        allowed = set(valid.districts.get(province, ()))
        wanted = unit_codes_of(get["d"])
        districts = [c for c in dict.fromkeys(wanted) if c in allowed]
        if len(districts) != len(wanted):
            ignored.append("d")

    agency = get.get("a") or None
    if agency and agency not in set(valid.agencies.get(province, ())):
        ignored.append("a")
        agency = None

    as_of = as_of_param(get.get("asof"))
    if get.get("asof") and as_of is None:
        ignored.append("asof")

    lang = get.get("lang", "vi")
    if lang not in ("vi", "en"):
        ignored.append("lang")
        lang = "vi"

    present = get.get("present", "0")
    if present not in ("0", "1", "true", "false"):
        ignored.append("present")
    return Filters(province, districts, agency, as_of, lang, present in ("1", "true")), sorted(set(ignored))


def unit_codes_of(value: str | None) -> list[str]:
    """The unit codes of a ``d`` parameter ("178,180")."""
    return [c.strip() for c in (value or "").split(",") if c.strip()]


def as_of_param(value: str | None) -> dt.date | None:
    """The day of an ``asof`` parameter, or None when it is absent or not a day of 2000-2100."""
    if not value or len(value) > MAX_PARAM_LEN:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else None


def dropped_units(params: dict, filters: Filters) -> list[str]:
    """The unit codes of the URL's ``d`` that the filters did not keep (not units of the as-of day: an old
    link's districts, abolished on 1/7/2025, are among them)."""
    raw = _first(params.get("d", ""))
    if len(raw) > MAX_PARAM_LEN:
        return []
    return [c for c in dict.fromkeys(unit_codes_of(raw)) if c not in filters.districts]


# --- binding to Streamlit (session state keys are the sidebar widgets' keys) ---

STATE_KEYS = {"province": "f_province", "districts": "f_districts", "agency": "f_agency",
              "as_of": "f_asof", "lang": "f_lang", "present": "f_present"}


def init_filters(valid: Valid) -> list[str]:
    """First run of a session: filters from the URL into session state. Returns ignored names."""
    import streamlit as st

    if st.session_state.get("_filters_ready"):
        _repair(valid)
        return []
    params = st.query_params.to_dict()
    filters, ignored = parse_params(params, valid)
    for name, key in STATE_KEYS.items():
        st.session_state[key] = getattr(filters, name)
    st.session_state["_filters_ready"] = True
    st.session_state[DROPPED_KEY] = dropped_units(params, filters)
    return ignored


DROPPED_KEY = "_dropped_units"  # unit codes the filter had to let go of on this run (see dropped_units)


def units_day() -> dt.date | None:
    """The as-of day the unit filter's list is for (None: today), read before the filters are bound: the
    session's once it has filters, else the URL's."""
    import streamlit as st

    if st.session_state.get("_filters_ready"):
        return st.session_state.get("f_asof")
    return as_of_param(_first(st.query_params.get("asof") or ""))


def _repair(valid: Valid) -> None:
    """Keep session filters consistent when the province changes."""
    import streamlit as st

    province = st.session_state.get("f_province")
    if province not in valid.provinces:
        st.session_state["f_province"] = province = valid.default_province
    allowed = set(valid.districts.get(province, ()))
    chosen = st.session_state.get("f_districts", [])
    st.session_state["f_districts"] = [d for d in chosen if d in allowed]
    # units no longer in the list (the as-of day moved past 1/7/2025): the app says what became of them
    st.session_state[DROPPED_KEY] = [d for d in chosen if d not in allowed]
    if st.session_state.get("f_agency") not in set(valid.agencies.get(province, ())):
        st.session_state["f_agency"] = None


def current() -> Filters:
    import streamlit as st

    s = st.session_state
    return Filters(province=s.get("f_province"), districts=list(s.get("f_districts") or []),
                   agency=s.get("f_agency"), as_of=s.get("f_asof"), lang=s.get("f_lang", "vi"),
                   present=bool(s.get("f_present", False)))


def sync_url(filters: Filters, page_params: dict[str, str] | None = None) -> None:
    """Write the filters (and the page's own parameters) into the URL."""
    import streamlit as st

    wanted = filters.to_params() | {k: v for k, v in (page_params or {}).items() if v not in (None, "")}
    current_params = st.query_params.to_dict()
    if current_params != wanted:
        st.query_params.from_dict(wanted)


def page_param(key: str, default: str | None = None) -> str | None:
    """A page-specific parameter from the URL (first run) or from session state afterwards."""
    import streamlit as st

    value = st.query_params.get(key)
    if value is None or len(value) > MAX_PARAM_LEN:
        return default
    return value


def page_params_of_url() -> dict[str, str]:
    """The page-specific parameters currently in the URL (kept when the globals are rewritten)."""
    import streamlit as st

    return {k: v for k, v in st.query_params.to_dict().items() if k in PAGE_KEYS}
