"""The performance benchmark (issues 9 and 17): pages, queries, maps and memory, province demo vs national store.

    .venv/bin/python bench/bench.py                      # all four: {province, national} x {sqlite, postgresql}
    .venv/bin/python bench/bench.py --only province:sqlite --warm 5
    .venv/bin/python bench/bench.py --http http://127.0.0.1:8080   # timings through a proxy (docs/scale-out.md)

Stores (made when missing; the national one with ``qh demo synth --scale national``, timed):

* province demo: ``qh demo seed`` into a temporary SQLite file / the PostgreSQL database ``qh_bench_demo``;
* national: ``--national-sqlite`` (default /tmp/qh_synth_national.sqlite3) / ``--national-pg``
  (default database ``qh_synth``).

Each store/backend pair runs in a child process of its own (clean caches, its own peak RSS), which:

1. times the heavy queries behind each page through ``qh_data`` and the very SQL statements they sent
   (caught with SQLAlchemy's ``before_cursor_execute`` event), replayed on a connection of the bare
   driver (``sqlite3`` / ``psycopg`` in autocommit) with ``execute`` + ``fetchall()``, interleaved:
   medians of ``--query-runs`` pairs and the per-call overhead of ``qh_data`` over the driver
   (median of the per-pair differences, ms);
2. times the map: the province map (Lạng Sơn, GRDP per capita 2025, labels) built and rendered as on
   a cache miss, and the national layer (all 706 districts, values read from the store) rendered;
   the commune layers of 2025-H2 (Lạng Sơn's 65 as the page draws them; the national 3,321 communes);
   HTML sizes (the browser's draw time of the commune maps: bench/map_communes.py);
3. runs every page through ``streamlit.testing.v1.AppTest`` (``dashboard/app.py``, page switched,
   signed in as the ``admin`` account, ``QH_AUTH=password``, so every page is shown): the first run after every Streamlit cache
   was cleared, then the median of ``--warm`` reruns;
4. reports its peak RSS (``ru_maxrss``).

The parent prints one table and writes it to bench/RESULTS.md (with the date and the core count).
Speed is measured here, never asserted in tests. Timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "src", ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from bench_http import HTTP_PAGES, run_http  # noqa: E402 -- after the path set-up above
from bench_maps import COMMUNE_PERIOD, time_maps  # noqa: E402
from bench_stores import PG_SERVER, PROVINCE, ensure_store, pg_admin  # noqa: E402

PAGES = ("overview", "progress", "tasks", "issues", "meetings", "slideshow", "map", "indicators", "intake",
         "audit", "users")
TARGETS = {  # (province, national)
    "warm_ms": (150, 400), "first_s": (1.5, 4.0), "scale": 4.0, "nat_map_bytes": 3_000_000,
    "nat_map_s": 3.0, "prov_map_bytes": 300_000, "prov_commune_map_bytes": 400_000, "rss_mb": 600,
}


# --- the heavy queries behind each page ---------------------------------------------------------------

def heavy_queries(engine, today: dt.date) -> list[tuple[str, str, dict]]:
    """(pages, query name, keyword arguments) with the default filters of each page."""
    from qh_data import queries

    scope = {"province": PROVINCE, "districts": None, "agency": None, "as_of": today}
    last = queries.last_meeting(engine, PROVINCE, today)
    district = queries.districts(engine, PROVINCE)[0]["code"]
    return [
        ("overview, slideshow", "indicator_overview", {"province": PROVINCE, "as_of": None}),
        ("overview, progress, slideshow", "task_counts_by_agency", scope),
        ("overview", "task_totals", scope),
        ("overview", "overdue_tasks", {**scope, "limit": 8}),
        ("overview", "issue_counts", {"province": PROVINCE, "districts": None, "agency": None}),
        ("overview, meetings", "upcoming_meeting", {"province": PROVINCE, "today": today}),
        ("overview", "changes_since", {"province": PROVINCE, "since": last["held_on"] if last else today}),
        ("tasks", "list_tasks", {**scope, "role": "any", "order": "overdue"}),
        ("issues, slideshow", "open_issues", {**scope, "statuses": ["open", "in_progress", "awaiting_decision",
                                                                    "resolved", "closed"]}),
        ("meetings", "list_meetings", {"province": PROVINCE}),
        ("map", "indicator_values", {"indicator": "grdp_per_capita", "period": "2025", "kind": "actual",
                                     "level": "district", "province": PROVINCE}),
        ("map", "indicator_values", {"indicator": "grdp_per_capita", "period": "2025", "kind": "actual",
                                     "level": "province", "province": PROVINCE}),
        ("map, indicators", "indicator_series", {"indicator": "grdp_per_capita", "unit_code": district}),
        ("map, indicators", "province_series", {"indicator": "grdp_per_capita", "province": PROVINCE}),
        ("sidebar (every page)", "agencies", {"province": PROVINCE}),
    ]


def _driver_connection(engine):
    """A connection of the bare driver to the engine's database, with no SQLAlchemy in between
    (PostgreSQL in autocommit: no BEGIN before a SELECT)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        import sqlite3

        return sqlite3.connect(url.database)
    import psycopg

    return psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)


def time_queries(engine, today: dt.date, runs: int) -> list[dict]:
    """Each heavy query through ``qh_data`` against the very statements it sent, replayed on a connection
    of the bare driver (``execute`` + ``fetchall``), interleaved a call then a replay so that both see
    the same moments of a shared machine. ``overhead_ms`` is the median of the per-pair differences:
    what ``qh_data`` adds per call (pool checkout and pre-ping, SQLAlchemy's execution and result
    processing, building the rows and Records)."""
    from sqlalchemy import event

    from qh_data import queries

    bare = _driver_connection(engine)
    out = []
    try:
        for pages, name, kwargs in heavy_queries(engine, today):
            fn = getattr(queries, name)
            sent: list[tuple[str, object]] = []

            def grab(conn, cursor, statement, parameters, context, executemany, sent=sent):
                sent.append((statement, parameters))

            fn(engine, **kwargs)  # warm: pool, compiled statements
            event.listen(engine, "before_cursor_execute", grab)
            try:
                fn(engine, **kwargs)
            finally:
                event.remove(engine, "before_cursor_execute", grab)
            t_lib, t_sql = [], []
            for i in range(runs + 1):
                t0 = time.perf_counter()
                fn(engine, **kwargs)
                t1 = time.perf_counter()
                cur = bare.cursor()
                for stmt, params in sent:
                    cur.execute(stmt, params)
                    cur.fetchall()
                cur.close()
                t2 = time.perf_counter()
                if i:  # the first pair warms both
                    t_lib.append(t1 - t0)
                    t_sql.append(t2 - t1)
            label = name if name != "indicator_values" else f"indicator_values ({kwargs['level']})"
            out.append({"pages": pages, "query": label, "statements": len(sent),
                        "lib_ms": statistics.median(t_lib) * 1000, "sql_ms": statistics.median(t_sql) * 1000,
                        "overhead_ms": statistics.median(a - b for a, b in zip(t_lib, t_sql)) * 1000})
    finally:
        bare.close()
    return out


# --- pages through AppTest -------------------------------------------------------------------------------

def _clear_streamlit_caches() -> None:
    """Every cache a page run can hit: Streamlit's, the map's, and dashboard.data's own memo."""
    import streamlit as st

    from dashboard import data

    st.cache_data.clear()
    st.cache_resource.clear()
    data.clear_caches()


def _admin_actor(engine):
    from sqlalchemy import select

    from qh_data.db import read_session
    from qh_data.models import User
    from qh_data.permissions import Actor

    with read_session(engine) as s:
        u = s.scalar(select(User).where(User.username == "admin"))
        return Actor(user_id=u.id, username=u.username, role=u.role, agency_code=u.agency_code,
                     display_name=u.display_name)


def time_pages(engine, warm: int, pages: tuple[str, ...]) -> list[dict]:
    from apptest_helpers import APP
    from streamlit.testing.v1 import AppTest

    from qh_data import clock

    actor = _admin_actor(engine)

    def fresh() -> AppTest:
        # signed in (QH_AUTH=password) as the administrator: every page is in the navigation
        at = AppTest.from_file(APP, default_timeout=300)
        at.session_state["actor"] = actor
        at.session_state["_auth_last_seen"] = clock.now()
        at.run()
        return at

    fresh()  # imports and the first script compile are not what a page costs
    out = []
    for page in pages:
        at = fresh()
        at.switch_page(f"../pages/{page}.py")
        _clear_streamlit_caches()
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        problems = [str(e.value)[:200] for e in at.exception] + [str(e.value)[:200] for e in at.error]
        times = []
        for _ in range(warm):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        out.append({"page": page, "first_s": first, "warm_ms": statistics.median(times) * 1000,
                    "problems": problems})
    return out


def child(store: str, backend: str, url: str, warm: int, pages: tuple[str, ...], query_runs: int) -> dict:
    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.WARNING)
    os.environ["QH_DATABASE_URL"] = url
    os.environ["QH_AUTH"] = "password"
    os.environ["QH_IDLE_MINUTES"] = "0"
    os.environ["QH_PROVINCE"] = PROVINCE
    from qh_data import clock
    from qh_data.db import make_engine

    engine = make_engine(url)
    today = clock.today()
    result = {"store": store, "backend": backend}
    result["queries"] = time_queries(engine, today, query_runs)
    result["maps"] = time_maps(engine, warm)
    engine.dispose()
    result["pages"] = time_pages(make_engine(url), warm, pages)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


# --- the table ----------------------------------------------------------------------------------------------

def _f(v, spec: str) -> str:
    return "–" if v is None else format(v, spec)


def _ms(v: float) -> str:
    """Three significant figures at least: 0.0213, 0.452, 12.7."""
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 10 else f"{v:.1f}"


def table(results: dict, made: dict) -> str:
    cols = [k for k in (("province", "sqlite"), ("province", "postgresql"), ("national", "sqlite"),
                        ("national", "postgresql")) if k in results]
    head = ["measure", "target"] + [f"{s} · {'SQLite' if b == 'sqlite' else 'PostgreSQL'}" for s, b in cols]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]

    def row(measure, target, cells):
        lines.append("| " + " | ".join([measure, target, *cells]) + " |")

    def over(v, bound):
        return v is not None and bound is not None and v > bound

    def mark(text, bad):
        return f"**{text}** ✗" if bad else text

    pages = [p["page"] for p in next(iter(results.values()))["pages"]]
    for page in pages:
        cells = []
        for s, b in cols:
            p = next(x for x in results[(s, b)]["pages"] if x["page"] == page)
            i = 0 if s == "province" else 1
            warm_bad, first_bad = over(p["warm_ms"], TARGETS["warm_ms"][i]), over(p["first_s"], TARGETS["first_s"][i])
            txt = f"{mark(_f(p['warm_ms'], '.0f'), warm_bad)} ms / {mark(_f(p['first_s'], '.2f'), first_bad)} s"
            if p["problems"]:
                txt += " (page error!)"
            cells.append(txt)
        row(f"page **{page}**: warm median / first run", "≤150 ms, ≤1.5 s (prov.); ≤400 ms, ≤4 s (nat.)", cells)
    for b in ("sqlite", "postgresql"):
        if ("province", b) in results and ("national", b) in results:
            ratios = []
            for page in pages:
                pp = next(x for x in results[("province", b)]["pages"] if x["page"] == page)["warm_ms"]
                pn = next(x for x in results[("national", b)]["pages"] if x["page"] == page)["warm_ms"]
                ratios.append(pn / pp)
            worst = max(ratios)
            cells = ["" for _ in cols]
            cells[cols.index(("national", b))] = (f"{mark(_f(worst, '.1f'), over(worst, TARGETS['scale']))}x worst, "
                                                  f"{statistics.median(ratios):.1f}x median")
            row(f"national ÷ province warm page time ({'SQLite' if b == 'sqlite' else 'PostgreSQL'})", "≤4x", cells)
    queries = [q["query"] for q in next(iter(results.values()))["queries"]]
    for name in queries:
        cells = []
        pages_of = ""
        for s, b in cols:
            q = next(x for x in results[(s, b)]["queries"] if x["query"] == name)
            pages_of = q["pages"]
            cells.append(f"{_ms(q['lib_ms'])} / {_ms(q['sql_ms'])} ms (+{_ms(q['overhead_ms'])} ms, "
                         f"{q['statements']} stmt)")
        row(f"query `{name}` ({pages_of}): qh_data / bare driver (+ overhead per call)", "report", cells)
    cells = []
    for s, b in cols:
        m = results[(s, b)]["maps"]["province"]
        kb = f"{m['bytes'] / 1000:.0f} KB"
        cells.append(f"{mark(kb, over(m['bytes'], TARGETS['prov_map_bytes']))}, "
                     f"render {m['render_s']:.2f} s (+ figures {m['model_s']:.2f} s)")
    row("map, province layer (Lạng Sơn, labels): HTML, Python render", "≤300 KB", cells)
    for key, label in (("national", "no labels"), ("national_labels", "labels")):
        cells = []
        for s, b in cols:
            if s == "province":  # the demo holds two provinces' districts, not the country's
                cells.append("n/a (the demo has 20 districts)")
                continue
            m = results[(s, b)]["maps"][key]
            mb, secs = f"{m['bytes'] / 1e6:.2f} MB", f"{m['render_s']:.2f} s"
            cells.append(f"{mark(mb, over(m['bytes'], TARGETS['nat_map_bytes']))}, "
                         f"render {mark(secs, over(m['render_s'], TARGETS['nat_map_s']))} "
                         f"({m['units']} districts; figures read in {m['data_s']:.2f} s)")
        row(f"map, national layer ({label}): HTML, Python render", "≤3 MB, ≤3 s", cells)
    cells = []
    for s, b in cols:
        m = results[(s, b)]["maps"].get("province_communes")
        if m is None:
            cells.append("n/a (no commune figures)")
            continue
        kb = f"{m['bytes'] / 1000:.0f} KB"
        cells.append(f"{mark(kb, over(m['bytes'], TARGETS['prov_commune_map_bytes']))}, "
                     f"render {m['render_s']:.2f} s ({m['units']} communes)")
    row(f"map, province commune layer (Lạng Sơn, {COMMUNE_PERIOD}, labels): HTML, Python render", "≤400 KB", cells)
    cells = []
    for s, b in cols:
        m = results[(s, b)]["maps"].get("national_communes")
        if m is None:
            cells.append("n/a (not the national store)")
            continue
        mb, secs = f"{m['bytes'] / 1e6:.2f} MB", f"{m['render_s']:.2f} s"
        cells.append(f"{mark(mb, over(m['bytes'], TARGETS['nat_map_bytes']))}, render {secs} "
                     f"({m['units']} communes; figures read in {m['data_s']:.2f} s)")
    row("map, national commune layer (no labels; browser draw: bench/map_communes.py): HTML, Python render",
        "≤3 MB", cells)
    cells = [mark(f"{results[k]['rss_mb']:.0f} MB", over(results[k]["rss_mb"], TARGETS["rss_mb"])) for k in cols]
    row("peak RSS of the benchmark process", "≤600 MB", cells)
    cells = []
    for k in cols:
        secs = made.get(k)
        cells.append("–" if secs is None else f"{secs:.1f} s")
    row("store generated in this run (demo seed / `qh demo synth --scale national`)", "", cells)
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warm", type=int, default=5, help="warm runs per page / query (median)")
    ap.add_argument("--only", action="append", help="store:backend, e.g. national:postgresql (repeatable)")
    ap.add_argument("--query-runs", type=int, default=30,
                    help="calls per query, and replays of its SQL (median; sub-millisecond timings need more than 5)")
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--national-sqlite", default="/tmp/qh_synth_national.sqlite3")
    ap.add_argument("--national-pg", default=f"{PG_SERVER}/qh_synth")
    ap.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--http", help="base URL of a proxy in front of the app (measures HTTP/websocket only)")
    ap.add_argument("--child", nargs=3, metavar=("STORE", "BACKEND", "URL"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    pages = tuple(p for p in a.pages.split(",") if p)
    if a.child:
        res = child(*a.child, a.warm, pages, a.query_runs)
        print("RESULT " + json.dumps(res, default=str))
        return 0
    if a.http:
        base = a.http.rstrip("/")
        text = run_http(base, a.warm, max(10, a.warm * 4), tuple(p for p in pages if p in HTTP_PAGES))
        print(text)
        if not a.no_write:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            section = (f"{HTTP_MARK}\n\n## Through nginx ({base})\n\nMeasured {stamp} by `bench/bench.py --http {base}`, "
                       f"load average {_load()}. Two app processes behind nginx (docs/scale-out.md); "
                       f"page times are Streamlit runs over the websocket, first run of a fresh session "
                       f"(the process's caches already warm from earlier visitors, unless it is the first) "
                       f"and the median of {a.warm} reruns.\n\n{text}\n")
            _write_section(Path(a.out), section, main=False)
        return 0
    wanted = [tuple(x.split(":")) for x in a.only] if a.only else [
        ("province", "sqlite"), ("province", "postgresql"), ("national", "sqlite"), ("national", "postgresql")]
    results, made = {}, {}
    load_before = _load()
    for store, backend in wanted:
        url, secs = ensure_store(store, backend, a)
        made[(store, backend)] = secs
        print(f"[{store} · {backend}] {url}" + (f" (made in {secs:.1f} s)" if secs else ""), file=sys.stderr)
        proc = subprocess.run([sys.executable, __file__, "--child", store, backend, url, "--warm", str(a.warm),
                               "--query-runs", str(a.query_runs), "--pages", ",".join(pages)], capture_output=True, text=True, check=False)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode or line is None:
            print(proc.stdout[-3000:], proc.stderr[-5000:], file=sys.stderr)
            return 1
        results[(store, backend)] = json.loads(line[len("RESULT "):])
        if store == "province" and backend == "sqlite":  # the temporary demo file
            shutil.rmtree(Path(url.removeprefix("sqlite:///")).parent, ignore_errors=True)
        elif store == "province":  # the demo database made for this run
            admin = pg_admin()
            with admin.connect() as c:
                c.exec_driver_sql("DROP DATABASE IF EXISTS qh_bench_demo WITH (FORCE)")
            admin.dispose()
        for p in results[(store, backend)]["pages"]:
            if p["problems"]:
                print(f"  page {p['page']} showed: {p['problems']}", file=sys.stderr)
    text = table(results, made)
    print(text)
    if not a.no_write:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        header = (f"# Benchmark results (issues 9 and 17)\n\nMeasured {stamp} by `bench/bench.py --warm {a.warm} --query-runs {a.query_runs}` on "
                  f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
                  f"{platform.python_version()}; load average {load_before} before, {_load()} after. The "
                  f"machine is shared (other agents and test suites may run at the same time): timings are "
                  f"noisy. Cells: warm median ms / first run s for pages; for queries qh_data ms / bare driver "
                  f"ms (+ the per-call overhead of qh_data, median of the per-pair differences, and the number "
                  f"of statements), {a.query_runs} calls each followed by a replay of the statements it sent "
                  f"on a connection of the bare driver (sqlite3; psycopg in autocommit). "
                  f"**Bold ✗** = over the target.\n\n")
        _write_section(Path(a.out), header + text + "\n", main=True)
        print(f"\nwritten to {a.out}", file=sys.stderr)
    return 0


HTTP_MARK = "<!-- bench.py --http: the section below is rewritten by each --http run -->"
NOTES_MARK = "<!-- notes: kept as they are by bench.py -->"


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _write_section(path: Path, text: str, *, main: bool) -> None:
    """RESULTS.md = the main table, then the nginx section, then notes written by hand; a main run
    rewrites the first part, an --http run the second, and the notes are kept."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    rest, _, notes = old.partition(NOTES_MARK)
    head, _, http = rest.partition(HTTP_MARK)
    parts = {"main": head.strip(), "http": (HTTP_MARK + http).strip() if http else ""}
    parts["main" if main else "http"] = text.strip()
    out = "\n\n".join(x for x in (parts["main"], parts["http"]) if x) + "\n"
    if notes:
        out += "\n" + NOTES_MARK + notes
    path.write_text(out, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
