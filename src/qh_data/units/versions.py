"""Which unit version a code means, on the write side (issue 14; docs/units-over-time.md).

A write names units by code (a form, a workbook, a conclusion); what it stores is the id of the
``admin_unit_version`` the code meant then. One home for that rule: ``version_ids`` / ``version_id`` (in force
on a day, or over a period) and ``figure_unit_ids`` (a figure's unit: the version overlapping its period).
A code with two versions over the span asked about raises ``AmbiguousUnitCode``; no version, ``no_unit_then``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from .. import periods
from ..errors import QHError, ValidationFailed
from ..models import AdminUnitVersion
from ..rules import unit_validity

V = AdminUnitVersion.__table__


class AmbiguousUnitCode(QHError):
    """A code names two versions over the days asked about (a reused code, issue 14)."""


def span(name: str, valid_from: dt.date | None, valid_to: dt.date | None) -> tuple[str, str]:
    """A version named with its validity, (Vietnamese, English): "Phường Vĩnh Trại (đến 30/06/2025)"."""
    bounds_vi, bounds_en = [], []
    if valid_from is not None:
        bounds_vi.append(f"từ {valid_from:%d/%m/%Y}")
        bounds_en.append(f"from {valid_from:%d/%m/%Y}")
    if valid_to is not None:
        bounds_vi.append(f"đến {valid_to:%d/%m/%Y}")
        bounds_en.append(f"until {valid_to:%d/%m/%Y}")
    if not bounds_vi:
        return name, name
    return f"{name} ({' '.join(bounds_vi)})", f"{name} ({' '.join(bounds_en)})"


def no_unit_then(code: str, period: str, meant: Iterable = ()) -> ValidationFailed:
    """A figure for a code that named no unit in its period (a district after 30/6/2025, a new commune
    before 1/7/2025). ``meant``: the versions (objects with name, valid_from, valid_to) the code names at
    other times, named in the message."""
    named = [span(v.name, v.valid_from, v.valid_to) for v in meant]
    vi = f"Mã đơn vị {code} không ứng với đơn vị hành chính nào trong kỳ {period}"
    en = f"Unit code {code} names no administrative unit in period {period}"
    if named:
        vi += "; mã này là " + ", ".join(n[0] for n in named)
        en += "; the code is " + ", ".join(n[1] for n in named)
    return ValidationFailed(vi + ".", en + ".")


def other_unit_then(code: str, period: str, then, typed_name: str) -> ValidationFailed:
    """A row whose code meant ``then`` in its period while its name is another unit (one the code named at
    another time, or one that did not exist then)."""
    vi, en = span(then.name, then.valid_from, then.valid_to)
    return ValidationFailed(f"Mã {code} trong kỳ {period} là {vi}, không phải {typed_name}.",
                            f"Code {code} in period {period} is {en}, not {typed_name}.")


def two_units_then(code: str, period: str, both: Iterable) -> ValidationFailed:
    """A reused code over a period that straddles the change (the year 2025): the row cannot say which."""
    named = [span(v.name, v.valid_from, v.valid_to) for v in both]
    return ValidationFailed(
        f"Mã {code} trong kỳ {period} chỉ hai đơn vị: {' và '.join(n[0] for n in named)}. Hãy nhập số liệu "
        "kỳ này theo biểu mẫu tải từ hệ thống.",
        f"Code {code} in period {period} names two units: {' and '.join(n[1] for n in named)}. Enter this "
        "period's figures on the template downloaded from the system.")


def versions_of(session: Session, level: str | None, codes: Iterable[str], day: dt.date
                ) -> dict[str, AdminUnitVersion]:
    """{code: version} of the versions in force on ``day`` (ORM objects, for relationships)."""
    ids = version_ids(session, codes, day, level=level)
    if not ids:
        return {}
    rows = session.scalars(select(AdminUnitVersion).where(AdminUnitVersion.id.in_(ids.values())))
    return {row.code: row for row in rows}


@functools.cache
def _versions_stmt(with_level: bool):
    """Versions of the codes overlapping [first, last] (a single day: first = last)."""
    stmt = select(V.c.code, V.c.id).where(
        V.c.code.in_(bindparam("codes", expanding=True)),
        unit_validity.overlaps_sql(V.c.valid_from, V.c.valid_to, bindparam("first", type_=V.c.valid_to.type),
                                   bindparam("last", type_=V.c.valid_from.type)),
    )
    return stmt.where(V.c.level == bindparam("level")) if with_level else stmt


def version_ids(conn: Connection | Session, codes: Iterable[str], first: dt.date, last: dt.date | None = None,
                level: str | None = None) -> dict[str, int]:
    """{code: version id} of the versions in force on ``first`` (or overlapping ``first``..``last``).

    A code with no version then is left out; a code with two (a reused code over a period that straddles
    the change) raises ``AmbiguousUnitCode``: the caller must say which unit it means.
    """
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    params = {"codes": codes, "first": first, "last": last or first}
    if level is not None:
        params["level"] = level
    found: dict[str, int] = {}
    for code, vid in conn.execute(_versions_stmt(level is not None), params).all():
        if code in found:
            raise AmbiguousUnitCode(
                f"Mã đơn vị {code} chỉ hai đơn vị khác nhau trong khoảng {first}–{last or first}.",
                f"Unit code {code} names two different units between {first} and {last or first}.")
        found[code] = vid
    return found


def version_id(conn: Connection | Session, level: str | None, code: str | None, day: dt.date) -> int | None:
    """The id of the version of (level, code) in force on ``day``; None for no code or no such version."""
    if not code:
        return None
    return version_ids(conn, [code], day, level=level).get(code)


_EVERY_VERSION = (select(V.c.id, V.c.level, V.c.code, V.c.name, V.c.valid_from, V.c.valid_to)
                  .where(V.c.code == bindparam("code"), V.c.level != "country")
                  .order_by(V.c.valid_from.is_not(None), V.c.valid_from))


def every_version(conn: Connection | Session, code: str) -> list:
    """Every version a code has named (id, level, code, name, valid_from, valid_to), oldest first."""
    return list(conn.execute(_EVERY_VERSION, {"code": code}).all())


def figure_unit_ids(conn: Connection | Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """{(unit code, period code): version id} for figures: the version overlapping the period.

    (A target is on the version in force over its period too; docs/units-over-time.md discusses the
    version the plan was drawn on.)
    """
    by_period: dict[str, set[str]] = {}
    for code, period in keys:
        by_period.setdefault(period, set()).add(code)
    out: dict[tuple[str, str], int] = {}
    for period, codes in by_period.items():
        p = periods.parse(period)
        out.update({(code, period): vid for code, vid in version_ids(conn, codes, p.start, p.end).items()})
    return out
