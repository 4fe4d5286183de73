"""The map page's province maps: HTML size and Python render time, uncached and cached.

    .venv/bin/python bench/map_page.py [--repeat 5] [--db sqlite:////path/to/seeded.sqlite3]

Without ``--db`` a demo database is seeded in a temporary directory. For each map (both provinces;
the latest actual figures with labels, progress toward the target, change since 2020):

* ``uncached``: what a cache miss costs the page — the figures read from the database
  (``qh_data.maps.model.build_model``, every query run) and the map drawn (``render_choropleth`` + the HTML
  document) — median of ``--repeat`` runs;
* ``cached``: what a rerun costs once the map is cached (``st.cache_resource``) — a deep copy of the
  cached folium map and the pieces ``st_folium`` derives from it (header, html, script);
* the size of the HTML document and of the script ``st_folium`` sends to the browser.

Then the whole page through AppTest (``dashboard/app.py`` → ``pages/map.py``): the first run with
empty caches, and a rerun. Budgets (issue 4): province map HTML < 300 KB, rendering < 0.5 s.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "src", ROOT / "tests"):
    sys.path.insert(0, str(p))

warnings.simplefilter("ignore")
import logging

logging.disable(logging.WARNING)

SIZE_BUDGET = 300_000
TIME_BUDGET = 0.5
CASES = [
    # (label, province, indicator, view, period, period2)
    ("Lạng Sơn · actual 2025, labels", "20", "grdp_per_capita", "actual", "2025", None),
    ("Lạng Sơn · progress 2025", "20", "forest_cover", "progress", "2025", None),
    ("Lạng Sơn · change 2025/2020", "20", "budget_revenue", "change", "2025", "2020"),
    ("Thái Nguyên · actual 2025, labels", "19", "grdp_per_capita", "actual", "2025", None),
    ("Thái Nguyên · progress 2025", "19", "forest_cover", "progress", "2025", None),
]


def seeded_url() -> str:
    from qh_data import demo, schema
    from qh_data.db import make_engine

    path = Path(tempfile.mkdtemp(prefix="qh_bench_")) / "demo.sqlite3"
    url = f"sqlite:///{path}"
    eng = make_engine(url)
    schema.upgrade(eng)
    demo.seed(eng, quiet=True)
    eng.dispose()
    return url


def st_folium_pieces(m) -> tuple[str, str, str]:
    """The header, html and script of the rendered map: what st_folium derives from it (through its own
    private helpers) before handing it to its component, read here through branca's public Figure."""
    root = m.get_root()
    root.render()
    return root.header.render(), root.html.render(), root.script.render()


def run_maps(url: str, repeat: int) -> bool:
    from dashboard.fmt import WORDS
    from qh_data.db import make_engine
    from qh_data.maps import draw, map_html
    from qh_data.maps import model as mapmodel

    eng = make_engine(url)
    ok = True
    print(f"{'map':36} {'HTML':>9} {'script':>9} {'uncached s':>11} {'(query':>8} {'+ draw)':>8} {'cached s':>9}")
    for label, province, indicator, view, period, period2 in CASES:
        req = mapmodel.Request(indicator, province, period, view, period2)
        labels = view == "actual"
        mapmodel.build_model(mapmodel.direct_q(eng, memo=False), req, WORDS)  # warm the connection pool and imports
        t_model, t_draw, t_cached = [], [], []
        size = script_size = 0
        for _ in range(repeat):
            q = mapmodel.direct_q(eng, memo=False)
            t0 = time.perf_counter()
            model = mapmodel.build_model(q, req, WORDS)
            t1 = time.perf_counter()
            m = draw.render_map(q, model, WORDS, labels_on=labels)
            doc = map_html(m)
            t2 = time.perf_counter()
            cached = draw.render_map(q, model, WORDS, labels_on=labels)  # what sits in st.cache_resource
            t3 = time.perf_counter()
            _, _, script = st_folium_pieces(copy.deepcopy(cached))
            t4 = time.perf_counter()
            t_model.append(t1 - t0)
            t_draw.append(t2 - t1)
            t_cached.append(t4 - t3)
            size, script_size = len(doc.encode("utf-8")), len(script.encode("utf-8"))
        mm, md, mc = statistics.median(t_model), statistics.median(t_draw), statistics.median(t_cached)
        within = size < SIZE_BUDGET and md < TIME_BUDGET
        ok &= within
        print(f"{label:36} {size:>9,} {script_size:>9,} {mm + md:>11.3f} {mm:>8.3f} {md:>8.3f} {mc:>9.3f}"
              f"  {'ok' if within else 'OVER'}")
    eng.dispose()
    return ok


def run_page(url: str) -> None:
    os.environ["QH_DATABASE_URL"] = url
    os.environ["QH_AUTH"] = "none"
    from apptest_helpers import open_page

    from dashboard import data

    data.clear_caches()
    t0 = time.perf_counter()
    at = open_page("map.py", {"ind": "grdp_per_capita", "view": "actual", "per": "2025", "labels": "1"})
    first = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    print(f"\nwhole page (AppTest, app.py + pages/map.py): first run {first:.2f} s (entrypoint + empty caches), "
          f"rerun {statistics.median(times):.3f} s (median of 3, everything cached)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", help="a seeded database URL (default: seed a temporary SQLite demo)")
    ap.add_argument("--no-page", action="store_true", help="skip the AppTest run of the whole page")
    a = ap.parse_args()
    db = a.db or seeded_url()
    print(f"database: {db}\n")
    good = run_maps(db, a.repeat)
    if not a.no_page:
        run_page(db)
    print(f"\nbudgets: HTML < {SIZE_BUDGET:,} B and drawing < {TIME_BUDGET} s per province map: "
          f"{'met' if good else 'NOT met'}")
    sys.exit(0 if good else 1)
