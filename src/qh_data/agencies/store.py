"""An agency succession into the store (``qh agencies load``, and the demo through ``load_reference``).

``load`` writes the rows of one :class:`~qh_data.agencies.succession_csv.SuccessionFile` in the caller's
transaction:
- the old agency is found by its code *and the day*: it must be stored and in force on the day before the
  succession (an agency that had already ended, or that starts later, is not the one the row means);
  it ends that day (``valid_to`` = effective - 1 day);
- a successor the store lacks is created (Sở Nông nghiệp và Môi trường, Sở Dân tộc và Tôn giáo) in the old
  agency's province, from the effective day; one already stored must be in force on that day;
- one ``agency_succession`` row per pair, added once: loading the same file again changes nothing;
- any problem refuses the whole load with the file, row and column (``SuccessionFileInvalid``);
- one audit entry (``agencies.load``) says what was loaded and from which file. Admin only, like units.

``add_commune_committees`` gives each commune in force on a day its People's Committee as an agency
(kind ``ubnd_xa``, on the commune's version): the agencies an abolished district's work can be
reassigned to (``services.reassignment``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .. import audit, config
from ..models import AdminUnitVersion, Agency, AgencySuccession
from ..permissions import Actor, require
from ..rules.unit_validity import in_force, in_force_sql
from ..units.lineage_csv import Problem
from .succession_csv import SuccessionFile, SuccessionFileInvalid, SuccessionRow, read

REFERENCE_FILE = "agency_succession_2025.csv"
ONE_DAY = dt.timedelta(days=1)


@dataclass
class LoadReport:
    successions: int = 0  # agency_succession rows added
    agencies_added: int = 0  # successors the store lacked
    agencies_ended: int = 0  # old agencies given their last day
    skipped_rows: list[int] = field(default_factory=list)  # rows without an old agency code

    @property
    def changed(self) -> bool:
        return bool(self.successions or self.agencies_added or self.agencies_ended)


def load(session: Session, succession: SuccessionFile, actor: Actor) -> LoadReport:
    """Write ``succession`` into the store (see the module); raises before anything is committed."""
    require(actor, "agencies.load")
    report = LoadReport(skipped_rows=list(succession.skipped))
    problems: list[Problem] = []
    codes = {r.old_code for r in succession.rows} | {r.new_code for r in succession.rows if r.new_code}
    agencies = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))}
    stored = {(s.old_agency_code, s.new_agency_code) for s in session.scalars(select(AgencySuccession))}
    for row in sorted(succession.rows, key=lambda r: (r.effective, r.row)):
        old = _old_agency(row, agencies.get(row.old_code), problems)
        if old is None:
            continue
        if row.new_code is not None:
            new = agencies.get(row.new_code)
            if new is None:
                new = agencies[row.new_code] = _new_agency(session, row, old, succession.name)
                report.agencies_added += 1
            elif not in_force(new.valid_from, new.valid_to, row.effective):
                problems.append(Problem(row.row, "new_code", *_not_in_force(new, row.effective)))
                continue
        if old.valid_to is None:
            old.valid_to = row.effective - ONE_DAY
            report.agencies_ended += 1
        if (row.old_code, row.new_code) in stored:
            continue
        session.add(AgencySuccession(
            old_agency_code=row.old_code, new_agency_code=row.new_code, relation=row.relation,
            effective_on=row.effective, successor_text=None if row.new_code else row.new_name,
            legal_basis=row.legal_basis, confidence=row.confidence, note=row.note,
            source=f"{succession.name}, dòng {row.row}"))
        stored.add((row.old_code, row.new_code))
        report.successions += 1
    if problems:
        raise SuccessionFileInvalid(succession.name, problems)
    session.flush()
    if report.changed:
        audit.record(session, actor, "agencies.load", "agency_succession", succession.name, None,
                     {"successions": report.successions, "agencies_added": report.agencies_added,
                      "agencies_ended": report.agencies_ended, "skipped_rows": report.skipped_rows})
    return report


def load_reference(session: Session, actor: Actor, data_dir: Path | None = None) -> LoadReport:
    """The 2025 reorganisation (``data/reference/agency_succession_2025.csv``): what the demo seed calls."""
    return load(session, read(Path(data_dir or config.DATA_DIR) / "reference" / REFERENCE_FILE), actor)


def _old_agency(row: SuccessionRow, agency: Agency | None, problems: list[Problem]) -> Agency | None:
    """The stored agency ``row.old_code`` named on the day before the succession, else a problem."""
    last_day = row.effective - ONE_DAY
    if agency is None:
        problems.append(Problem(row.row, "old_code",
                                f"không có cơ quan mã {row.old_code} ({row.old_name}) trong danh mục",
                                f"no agency with code {row.old_code} ({row.old_name}) is stored"))
        return None
    if agency.province_code is not None and agency.province_code != row.province_code:
        problems.append(Problem(row.row, "province_code",
                                f"cơ quan {row.old_code} thuộc tỉnh mã {agency.province_code}, không phải {row.province_code}",
                                f"agency {row.old_code} belongs to province {agency.province_code}, "
                                f"not {row.province_code}"))
        return None
    if not in_force(agency.valid_from, agency.valid_to, last_day) or (
            agency.valid_to is not None and agency.valid_to != last_day):
        problems.append(Problem(row.row, "old_code", *_not_in_force(agency, last_day)))
        return None
    return agency


def _not_in_force(agency: Agency, day: dt.date) -> tuple[str, str]:
    since = agency.valid_from.strftime("%d/%m/%Y") if agency.valid_from else "…"
    until = agency.valid_to.strftime("%d/%m/%Y") if agency.valid_to else "…"
    return (f"cơ quan mã {agency.code} ({agency.name}) trong danh mục có hiệu lực {since}–{until}, không phải "
            f"cơ quan mà dòng này nói đến vào ngày {day:%d/%m/%Y}",
            f"the stored agency {agency.code} ({agency.name}) is in force {since}–{until}, not the agency this "
            f"row means on {day:%d/%m/%Y}")


def _new_agency(session: Session, row: SuccessionRow, old: Agency, file_name: str) -> Agency:
    role = row.new_code.split("-", 1)[1] if "-" in row.new_code else row.new_code
    agency = Agency(
        code=row.new_code, name=row.new_name, kind=old.kind, role=role, short_name=_short(row.new_name, old),
        province_unit_id=old.province_unit_id, unit_id=old.unit_id, is_committee_member=old.is_committee_member,
        source=f"{file_name}, dòng {row.row}: {row.legal_basis}", is_synthetic=False, valid_from=row.effective)
    session.add(agency)
    session.flush()  # before the succession rows that point at it (no ORM relationship orders them)
    return agency


def _short(name: str, old: Agency) -> str:
    """The name without its province ("Sở Nông nghiệp và Môi trường"), as short names are kept."""
    province = old.province_unit.name if old.province_unit is not None else None
    suffix = f" tỉnh {province}" if province else None
    return name[: -len(suffix)] if suffix and name.endswith(suffix) else name


# --- the People's Committees of the communes ----------------------------------------------------------------

_province = aliased(AdminUnitVersion)
COMMUNES_OF_PROVINCE = (
    select(AdminUnitVersion)
    .join(_province, _province.id == AdminUnitVersion.parent_id)
    .where(AdminUnitVersion.level == "commune", _province.level == "province")
)


def add_commune_committees(session: Session, actor: Actor, province_code: str, day: dt.date, prefix: str,
                           *, source: str) -> int:
    """One agency per commune of the province in force on ``day`` that has none yet: code
    ``<prefix>-UBND-X<commune code>``, "Ủy ban nhân dân <commune name>", kind ``ubnd_xa``, in force from the
    commune's first day. Returns how many were added; one audit entry when any was."""
    require(actor, "agencies.load")
    communes = session.scalars(COMMUNES_OF_PROVINCE.where(
        _province.code == province_code, in_force_sql(_province.valid_from, _province.valid_to, day),
        in_force_sql(AdminUnitVersion.valid_from, AdminUnitVersion.valid_to, day))
        .order_by(AdminUnitVersion.code)).all()
    have = set(session.scalars(select(Agency.unit_id).where(
        Agency.kind == "ubnd_xa", Agency.unit_id.in_([c.id for c in communes]))))
    added = []
    for commune in communes:
        if commune.id in have:
            continue
        name = f"Ủy ban nhân dân {commune.name}"
        session.add(Agency(
            code=f"{prefix}-UBND-X{commune.code}", name=name, short_name=name, kind="ubnd_xa", role="UBND_XA",
            province_unit_id=commune.parent_id, unit_id=commune.id, is_committee_member=False, source=source,
            is_synthetic=False, valid_from=commune.valid_from, valid_to=commune.valid_to))
        added.append(commune.code)
    if added:
        session.flush()
        audit.record(session, actor, "agencies.add_commune_committees", "agency", province_code, None,
                     {"day": day, "communes": added})
    return len(added)
