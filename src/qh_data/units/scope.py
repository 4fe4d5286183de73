"""The province versions a province's records live on: the one in force on a day and, through the stored
lineage, every province version it came from (Thái Nguyên today: itself, the Thái Nguyên before 1/7/2025 and
Bắc Kạn). The registers (``queries``) and the writes that check "of this province" (``services``) both scope
by it; it is here so that neither imports the other.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Date, bindparam, select

from ..models import AdminUnitVersion, UnitLineage
from ..rules import unit_validity

V = AdminUnitVersion
_PROVINCE_ON = select(V.id).where(
    V.level == "province", V.code == bindparam("code"),
    unit_validity.in_force_sql(V.valid_from, V.valid_to, bindparam("day", type_=Date)))
_PROVINCE_PREDECESSORS = (select(UnitLineage.old_unit_id).join(V, V.id == UnitLineage.old_unit_id)
                          .where(UnitLineage.new_unit_id == bindparam("unit_id"), V.level == "province"))


def province_id(c: Connection, province_code: str, day: dt.date | None = None) -> int | None:
    """The id of the province version in force on ``day`` (default: the current one)."""
    return c.execute(_PROVINCE_ON, {"code": province_code, "day": day or dt.date.max}).scalar()


def province_scope(c: Connection, province_code: str, day: dt.date | None = None) -> list[int]:
    """The province version in force on ``day`` first, then every province version it came from. Empty when
    the code meant no province that day. Without a day: the current province and its predecessors (lists
    of everything a province holds)."""
    first = province_id(c, province_code, day)
    if first is None:
        return []
    scope, todo = [first], [first]
    while todo:
        for old in c.execute(_PROVINCE_PREDECESSORS, {"unit_id": todo.pop()}).scalars():
            if old not in scope:
                scope.append(old)
                todo.append(old)
    return scope
