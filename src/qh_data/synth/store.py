"""A synthetic store for scale tests: Vietnam before and after 1/7/2025, 200 indicators, ~5 million figures.

    qh demo synth --scale national [--today YYYY-MM-DD]     (or --scale small / national-lite for tests)

The country as it is now (34 provinces, 3,321 communes, from 1/7/2025) and as it was (63 provinces and
their districts, the districts until 30/6/2025), as unit versions (``places``); each figure on the version
in force in its period: districts before the reform, communes from 2025-H2 (``figures``).

Everything is generated from a fixed seed (the same content on every run, given the same
``--today``; ``content_checksum`` proves it) and labelled: indicators, figures, tasks, issues and meetings carry
``is_demo=True``; units and agencies ``is_synthetic=True``; every figure's source is
``SYNTH_SOURCE``. Unit codes, names and types are the real GSO ones from
``data/geo/vietnam_districts.geojson``; their populations and areas are invented.

Bulk inserts: SQLAlchemy Core ``executemany`` in large batches on SQLite, ``COPY ... FROM STDIN``
(psycopg) on PostgreSQL. Rows that other rows point to get their ids here (the store is empty), and
PostgreSQL's sequences are moved past them afterwards. All in one transaction: a failure leaves the
database as it was. The demo accounts (``qh_data.demo``) are created too, with fresh passwords
printed once, so the store can be signed in to.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from sqlalchemy import Engine, func, select, text

from .. import audit, clock, schema
from ..db import session_scope
from ..demo import _users
from ..errors import QHError
from ..models import AdminUnitVersion, Agency, Indicator, IndicatorValue, UnitLineage
from ..permissions import SYSTEM
from .bulk import Bulk
from .figures import FIGURES_AFTER, FIGURES_BEFORE, Figures, indicator_specs
from .places import Places, layout
from .register import Register
from .scales import SCALES, SEED

SQLITE_CACHE_KIB = 262_144  # 256 MB of page cache during the load (SQLite's default is 2 MB)


def main(argv: list[str] | None = None, *, engine: Engine | None = None) -> int:
    ap = argparse.ArgumentParser(prog="qh demo synth", description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="national")
    ap.add_argument("--today", help="reference day (YYYY-MM-DD) for tasks, issues and meetings")
    args = ap.parse_args(argv)
    if engine is None:
        from .. import config, db

        engine = db.make_engine(config.database_url())
    today = dt.date.fromisoformat(args.today) if args.today else None
    report = synth(engine, scale=args.scale, today=today)
    print(format_report(report))
    return 0


def format_report(report: dict) -> str:
    lines = [(f"Đã tạo kho dữ liệu tổng hợp (synthetic) quy mô {report['scale']} / Synthetic store generated "
              f"({report['scale']}) in {report['seconds']:.1f} s on {report['backend']}:")]
    lines += [f"  {k}: {v:,}" for k, v in report["counts"].items()]
    lines.append("Tài khoản (mật khẩu chỉ hiện một lần) / Accounts (passwords shown once):")
    lines += [f"  {u:<12} {role:<14} {pw}" for u, role, pw in report["accounts"]]
    return "\n".join(lines)


def expected_counts(scale: str) -> dict[str, int]:
    """What a scale promises: the counts ``synth`` produces (figures in force; revisions come on top)."""
    sc = SCALES[scale]
    lay = layout(sc)
    before = lay.n_districts + len(lay.before)
    after = lay.n_communes + len(lay.now)
    return {"provinces": len(lay.now), "provinces_before": len(lay.before), "districts": lay.n_districts,
            "communes": lay.n_communes, "indicators": sc.indicators,
            "values_current": (before * FIGURES_BEFORE + after * FIGURES_AFTER) * sc.indicators,
            "tasks": sc.tasks, "issues": sc.issues, "meetings": sc.meetings}


def synth(engine: Engine, *, scale: str = "national", today: dt.date | None = None) -> dict:
    """Fill an empty (migrated or blank) database with the synthetic store. Returns counts and timing."""
    if scale not in SCALES:
        raise QHError(f"Quy mô '{scale}' không hợp lệ.", f"Scale '{scale}' is not valid.")
    t0 = time.perf_counter()
    if not schema.has_tables(engine):
        schema.upgrade(engine)
    today = today or clock.today()
    sc = SCALES[scale]
    rng = random.Random(SEED)  # one stream, drawn in the order below
    places = Places(sc, rng)
    figures = Figures(indicator_specs(sc.indicators), places, rng)
    register = Register(sc, today, places, rng)
    with session_scope(engine) as s:
        if s.scalar(select(func.count()).select_from(Agency)):
            raise QHError(
                "Cơ sở dữ liệu đã có dữ liệu; không tạo dữ liệu tổng hợp đè lên. Hãy dùng một cơ sở dữ liệu trống.",
                "The database already holds data; the synthetic store is not generated over it. Use an empty "
                "database.")
        conn = s.connection()
        if engine.dialect.name == "sqlite":  # room for the indexes' pages while 3 million rows go in
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        bulk = Bulk(conn)
        bulk.rows(AdminUnitVersion.__table__, places.units())
        bulk.rows(UnitLineage.__table__, places.lineage())
        bulk.rows(Agency.__table__, places.agencies())
        bulk.rows(Indicator.__table__, figures.indicators())
        n_values = bulk.rows(IndicatorValue.__table__, figures.values())
        accounts = _users(s)
        s.flush()
        register.build()
        for table, rows in register.tables():
            bulk.rows(table, rows)
        if engine.dialect.name == "postgresql":
            for table in ("admin_unit_version", "meeting", "conclusion", "agenda_item", "task", "task_update",
                          "issue"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
        counts = {"provinces": len(places.provinces), "provinces_before": places.n_provinces_before,
                  "districts": places.n_districts, "communes": places.n_communes,
                  "agencies": places.n_agencies, "indicators": len(figures.specs), "values": n_values,
                  "values_current": figures.n_current, "revisions": n_values - figures.n_current,
                  "tasks": len(register.tasks), "task_updates": register.n_updates, "issues": register.n_issues,
                  "meetings": register.n_meetings}
        audit.record(s, SYSTEM, "demo.synth", "database", None, None, {"scale": scale, **counts})
        s.flush()
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default again
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    return {"scale": scale, "counts": counts, "accounts": accounts, "seconds": time.perf_counter() - t0,
            "backend": engine.dialect.name}



def content_checksum(engine: Engine) -> str:
    """A SHA-256 over every generated table's rows in key order (accounts and the audit entry, which
    hold random passwords and the clock, are left out). Equal on two runs with the same scale and day."""
    import hashlib

    from ..models import Base

    skip = {"app_user", "audit_entry", "alembic_version"}
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            if table.name in skip:
                continue
            cols = list(table.columns)
            order = list(table.primary_key.columns) or cols
            h.update(table.name.encode())
            for row in conn.execute(select(*cols).order_by(*order)):
                h.update(repr(tuple(_norm(v) for v in row)).encode())
    return h.hexdigest()


def _norm(v):
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, bool):
        return int(v)
    return v
