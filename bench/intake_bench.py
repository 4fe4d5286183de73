"""Speed and memory of the figures import on a large workbook.

    .venv/bin/python bench/intake_bench.py [--rows 50000] [--backend sqlite|postgresql] [--pg-url URL]

Seeds a fresh demo store (a temporary SQLite file, or a temporary database on the PostgreSQL server of
``--pg-url``), writes a figures workbook of ``--rows`` rows with the template writer (Lạng Sơn's 11
districts × the catalogue's indicators × as many periods and kinds as needed; a third of the figures typed
as text in the Vietnamese or the international style), then times

1. writing the workbook (openpyxl write-only),
2. the dry run: read-only reading + validation of every cell + comparison with the store,
3. the commit: one transaction writing every row as a new revision,

each in a fresh run without tracing, and measures the peak memory of 2 and 3 twice: the Python heap peak
(tracemalloc, in a second run on a second copy of the store, since tracing slows the code) and the peak
resident set size of the process (resource.getrusage, ru_maxrss).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, select, text  # noqa: E402

from qh_data import demo, intake, schema  # noqa: E402
from qh_data.auth import actor_of  # noqa: E402
from qh_data.db import make_engine, read_session  # noqa: E402
from qh_data.intake.template import write_values_workbook  # noqa: E402
from qh_data.models import AdminUnitVersion, Indicator, User  # noqa: E402

PROVINCE = "20"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def slots_needed(n_pairs: int, rows: int) -> list[tuple[str, str]]:
    slots = []
    for year in range(2030, 1979, -1):
        periods = [str(year), f"{year}-H1", f"{year}-H2"] + [f"{year}-Q{q}" for q in range(1, 5)]
        for period in periods:
            for kind in ("actual", "estimate", "target"):
                slots.append((period, kind))
                if len(slots) * n_pairs >= rows:
                    return slots
    raise SystemExit("too many rows asked for")


def make_rows(engine, n: int) -> tuple[list[dict], dict]:
    rng = random.Random(6)
    with read_session(engine) as s:
        indicators = list(s.scalars(select(Indicator).where(Indicator.owner_role.is_not(None))
                                    .order_by(Indicator.sort_order)))
        districts = list(s.scalars(select(AdminUnitVersion).where(AdminUnitVersion.parent_code == PROVINCE,
                                                           AdminUnitVersion.level == "district").order_by(AdminUnitVersion.code)))
        pairs = [(i.code, i.name_vi, i.unit, i.decimals, i.min_value, i.max_value, d.code, d.name)
                 for i in indicators for d in districts]
    rows = []
    for period, kind in slots_needed(len(pairs), n):
        for code, name, unit, decimals, lo, hi, dcode, dname in pairs:
            base = 50.0 if hi == 100 else 500.0
            value = round(base * rng.uniform(0.8, 1.2), 2)
            if lo is not None:
                value = max(lo, value)
            if hi is not None:
                value = min(hi, value)
            style = len(rows) % 3
            typed = value if style == 0 else (
                f"{value:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".") if style == 1
                else f"{value:,.2f}")
            rows.append({"indicator_code": code, "indicator_name": name, "unit": unit, "unit_code": dcode,
                         "unit_name": dname, "period": period, "kind": kind,
                         "current": None, "value": typed, "decimals": decimals})
            if len(rows) == n:
                return rows, {"scope": "agency", "scope_code": "LS-SKHDT", "scope_name": "Bench",
                              "province": PROVINCE, "province_name": "Lạng Sơn"}
    return rows, {}


class Store:
    """A seeded demo database, copied once per measured run."""

    def __init__(self, backend: str, pg_url: str):
        self.backend, self.pg_url = backend, pg_url
        self.tmp = Path(tempfile.mkdtemp(prefix="qh_intake_bench_"))
        self.made: list[str] = []
        if backend == "sqlite":
            self.template_url = f"sqlite:///{self.tmp / 'template.sqlite3'}"
        else:
            self.admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            self.template_url = self._pg_create()
        engine = make_engine(self.template_url)
        schema.upgrade(engine)
        demo.seed(engine, quiet=True)
        engine.dispose()

    def _pg_create(self, template: str | None = None) -> str:
        name = f"qh_bench_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        self.made.append(name)
        return self.pg_url.rsplit("/", 1)[0] + "/" + name

    def copy(self):
        if self.backend == "sqlite":
            target = self.tmp / f"run_{uuid.uuid4().hex[:6]}.sqlite3"
            shutil.copyfile(self.tmp / "template.sqlite3", target)
            return make_engine(f"sqlite:///{target}")
        return make_engine(self._pg_create(template=self.template_url.rsplit("/", 1)[1]))

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.backend != "sqlite":
            with self.admin.connect() as conn:
                for name in reversed(self.made):
                    conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname=:n"),
                                 {"n": name})
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            self.admin.dispose()


def dpi_actor(engine):
    with read_session(engine) as s:
        return actor_of(s.scalar(select(User).where(User.username == "dpi")))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    store = Store(args.backend, args.pg_url)
    print(f"store: {args.backend}, demo seeded in {time.perf_counter() - t0:.1f} s")
    try:
        engine = store.copy()
        rows, meta = make_rows(engine, args.rows)
        t0 = time.perf_counter()
        data = write_values_workbook(rows, meta, generated_by="bench", period_list=["2026"])
        t_write = time.perf_counter() - t0
        del rows
        print(f"workbook: {args.rows:,} rows, {len(data) / 1024 / 1024:.2f} MB, written in {t_write:.2f} s")
        dpi = dpi_actor(engine)

        rss0 = rss_mb()
        t0 = time.perf_counter()
        plan = intake.dry_run(engine, dpi, data, "bench.xlsx")
        t_check = time.perf_counter() - t0
        assert plan.ok, [(x.code, x.cell, x.message_en) for x in plan.errors[:5]]
        assert len(plan.rows) == args.rows, len(plan.rows)
        t0 = time.perf_counter()
        result = intake.commit(engine, dpi, plan)
        t_commit = time.perf_counter() - t0
        rss1 = rss_mb()
        assert result["written"] == args.rows
        engine.dispose()
        print(f"dry run (read + validate + compare): {t_check:.2f} s  ({args.rows / t_check:,.0f} rows/s), "
              f"{len(plan.warnings)} warnings")
        print(f"commit (one transaction, {result['written']:,} revisions): {t_commit:.2f} s  "
              f"({args.rows / t_commit:,.0f} rows/s)")
        print(f"validate + import: {t_check + t_commit:.2f} s")
        print(f"peak RSS of the process: {rss1:.0f} MB (before the dry run: {rss0:.0f} MB)")
        del plan

        engine = store.copy()
        tracemalloc.start()
        plan = intake.dry_run(engine, dpi, data, "bench.xlsx")
        _, peak_check = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        intake.commit(engine, dpi, plan)
        _, peak_commit = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()
        print(f"Python heap peak (tracemalloc): dry run {peak_check / 1024 / 1024:.0f} MB, "
              f"commit {peak_commit / 1024 / 1024:.0f} MB")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
