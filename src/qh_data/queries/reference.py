"""Reference lists (provinces, districts, agencies) and the data version that keys every cache."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Date, Engine, bindparam, select

from .. import audit, clock
from ..db import read_session
from ..models import AdminUnitVersion, Agency
from ..rules import unit_validity
from . import units
from ._common import read_connection, records, sort_name, valid_during


def data_version(engine: Engine) -> str:
    """The newest audit entry (id and time): moves on every write (cache key)."""
    with read_session(engine) as s:
        return audit.data_version(s)


U = AdminUnitVersion
_PROVINCES = select(U.code, U.name).where(
    U.level == "province", unit_validity.in_force_sql(U.valid_from, U.valid_to, bindparam("day", type_=Date)))


def provinces(engine: Engine, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Provinces in force on ``on`` (default: today): [{code, name}], by name."""
    with read_connection(engine) as c:
        rows = records(c, _PROVINCES, {"day": on or clock.today()})
    return sorted(rows, key=lambda row: sort_name(row["name"]))


@functools.cache
def _districts(on_day: bool):
    u = U
    stmt = (select(u.code, u.name, u.type, u.population_2019, u.area_km2, u.valid_from, u.valid_to)
            .where(u.parent_id.in_(bindparam("parent_ids", expanding=True)), u.level == "district").order_by(u.code))
    if on_day:
        stmt = stmt.where(valid_during(u))
    return stmt


def districts(engine: Engine, province: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Districts of the province, by code: [{code, name, type, population_2019, area_km2, valid_from,
    valid_to}]. With ``on``, only those valid that day; without it, all of them."""
    with read_connection(engine) as c:
        return records(c, _districts(on is not None), {"parent_ids": units.code_versions(c, province, ("province",)),
                                                        "period_start": on, "period_end": on})


@functools.cache
def _agencies(members_only: bool):
    a = Agency
    unit_code = select(U.code).where(U.id == a.unit_id).scalar_subquery().label("admin_unit_code")
    stmt = select(a.code, a.name, a.short_name, a.kind, a.role, unit_code,
                  a.is_committee_member).where(a.province_unit_id.in_(bindparam("province_ids", expanding=True)))
    if members_only:
        stmt = stmt.where(a.is_committee_member.is_(True))
    return stmt


def agencies(engine: Engine, province: str, *, members_only: bool = False) -> list[dict[str, Any]]:
    """Agencies of the province, by name: [{code, name, short_name, kind, role, admin_unit_code,
    is_committee_member}]."""
    with read_connection(engine) as c:
        rows = records(c, _agencies(bool(members_only)), {"province_ids": units.province_scope(c, province)})
    return sorted(rows, key=lambda row: (sort_name(row["name"]), row["code"]))
