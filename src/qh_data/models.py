"""The indicator store and the task register, as a typed SQLAlchemy 2.x ORM.

Schema changes go through Alembic (src/qh_data/migrations); never call
``Base.metadata.create_all`` outside tests that compare models and migrations.

Longer than 500 lines because the whole schema is one declaration: Alembic compares the migrations with
this one metadata (``schema.differences``), and the tables refer to each other.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column, relationship

from .rules.open_status import ISSUE_STATUSES, TASK_STATUSES  # noqa: F401 -- vocabularies read from here

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def versioned(version) -> dict:
    """Mapper arguments of a row with a ``version`` column: every ORM UPDATE of the row says
    ``WHERE version = <the version read>`` (another transaction's change in between: StaleDataError);
    the services, not the ORM, give a save its new version (``versioning.bump``)."""
    return {"version_id_col": version, "version_id_generator": False}


# --- vocabularies (stored as short strings; checked by services, listed here once) ---
# Task and issue statuses: qh_data.rules.open_status (imported above).
UNIT_LEVELS = ("country", "province", "district", "commune")
AGENCY_KINDS = ("so", "ban", "nganh", "ubnd_huyen", "ubnd_xa", "tu_van", "khac")
INDICATOR_GROUPS = ("economy", "society", "environment", "infrastructure")
DIRECTIONS = ("higher", "lower")
AGGREGATIONS = ("sum", "mean_pop", "mean", "not_additive")
VALUE_KINDS = ("actual", "estimate", "target")
PERIOD_TYPES = ("year", "half", "quarter")
ISSUE_SEVERITIES = ("low", "medium", "high", "critical")
MEETING_STATUSES = ("planned", "held")
AGENDA_KINDS = ("issue", "task", "indicator", "free")
ROLES = ("viewer", "agency_editor", "dpi_editor", "admin")
# a People's Committee answers for its own unit version (a district to 30/6/2025; a commune, ``ubnd_xa``)
UNIT_COMMITTEE_KINDS = ("ubnd_huyen", "ubnd_xa")
SIGNED_DOCUMENTS = ("notice", "pack")  # document_signer.document


def _fk(target: str, **kw) -> ForeignKey:
    return ForeignKey(target, **kw)


class AdminUnitVersion(Base):
    """A unit as it was between two dates: the same code can name two units (docs/units-over-time.md).

    ``valid_from`` NULL: in force since before the data begins; ``valid_to`` NULL: still in force, else the
    last day (inclusive). Every column that points at a unit points at a version.
    """

    __tablename__ = "admin_unit_version"
    __table_args__ = (
        UniqueConstraint("level", "code", "valid_from", name="uq_admin_unit_version_key"),
        # NULLs are distinct in a plain UNIQUE: one open-start version per (level, code).
        Index("ix_admin_unit_version_open_start", "level", "code", unique=True,
              sqlite_where=text("valid_from IS NULL"), postgresql_where=text("valid_from IS NULL")),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(10), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    parent_id: Mapped[int | None] = mapped_column(Integer, _fk("admin_unit_version.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str | None] = mapped_column(String(40))
    area_km2: Mapped[float | None] = mapped_column(Float)
    population_2019: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped[AdminUnitVersion | None] = relationship(remote_side=[id])

    @hybrid_property
    def parent_code(self) -> str | None:
        return None if self.parent is None else self.parent.code

    @parent_code.inplace.expression
    @classmethod
    def _parent_code_expression(cls):
        parent = aliased(cls)
        return select(parent.code).where(parent.id == cls.parent_id).scalar_subquery().label("parent_code")


class UnitLineage(Base):
    """Old unit -> new unit at a reform (whole | part | unchanged); ``share``: area share of a part link."""

    __tablename__ = "unit_lineage"
    __table_args__ = (
        UniqueConstraint("old_unit_id", "new_unit_id", name="uq_unit_lineage_pair"),
        CheckConstraint("relation IN ('whole', 'part', 'unchanged')", name="relation"),
        CheckConstraint("share IS NULL OR (share > 0 AND share <= 1)", name="share"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_unit_id: Mapped[int] = mapped_column(Integer, _fk("admin_unit_version.id"))
    new_unit_id: Mapped[int] = mapped_column(Integer, _fk("admin_unit_version.id"), index=True)
    relation: Mapped[str] = mapped_column(String(10))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    share: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)


UNIT_VERSION = "admin_unit_version.id"  # what every unit column points at: a version, never a code


def _code_of(unit_id_column):
    """The code of the version an id column points at, as SQL (a correlated scalar subquery on its own alias,
    so that a query which joins admin_unit_version itself does not swallow it)."""
    version = aliased(AdminUnitVersion)
    return select(version.code).where(version.id == unit_id_column).scalar_subquery()


class _OnProvince:
    """A row of one province (task, issue, meeting, agency, signer): ``province_code`` is the code of its
    province version, read-only, in Python and in SQL (the row stores ``province_unit_id``; reads that
    matter filter on the id, ``queries.units.province_scope``)."""

    @hybrid_property
    def province_code(self) -> str | None:
        return None if self.province_unit is None else self.province_unit.code

    @province_code.inplace.expression
    @classmethod
    def _province_code_expression(cls):
        return _code_of(cls.province_unit_id).label("province_code")


class Agency(_OnProvince, Base):
    """A department (sở), board (ban), sector body (ngành), district or commune People's Committee or consultant.

    ``valid_from`` / ``valid_to``: the days it exists (NULL: open at that end; ``rules.unit_validity``'s
    rule); who took over a ceased one is in ``agency_succession`` (``qh_data.agencies``)."""

    __tablename__ = "agency"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="range"),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    # The department "role" shared by the same department in every province (e.g. SKHDT).
    role: Mapped[str | None] = mapped_column(String(20), index=True)
    province_unit_id: Mapped[int | None] = mapped_column(Integer, _fk(UNIT_VERSION), index=True)
    unit_id: Mapped[int | None] = mapped_column(Integer, _fk(UNIT_VERSION))  # the unit it serves
    is_committee_member: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    province_unit: Mapped[AdminUnitVersion | None] = relationship(foreign_keys=[province_unit_id], lazy="selectin")
    unit: Mapped[AdminUnitVersion | None] = relationship(foreign_keys=[unit_id], lazy="selectin")

    @hybrid_property
    def admin_unit_code(self) -> str | None:
        return None if self.unit is None else self.unit.code

    @admin_unit_code.inplace.expression
    @classmethod
    def _admin_unit_code_expression(cls):
        return _code_of(cls.unit_id).label("admin_unit_code")


SUCCESSION_RELATIONS = ("merged_into", "split", "abolished")


class AgencySuccession(Base):
    """A ceased agency -> the agency that took over its work from ``effective_on`` (merged_into, split: the
    main successor the file names; abolished: ``new_agency_code`` NULL, ``successor_text`` says who, e.g. the
    People's Committees of the communes of a former district)."""

    __tablename__ = "agency_succession"
    __table_args__ = (
        UniqueConstraint("old_agency_code", "new_agency_code", name="uq_agency_succession_pair"),
        CheckConstraint("relation IN ('merged_into', 'split', 'abolished')", name="relation"),
        CheckConstraint("relation = 'abolished' OR new_agency_code IS NOT NULL", name="successor"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_agency_code: Mapped[str] = mapped_column(String(40), _fk("agency.code"))
    new_agency_code: Mapped[str | None] = mapped_column(String(40), _fk("agency.code"), index=True)
    relation: Mapped[str] = mapped_column(String(12))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    successor_text: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class PlanVersion(Base):
    """A version of a province's plan (Quy hoạch tỉnh): an approved decision or an adjustment (issue 15 point 3).

    ``province_unit_id``: the province version the plan was drawn on. ``status``: ``rules.plan_validity``
    (in_force | superseded | being_adjusted | passed_awaiting_approval); ``valid_from`` / ``valid_to`` the days
    it is in force. ``council_passed_on``: the day the People's Council passed it (an adjustment awaiting the
    Prime Minister). ``adjusts_id``: the plan an adjustment changes. Target figures point at their plan
    (``indicator_value.plan_version_id``); written by ``qh_data.plans.store``."""

    __tablename__ = "plan_version"
    __table_args__ = (
        CheckConstraint("status IN ('in_force', 'superseded', 'being_adjusted', 'passed_awaiting_approval')",
                        name="status"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_unit_id: Mapped[int] = mapped_column(Integer, _fk(UNIT_VERSION), index=True)
    decision_number: Mapped[str | None] = mapped_column(String(60))
    decision_date: Mapped[dt.date | None] = mapped_column(Date)
    council_passed_on: Mapped[dt.date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    adjusts_id: Mapped[int | None] = mapped_column(Integer, _fk("plan_version.id"))
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    province_unit: Mapped[AdminUnitVersion] = relationship(lazy="selectin")


class Indicator(Base):
    __tablename__ = "indicator"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(60))
    unit_en: Mapped[str | None] = mapped_column(String(60))
    group: Mapped[str] = mapped_column(String(20), index=True)
    # Role of the owning department (agency.role), the same in every province.
    owner_role: Mapped[str | None] = mapped_column(String(20), index=True)
    direction: Mapped[str] = mapped_column(String(8), default="higher")
    aggregation: Mapped[str] = mapped_column(String(16), default="not_additive")
    is_rate: Mapped[bool] = mapped_column(Boolean, default=False)
    decimals: Mapped[int] = mapped_column(Integer, default=1)
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class IndicatorValue(Base):
    """One revision of one figure. The current figure is the revision with no ``superseded_at``.

    ``superseded_at`` is set when a newer revision arrives, so "as of T" is the revision with
    ``submitted_at <= T`` and (``superseded_at`` is null or later than T): an indexed range filter.
    """

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_code", "unit_id", "period", "kind", "revision",
                         name="uq_indicator_value_revision"),
        Index("ix_indicator_value_lookup", "indicator_code", "period", "kind", "superseded_at"),
        Index("ix_indicator_value_unit", "unit_id", "indicator_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(60), _fk("indicator.code"))
    unit_id: Mapped[int] = mapped_column(Integer, _fk(UNIT_VERSION))  # the version in force in the period
    period: Mapped[str] = mapped_column(String(10))  # 2020 | 2026-H1 | 2026-Q3
    period_type: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[float | None] = mapped_column(Float)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(300))
    submitted_by_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    # a target's plan version (``rules.plan_validity``: which targets count on a day); NULL for other figures
    plan_version_id: Mapped[int | None] = mapped_column(Integer, _fk("plan_version.id"), index=True)

    unit: Mapped[AdminUnitVersion] = relationship(lazy="selectin")

    @hybrid_property
    def admin_unit_code(self) -> str:
        return self.unit.code

    @admin_unit_code.inplace.expression
    @classmethod
    def _admin_unit_code_expression(cls):
        return _code_of(cls.unit_id).label("admin_unit_code")


task_supporting_agency = Table(
    "task_supporting_agency",
    Base.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_code", ForeignKey("agency.code"), primary_key=True, index=True),
)

task_admin_unit = Table(
    "task_admin_unit",
    Base.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey(UNIT_VERSION), primary_key=True, index=True),
)


class Task(_OnProvince, Base):
    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_lead_status", "lead_agency_code", "status"),
        Index("ix_task_province_due", "province_unit_id", "due_on"),
        UniqueConstraint("conclusion_id", "lead_agency_code", name="uq_task_conclusion_agency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    province_unit_id: Mapped[int] = mapped_column(Integer, _fk(UNIT_VERSION))
    source_document: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(String(30))
    meeting_id: Mapped[int | None] = mapped_column(Integer, _fk("meeting.id"), index=True)
    conclusion_id: Mapped[int | None] = mapped_column(Integer, _fk("conclusion.id"))
    lead_agency_code: Mapped[str] = mapped_column(String(40), _fk("agency.code"))
    # The agency a conclusion addressed, when the task was reassigned away from it (services.reassignment).
    reassigned_from_code: Mapped[str | None] = mapped_column(String(40), _fk("agency.code"))
    assigned_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="not_started")
    percent_done: Mapped[int] = mapped_column(Integer, default=0)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict] = versioned(version)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    lead_agency: Mapped[Agency] = relationship(foreign_keys=[lead_agency_code])
    reassigned_from: Mapped[Agency | None] = relationship(foreign_keys=[reassigned_from_code])
    supporting_agencies: Mapped[list[Agency]] = relationship(secondary=task_supporting_agency)
    province_unit: Mapped[AdminUnitVersion] = relationship(lazy="selectin")
    admin_units: Mapped[list[AdminUnitVersion]] = relationship(secondary=task_admin_unit)
    updates: Mapped[list[TaskUpdate]] = relationship(
        back_populates="task", order_by="TaskUpdate.at", cascade="all, delete-orphan"
    )


class TaskUpdate(Base):
    """One change of a task's progress, kept for ever (the history shown beside the task)."""

    __tablename__ = "task_update"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, _fk("task.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"))
    status: Mapped[str] = mapped_column(String(12))
    percent_done: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)  # the task's version this line made (not a lock of its own)

    task: Mapped[Task] = relationship(back_populates="updates")
    user: Mapped[User | None] = relationship()


issue_admin_unit = Table(
    "issue_admin_unit",
    Base.metadata,
    Column("issue_id", ForeignKey("issue.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey(UNIT_VERSION), primary_key=True, index=True),
)


class Issue(_OnProvince, Base):
    """A difficulty or obstacle (khó khăn, vướng mắc) raised by an agency."""

    __tablename__ = "issue"
    __table_args__ = (Index("ix_issue_province_status", "province_unit_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    province_unit_id: Mapped[int] = mapped_column(Integer, _fk(UNIT_VERSION))
    raised_by_code: Mapped[str] = mapped_column(String(40), _fk("agency.code"), index=True)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    related_task_id: Mapped[int | None] = mapped_column(Integer, _fk("task.id"))
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    status: Mapped[str] = mapped_column(String(20), default="open")
    proposed_solution: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_at_meeting_id: Mapped[int | None] = mapped_column(Integer, _fk("meeting.id"))
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    for_next_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict] = versioned(version)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    raised_by: Mapped[Agency] = relationship()
    province_unit: Mapped[AdminUnitVersion] = relationship(lazy="selectin")
    admin_units: Mapped[list[AdminUnitVersion]] = relationship(secondary=issue_admin_unit)
    related_task: Mapped[Task | None] = relationship()


meeting_invitee = Table(
    "meeting_invitee",
    Base.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_code", ForeignKey("agency.code"), primary_key=True),
)


class Meeting(_OnProvince, Base):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_province_date", "province_unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_unit_id: Mapped[int] = mapped_column(Integer, _fk(UNIT_VERSION))
    held_on: Mapped[dt.date] = mapped_column(Date)
    starts_at: Mapped[str | None] = mapped_column(String(5))  # "08:00"
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="regular")
    chair: Mapped[str | None] = mapped_column(String(200))
    venue: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="planned")
    notice_number: Mapped[str | None] = mapped_column(String(60))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict] = versioned(version)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    province_unit: Mapped[AdminUnitVersion] = relationship(lazy="selectin")
    invitees: Mapped[list[Agency]] = relationship(secondary=meeting_invitee)
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    conclusions: Mapped[list[Conclusion]] = relationship(
        back_populates="meeting", order_by="Conclusion.number", cascade="all, delete-orphan"
    )


class AgendaItem(Base):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(Integer, _fk("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="free")
    ref: Mapped[str | None] = mapped_column(String(60))  # issue id, task id or indicator code
    title: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    presenter_code: Mapped[str | None] = mapped_column(String(40), _fk("agency.code"))
    minutes: Mapped[int | None] = mapped_column(Integer)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")


conclusion_supporting_agency = Table(
    "conclusion_supporting_agency",
    Base.metadata,
    Column("conclusion_id", ForeignKey("conclusion.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_code", ForeignKey("agency.code"), primary_key=True),
)


class Conclusion(Base):
    """A numbered item of a conclusions notice (Thông báo kết luận); it becomes one task per agency."""

    __tablename__ = "conclusion"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_conclusion_meeting_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(Integer, _fk("meeting.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    lead_agency_code: Mapped[str | None] = mapped_column(String(40), _fk("agency.code"))
    all_members: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict] = versioned(version)

    meeting: Mapped[Meeting] = relationship(back_populates="conclusions")
    lead_agency: Mapped[Agency | None] = relationship()
    supporting_agencies: Mapped[list[Agency]] = relationship(secondary=conclusion_supporting_agency)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    agency_code: Mapped[str | None] = mapped_column(String(40), _fk("agency.code"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict] = versioned(version)

    agency: Mapped[Agency | None] = relationship()


class DocumentSigner(_OnProvince, Base):
    """Who signs a province's documents of one kind ("notice", "pack"): the authority lines
    ("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG"), the title and the name. Set by an administrator
    (``services.signers``); a blank name prints "………" for the clerk to fill in."""

    __tablename__ = "document_signer"

    province_unit_id: Mapped[int] = mapped_column(Integer, _fk(UNIT_VERSION), primary_key=True)
    document: Mapped[str] = mapped_column(String(10), primary_key=True)
    authority: Mapped[str | None] = mapped_column(String(120))
    deputy: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict] = versioned(version)

    province_unit: Mapped[AdminUnitVersion] = relationship(lazy="selectin")


class AuditEntry(Base):
    """Who changed what, when, with the value before and after (JSON text).

    The largest id doubles as the store's data version: every write adds an entry, so caches
    keyed by it never serve figures older than the last change.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(80))
    agency_code: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class IntakeProfile(Base):
    """A confirmed mapping of one sender's own workbook layout (issue 16, ``qh_data.intake.profiles``): which
    column holds which (period, kind), which row name is which indicator, who sends it. Found again by
    the sender's heading line and the layout's fingerprint; kept and changed by the DPI role.

    ``unit_code`` is the sender's unit as a code, resolved to the version in force for each report's
    period (``units.versions``) when a file is read: a profile outlives a unit version.
    """

    __tablename__ = "intake_profile"
    __table_args__ = (UniqueConstraint("sender_key", "fingerprint", name="uq_intake_profile_layout"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    sender_key: Mapped[str] = mapped_column(String(300))  # the sender's heading line, folded ("" for none)
    sender_text: Mapped[str | None] = mapped_column(String(300))
    agency_code: Mapped[str | None] = mapped_column(String(40), _fk("agency.code"))
    unit_code: Mapped[str | None] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    mapping: Mapped[str] = mapped_column(Text)  # JSON, ``intake.profiles.Mapping``
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(Integer, _fk("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: ClassVar[dict] = versioned(version)


# Rows whose ``version`` the ORM checks on every update (``qh_data.versioning``).
# ``TaskUpdate.version`` is not among them: it records the task's version that a history line made.
VERSIONED = (Task, Issue, Meeting, Conclusion, User, DocumentSigner, IntakeProfile)
