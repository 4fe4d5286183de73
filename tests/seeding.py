"""Test worlds written straight through the ORM with unit codes get their unit version ids as the demo
seed does (``units.versions.sync_from_codes``): the reads go by id (issue 14, stage 3)."""

from __future__ import annotations

from contextlib import contextmanager

from qh_data.db import session_scope
from qh_data.units import versions


@contextmanager
def seeding(engine):
    """``session_scope`` whose writes end with every empty unit id filled from its code."""
    with session_scope(engine) as s:
        yield s
        s.flush()
        versions.sync_from_codes(s.connection())
