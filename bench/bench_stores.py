"""The stores the benchmark measures (bench/bench.py): the province demo, made afresh each run, and the
national synthetic store, made with ``qh demo synth --scale national`` when missing (timed)."""


from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

PG_SERVER = os.environ.get("QH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PROVINCE = "20"  # Lạng Sơn: in the demo and in the national store


def pg_admin():
    from sqlalchemy import create_engine

    return create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def pg_has_data(url: str) -> bool:
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = pg_admin()
    with admin.connect() as c:
        exists = c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    eng = create_engine(url)
    try:
        with eng.connect() as c:
            return bool(c.scalar(text("SELECT to_regclass('agency') IS NOT NULL"))) and bool(
                c.scalar(text("SELECT COUNT(*) FROM agency")))
    finally:
        eng.dispose()


def ensure_store(store: str, backend: str, args) -> tuple[str, float | None]:
    """The URL of the store (made when missing) and the seconds it took to make it (None if it existed)."""
    from qh_data import demo, schema, synth
    from qh_data.db import make_engine

    if store == "province":
        if backend == "sqlite":
            url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='qh_bench9_')) / 'demo.sqlite3'}"
        else:
            url = f"{PG_SERVER}/qh_bench_demo"
            admin = pg_admin()
            with admin.connect() as c:
                c.exec_driver_sql("DROP DATABASE IF EXISTS qh_bench_demo WITH (FORCE)")
                c.exec_driver_sql("CREATE DATABASE qh_bench_demo")
            admin.dispose()
        eng = make_engine(url)
        t0 = time.perf_counter()
        schema.upgrade(eng)
        demo.seed(eng, quiet=True)
        eng.dispose()
        return url, time.perf_counter() - t0
    if backend == "sqlite":
        path = Path(args.national_sqlite)
        url = f"sqlite:///{path}"
        if path.exists():
            return url, None
    else:
        url = args.national_pg
        if pg_has_data(url):
            return url, None
    eng = make_engine(url)
    report = synth.synth(eng, scale="national")
    eng.dispose()
    return url, report["seconds"]
