"""What the store knows that a figures file is checked against: the catalogue of indicators, the
province's areas and agencies (``load_lookups``, before the rows are checked), and the figures in force
for the file's (indicator, area) pairs (``load_current``, after).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, bindparam, or_, select
from sqlalchemy.orm import aliased

from .. import periods
from ..db import read_session
from ..models import UNIT_COMMITTEE_KINDS, AdminUnitVersion, Agency, Indicator, IndicatorValue, PlanVersion
from ..rules import plan_validity, unit_validity
from .common import norm_key

CHUNK = 900  # values per IN (...) list

_v = IndicatorValue
_u = AdminUnitVersion
CURRENT_FIGURES = (select(_v.id, _v.indicator_code, _u.code, _v.period, _v.kind, _v.revision, _v.value, _u.id)
                   .join(_u, _u.id == _v.unit_id)
                   .where(_v.superseded_at.is_(None), _v.indicator_code.in_(bindparam("indicators", expanding=True)),
                          _u.code.in_(bindparam("units", expanding=True)),
                          # not a target of an adjustment awaiting approval: the one services.values supersedes
                          plan_validity.targets_counted_sql(_v, PlanVersion, False)))
_parent = aliased(AdminUnitVersion)
_grandparent = aliased(AdminUnitVersion)
_LEVELS = bindparam("levels", expanding=True)
# the province's versions and the units under them (a commune of a district included)
_PROVINCE_UNITS = (select(_u).outerjoin(_parent, _parent.id == _u.parent_id)
                   .outerjoin(_grandparent, _grandparent.id == _parent.parent_id)
                   .where(_u.level.in_(_LEVELS),
                          or_(and_(_u.level == "province", _u.code == bindparam("province")),
                              and_(_parent.level == "province", _parent.code == bindparam("province")),
                              and_(_grandparent.level == "province", _grandparent.code == bindparam("province")))))
_ALL_UNITS = select(_u).where(_u.level.in_(_LEVELS))
_PROVINCE_AGENCIES = select(Agency).where(Agency.province_unit_id.in_(
    select(_u.id).where(_u.level == "province", _u.code == bindparam("province"))))


@dataclass
class Lookups:
    indicators: dict[str, Indicator]
    indicator_by_lower: dict[str, str]
    indicator_by_name: dict[str, str | None]
    units: dict[str, AdminUnitVersion]  # by code: the latest version of each code
    unit_by_name: dict[str, str | None]
    province_name: str
    agencies_by_role: dict[str, list[str]]
    agency_names: dict[str, str]
    ubnd_by_unit: dict[int, str]  # unit version id -> its People's Committee
    versions: dict[str, list[AdminUnitVersion]] = field(default_factory=dict)  # by code: every version, oldest first
    current: dict[tuple[str, str, str, str], tuple[int, int, float | None]] = field(default_factory=dict)
    history: dict[tuple[str, int, str], list[tuple[tuple, float]]] = field(default_factory=dict)  # by version id


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _by_name(names: dict[str, str]) -> dict[str, str | None]:
    """{folded name: code}; a name two codes share identifies nothing (None)."""
    out: dict[str, str | None] = {}
    for code, name in names.items():
        key = norm_key(name)
        out[key] = None if key in out else code
    return out


def _read_catalogue(engine: Engine, province: str | None, levels: tuple[str, ...]):
    with read_session(engine) as s:
        indicators = {i.code: i for i in s.scalars(select(Indicator))}
        found = (s.scalars(_PROVINCE_UNITS, {"province": province, "levels": list(levels)}) if province
                 else s.scalars(_ALL_UNITS, {"levels": list(levels)}))
        versions: dict[str, list[AdminUnitVersion]] = defaultdict(list)
        for u in sorted(found, key=lambda u: (u.valid_from or dt.date.min, u.id)):
            versions[u.code].append(u)
        agencies = list(s.scalars(_PROVINCE_AGENCIES, {"province": province}) if province else s.scalars(select(Agency)))
        for obj in (*indicators.values(), *(v for vs in versions.values() for v in vs), *agencies):
            s.expunge(obj)
    return indicators, dict(versions), agencies


def load_lookups(engine: Engine, province: str | None,
                 levels: tuple[str, ...] = ("commune", "district", "province")) -> Lookups:
    """The catalogue, the areas of ``province`` (every area without one), every version of each, and its
    agencies. The templates name the province and its districts (periods to 30/6/2025) or communes."""
    indicators, versions, agencies = _read_catalogue(engine, province, levels)
    units = {code: vs[-1] for code, vs in versions.items()}
    roles: dict[str, list[str]] = defaultdict(list)
    ubnd: dict[int, str] = {}
    for a in agencies:
        if a.role:
            roles[a.role].append(a.code)
        if a.kind in UNIT_COMMITTEE_KINDS and a.unit_id is not None:
            ubnd[a.unit_id] = a.code
    province_unit = units.get(province) if province else None
    return Lookups(indicators=indicators, indicator_by_lower={c.lower(): c for c in indicators},
                   indicator_by_name=_by_name({c: i.name_vi for c, i in indicators.items()}), units=units,
                   unit_by_name=_by_name({c: u.name for c, u in units.items()}),
                   province_name=province_unit.name if province_unit else (province or ""),
                   agencies_by_role=dict(roles), agency_names={a.code: a.name for a in agencies},
                   ubnd_by_unit=ubnd, versions=versions)


def versions_then(lookups: Lookups, code: str, period: str) -> list[AdminUnitVersion]:
    """The versions of ``code`` in force during ``period`` (two for a reused code in a straddling year)."""
    p = periods.parse(period)
    return [v for v in lookups.versions.get(code, ()) if unit_validity.overlaps(v.valid_from, v.valid_to, p.start, p.end)]


def _keep_for_history(slot: dict[str, tuple[int, float]], period: str, kind: str, value: float) -> None:
    rank = 0 if kind == "actual" else 1  # an actual beats an estimate of the same period
    if period not in slot or rank < slot[period][0]:
        slot[period] = (rank, float(value))


def load_current(engine: Engine, lookups: Lookups, pairs: set[tuple[str, str]]) -> None:
    """Figures in force for the (indicator, area code) pairs of the file: exact keys (new/changed/unchanged;
    a period names one version of a code) and the series of each version the outlier check compares with
    (Phường Đông Kinh's figures are not compared with Phường Vĩnh Trại's)."""
    if not pairs:
        return
    current: dict = {}
    history: dict[tuple[str, int, str], dict[str, tuple[int, float]]] = defaultdict(dict)
    with engine.connect() as c:
        for ind_chunk in _chunks(sorted({i for i, _ in pairs})):
            for unit_chunk in _chunks(sorted({u for _, u in pairs})):
                for rid, ind, unit, period, kind, revision, value, unit_id in c.execute(
                        CURRENT_FIGURES, {"indicators": ind_chunk, "units": unit_chunk}):
                    if (ind, unit) not in pairs:
                        continue
                    current[(ind, unit, period, kind)] = (rid, revision, value)
                    if kind in ("actual", "estimate") and value is not None and periods.is_valid(period):
                        _keep_for_history(history[(ind, unit_id, periods.parse(period).type)], period, kind, value)
    lookups.current = current
    lookups.history = {key: sorted((periods.sort_key(period), val) for period, (_, val) in slot.items())
                       for key, slot in history.items()}


def owners(lookups: Lookups, indicator: Indicator, unit_id: int) -> list[str]:
    """Agencies that may submit this figure: the department owning the indicator in the province, and
    the unit's People's Committee for its own unit version (a district's, a commune's)."""
    codes = list(lookups.agencies_by_role.get(indicator.owner_role or "", []))
    if unit_id in lookups.ubnd_by_unit:
        codes.append(lookups.ubnd_by_unit[unit_id])
    return codes
