"""A rearrangement of units into the store, and the checks the stored versions must pass.

``load`` writes one :class:`~qh_data.units.lineage.Lineage` (the 2025 reform from ``data/reference``, or a
province's own files in the same layout, ``qh units load``) into ``admin_unit_version`` and
``unit_lineage`` in the caller's transaction:
- a version already stored under the same (level, code, start) is the same unit: it takes the lineage's end
  date (a district ends on 30/6/2025) and fills what it lacks (type, area, legal basis); its name is kept;
- every other version is added under its parent; every link is added once;
- then ``problems`` runs the two rules of a version store as SQL (no two versions of one code overlap; a
  parent is in force over its child's whole range): any breach refuses the whole load;
- one audit entry says what was loaded and from which files.
Loading the same files again changes nothing. Nothing stored is deleted: figures, tasks and issues keep the
versions they point at; the figures left outside their unit's validity are counted in the report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .. import audit, periods
from ..errors import ValidationFailed
from ..models import AdminUnitVersion, IndicatorValue, UnitLineage
from ..permissions import Actor, require
from ..rules import unit_validity
from .lineage import LEVELS, Lineage, Unit, UnitKey

V = AdminUnitVersion


@dataclass
class LoadReport:
    added: int = 0  # versions
    closed: int = 0  # stored versions given an end date
    links: int = 0
    figures_outside: int = 0  # current figures whose period their unit version does not overlap
    outside_examples: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.closed or self.links)


def load(session: Session, lineage: Lineage, actor: Actor, *, source: str) -> LoadReport:
    """Write ``lineage`` into the store (see the module's docstring); raises before anything is committed."""
    require(actor, "units.load")
    report = LoadReport()
    country = session.scalars(select(V.id).where(V.level == "country")).first()
    # the versions already stored under the lineage's codes, read once: (level, code, start) -> row
    stored_versions = {(v.level, v.code, v.valid_from): v for v in session.scalars(
        select(V).where(V.code.in_({u.code for u in lineage.units})))}
    ids: dict[UnitKey, int] = {}
    for level in LEVELS:  # parents first; the new versions of one level flushed together (one batch)
        rows = {unit.key: _write_version(session, unit, stored_versions.get((unit.level, unit.code, unit.valid_from)),
                                         ids, country, source, report)
                for unit in lineage.units if unit.level == level}
        session.flush()
        ids.update({key: row.id for key, row in rows.items()})
    stored = {(row.old_unit_id, row.new_unit_id) for row in session.execute(
        select(UnitLineage.old_unit_id, UnitLineage.new_unit_id))}
    for link in lineage.links:
        pair = (ids[link.old.key], ids[link.new.key])
        if pair in stored:
            continue
        session.add(UnitLineage(old_unit_id=pair[0], new_unit_id=pair[1], relation=link.relation,
                                effective_on=link.effective, legal_basis=link.legal_basis, source=source))
        stored.add(pair)
        report.links += 1
    session.flush()
    found = problems(session.connection())
    if found:
        raise ValidationFailed("Không nạp được đơn vị hành chính: " + "; ".join(vi for vi, _ in found) + ".",
                               "The administrative units were not loaded: " + "; ".join(en for _, en in found) + ".")
    report.figures_outside, report.outside_examples = figures_outside(session.connection())
    if report.changed:
        audit.record(session, actor, "units.load", "admin_unit_version", source, None,
                     {"added": report.added, "closed": report.closed, "links": report.links,
                      "figures_outside": report.figures_outside})
    return report


def _write_version(session: Session, unit: Unit, row: AdminUnitVersion | None, ids: dict[UnitKey, int],
                   country: int | None, source: str, report: LoadReport) -> AdminUnitVersion:
    """``unit``'s version: ``row`` (the one stored under the same key) brought up to date, or a new one (its
    id known once the caller flushes)."""
    if row is None:
        row = V(level=unit.level, code=unit.code, valid_from=unit.valid_from, valid_to=unit.valid_to,
                parent_id=ids[unit.parent] if unit.parent else country, name=unit.name, type=unit.type,
                area_km2=unit.area_km2, legal_basis=unit.legal_basis, source=source, is_synthetic=False)
        session.add(row)
        report.added += 1
        return row
    if unit.valid_to is not None and row.valid_to != unit.valid_to:
        row.valid_to = unit.valid_to
        report.closed += 1
    row.type = row.type or unit.type
    row.area_km2 = row.area_km2 if row.area_km2 is not None else unit.area_km2
    row.legal_basis = row.legal_basis or unit.legal_basis
    return row


_A, _B = aliased(V), aliased(V)
_OVERLAPS = (
    select(_A.level, _A.code, _A.name, _B.name.label("other"))
    .join(_B, and_(_A.level == _B.level, _A.code == _B.code, _A.id < _B.id))
    .where(or_(_A.valid_from.is_(None), _B.valid_to.is_(None), _A.valid_from <= _B.valid_to),
           or_(_B.valid_from.is_(None), _A.valid_to.is_(None), _B.valid_from <= _A.valid_to))
    .order_by(_A.level, _A.code).limit(20))
_P = aliased(V)
_UNCOVERED = (
    select(V.level, V.code, V.name, _P.name.label("parent"))
    .join(_P, _P.id == V.parent_id)
    .where(or_(and_(_P.valid_from.is_not(None), or_(V.valid_from.is_(None), V.valid_from < _P.valid_from)),
               and_(_P.valid_to.is_not(None), or_(V.valid_to.is_(None), V.valid_to > _P.valid_to))))
    .order_by(V.level, V.code).limit(20))


def problems(conn: Connection) -> list[tuple[str, str]]:
    """Breaches of the version rules in the store, as (Vietnamese, English) sentences; empty when none."""
    out = [(f"hai phiên bản của mã {r.code} ({r.name}; {r.other}) có hiệu lực chồng lên nhau",
            f"two versions of code {r.code} ({r.name}; {r.other}) overlap")
           for r in conn.execute(_OVERLAPS).mappings()]
    out += [(f"{r.name} ({r.code}) có hiệu lực ngoài thời gian của đơn vị cấp trên {r.parent}",
             f"{r.name} ({r.code}) is in force outside the range of its parent {r.parent}")
            for r in conn.execute(_UNCOVERED).mappings()]
    return out


_FIGURE_UNITS = (
    select(IndicatorValue.period, V.code, V.name, V.valid_from, V.valid_to, func.count().label("n"))
    .join(V, V.id == IndicatorValue.unit_id)
    .where(IndicatorValue.superseded_at.is_(None), or_(V.valid_from.is_not(None), V.valid_to.is_not(None)))
    .group_by(IndicatorValue.period, V.code, V.name, V.valid_from, V.valid_to)
    .order_by(V.code, IndicatorValue.period))


def figures_outside(conn: Connection) -> tuple[int, list[str]]:
    """How many current figures are on a version not in force in any day of their period (kept, not
    dropped: e.g. 2026 figures on a district, which ended on 30/6/2025), and a few examples."""
    total, examples = 0, []
    for r in conn.execute(_FIGURE_UNITS).mappings():
        p = periods.parse(r["period"])
        if unit_validity.overlaps(r["valid_from"], r["valid_to"], p.start, p.end):
            continue
        total += r["n"]
        if len(examples) < 5:
            examples.append(f"{r['name']} ({r['code']}) {r['period']}: {r['n']}")
    return total, examples


def effective_days(session: Session) -> list[dt.date]:
    """The days a rearrangement took effect, oldest first (from the stored links)."""
    return list(session.scalars(select(UnitLineage.effective_on).distinct().order_by(UnitLineage.effective_on)))
