"""Test worlds written straight through the ORM: a unit is a version (``AdminUnitVersion``), and rows point
at it through their relationships (``province_unit``, ``unit``, ``parent``, ``admin_units``)."""

from __future__ import annotations

from sqlalchemy import select

from qh_data.models import AdminUnitVersion


def units(s) -> dict[str, AdminUnitVersion]:
    """code -> version of a test world that has one version per code."""
    return {u.code: u for u in s.scalars(select(AdminUnitVersion))}
