"""The commune maps (issue 14 point 7): HTML size, Python render time and the time a browser takes to draw them.

    .venv/bin/python bench/map_communes.py [--repeat 5] [--db URL] [--no-browser]

Maps:

* the national commune layer (3,321 communes, ``data/geo/vietnam_communes_2025.geojson``) with
  deterministic demo values (as ``map_render.py`` does for the districts), without and with value labels:
  ``render_choropleth`` + ``map_html``, as a national map would be drawn;
* the province commune maps, Lạng Sơn (65) and Thái Nguyên (92), through the map page's own path
  (``maps.model.build_model`` on a store, then ``maps.draw.render_map`` with labels), for a half-year after
  1/7/2025 (2025-H2, communes); the store is ``--db`` (any store with commune figures: ``qh demo synth``)
  or a ``--scale small`` synthetic store made in a temporary directory.

Python: the median of ``--repeat`` renders. Browser: each document is served over loopback HTTP with the
vendored Leaflet at ``/app/static`` (where Streamlit serves it), opened ``--repeat`` times in a fresh
context of Debian's chromium (``/usr/bin/chromium``, the flags of tests/browser/conftest.py, a 1920×1080
viewport); the draw time is the page's own clock (``performance.now()``, from navigation start) when every
polygon is in the DOM and two animation frames have passed (the browser has painted). Median and worst.
Budgets: national commune map ≤ 3 MB of HTML and drawn in < 3 s; a province commune map < 400 KB. The
national map is the one without value labels (3,321 labels cannot be read at that scale); the labelled one is
measured and reported, not budgeted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "src"):
    sys.path.insert(0, str(p))
warnings.simplefilter("ignore")

CHROMIUM = os.environ.get("QH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1920, "height": 1080}
NATIONAL_BYTES, NATIONAL_DRAW_S, PROVINCE_BYTES = 3_000_000, 3.0, 400_000
PERIOD = "2025-H2"


def demo_rows(geo: dict) -> list[dict]:
    from qh_data import maps

    feats = [f for f in geo["features"] if f["properties"].get("code")]
    rows = []
    for i, f in enumerate(feats):
        value = None if i % 10 == 3 else round(40 + (i * 37) % 70 + (i % 7) * 0.3, 1)
        rows.append({"code": f["properties"]["code"], "name": f["properties"]["name"], "value": value,
                     "formatted_value": None if value is None else maps.default_number_format(value),
                     "unit": "%", "rank": i + 1, "n": len(feats), "target_text": "Mục tiêu 2030: 95 %",
                     "source": "Dữ liệu minh họa (demo)", "is_demo": True})
    return rows


def national(labels_on: bool) -> str:
    from qh_data import maps
    from qh_data.maps import boundaries

    geo = boundaries.unit_boundaries(None, "commune")
    rows = demo_rows(geo)
    cls = maps.classify([r["value"] for r in rows], "quantiles", 5)
    m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k),
                               legend_title="Tỷ lệ (demo)", legend_labels=cls.labels(), labels_on=labels_on,
                               attribution=boundaries.COMMUNE_ATTRIBUTION, iframe_fixes=True, fit_screen=True)
    return maps.map_html(m)


def province(url: str, code: str) -> str:
    from dashboard.fmt import WORDS
    from qh_data import maps
    from qh_data.db import make_engine
    from qh_data.maps import draw
    from qh_data.maps import model as mapmodel

    eng = make_engine(url)
    indicator = _indicator_code(url)
    q = mapmodel.direct_q(eng, memo=False)
    model = mapmodel.build_model(q, mapmodel.Request(indicator, code, PERIOD, "actual", level="commune"), WORDS)
    html = maps.map_html(draw.render_map(q, model, WORDS, labels_on=True))
    eng.dispose()
    return html


@functools.cache
def _indicator_code(url: str) -> str:
    from sqlalchemy import select

    from qh_data.db import make_engine
    from qh_data.models import Indicator

    eng = make_engine(url)
    with eng.connect() as c:
        codes = set(c.execute(select(Indicator.code)).scalars())
    eng.dispose()
    return "grdp_per_capita" if "grdp_per_capita" in codes else sorted(codes)[0]


def synth_store() -> str:
    import datetime as dt

    from qh_data import synth
    from qh_data.db import make_engine

    path = Path(tempfile.mkdtemp(prefix="qh_bench_communes_")) / "synth.sqlite3"
    url = f"sqlite:///{path}"
    eng = make_engine(url)
    synth.synth(eng, scale="small", today=dt.date(2026, 12, 1))
    eng.dispose()
    return url


def python_times(make, repeat: int) -> tuple[str, float]:
    times, html = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        html = make()
        times.append(time.perf_counter() - t0)
    return html, statistics.median(times)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(docs: dict[str, str]):
    """The documents and the app's static folder (at /app/static) on a loopback port."""
    root = Path(tempfile.mkdtemp(prefix="qh_bench_docs_"))
    (root / "app").mkdir()
    (root / "app" / "static").symlink_to(ROOT / "dashboard" / "static")
    for name, html in docs.items():
        (root / name).write_text(html, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


DRAWN = """n => document.querySelectorAll('path.leaflet-interactive').length >= n"""
PAINTED = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"""


def browser_times(base: str, docs: dict[str, int], repeat: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {name: [] for name in docs}
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(repeat):
            for name, n in docs.items():
                ctx = b.new_context(viewport=VIEWPORT)
                page = ctx.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(f"{base}/{name}", wait_until="commit")
                page.wait_for_function(DRAWN, arg=n, timeout=60_000)
                out[name].append(page.evaluate(PAINTED) / 1000)
                if errors:
                    raise RuntimeError(f"{name}: {errors}")
                ctx.close()
        b.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", help="a store with commune figures (default: a small synthetic store, made now)")
    ap.add_argument("--no-browser", action="store_true")
    a = ap.parse_args()
    url = a.db or synth_store()
    print(f"store: {url}; load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    cases = [  # (file, label, make, polygons, size budget: None = reported only)
        ("national.html", "Việt Nam, 3,321 xã, phường, no labels", lambda: national(False), 3321, NATIONAL_BYTES),
        ("national_labels.html", "Việt Nam, 3,321 xã, phường, labels", lambda: national(True), 3321, None),
        ("lang_son.html", f"Lạng Sơn, 65 xã, phường, {PERIOD}, labels", lambda: province(url, "20"), 65,
         PROVINCE_BYTES),
        ("thai_nguyen.html", f"Thái Nguyên, 92 xã, phường, {PERIOD}, labels", lambda: province(url, "19"), 92,
         PROVINCE_BYTES),
    ]
    docs, rows, ok = {}, [], True
    for name, label, make, n, budget in cases:
        html, secs = python_times(make, a.repeat)
        docs[name] = html
        size = len(html.encode("utf-8"))
        rows.append((name, label, n, size, secs, budget))
    drawn: dict[str, list[float]] = {}
    if not a.no_browser:
        with serve(docs) as base:
            drawn = browser_times(base, {name: n for name, _, n, *_ in rows}, a.repeat)
    print(f"\n{'map':44} {'polygons':>8} {'HTML bytes':>11} {'Python s':>9} {'browser median s':>17} {'worst':>6}")
    for name, label, n, size, secs, budget in rows:
        times = drawn.get(name)
        med = statistics.median(times) if times else None
        worst = max(times) if times else None
        within = budget is None or (size <= budget and (budget != NATIONAL_BYTES or med is None
                                                          or med < NATIONAL_DRAW_S))
        ok &= within
        print(f"{label:44} {n:>8} {size:>11,} {secs:>9.2f} {med if med is not None else float('nan'):>17.2f} "
              f"{worst if worst is not None else float('nan'):>6.2f}  "
              f"{'(reported)' if budget is None else 'ok' if within else 'OVER'}")
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"budgets (national ≤ {NATIONAL_BYTES:,} B and drawn < {NATIONAL_DRAW_S} s; province < {PROVINCE_BYTES:,} B): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
