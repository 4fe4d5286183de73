"""Reference lists (provinces, districts, agencies) and the data version that keys every cache."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Engine, bindparam, select

from .. import audit
from ..db import read_session
from ..models import AdminUnit, Agency
from ._common import read_connection, records, sort_name, valid_during


def data_version(engine: Engine) -> str:
    """The newest audit entry (id and time): moves on every write (cache key)."""
    with read_session(engine) as s:
        return audit.data_version(s)


_PROVINCES = select(AdminUnit.code, AdminUnit.name).where(AdminUnit.level == "province")


def provinces(engine: Engine) -> list[dict[str, Any]]:
    """Provinces in the store: [{code, name}], by name."""
    with read_connection(engine) as c:
        rows = records(c, _PROVINCES)
    return sorted(rows, key=lambda row: sort_name(row["name"]))


@functools.cache
def _districts(on_day: bool):
    u = AdminUnit
    stmt = (select(u.code, u.name, u.type, u.population_2019, u.area_km2, u.valid_from, u.valid_to)
            .where(u.parent_code == bindparam("province"), u.level == "district").order_by(u.code))
    if on_day:
        stmt = stmt.where(valid_during())
    return stmt


def districts(engine: Engine, province: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Districts of the province, by code: [{code, name, type, population_2019, area_km2, valid_from,
    valid_to}]. With ``on``, only those valid that day; without it, all of them."""
    with read_connection(engine) as c:
        return records(c, _districts(on is not None), {"province": province, "period_start": on, "period_end": on})


@functools.cache
def _agencies(members_only: bool):
    a = Agency
    stmt = select(a.code, a.name, a.short_name, a.kind, a.role, a.admin_unit_code,
                  a.is_committee_member).where(a.province_code == bindparam("province"))
    if members_only:
        stmt = stmt.where(a.is_committee_member.is_(True))
    return stmt


def agencies(engine: Engine, province: str, *, members_only: bool = False) -> list[dict[str, Any]]:
    """Agencies of the province, by name: [{code, name, short_name, kind, role, admin_unit_code,
    is_committee_member}]."""
    with read_connection(engine) as c:
        rows = records(c, _agencies(bool(members_only)), {"province": province})
    return sorted(rows, key=lambda row: (sort_name(row["name"]), row["code"]))
