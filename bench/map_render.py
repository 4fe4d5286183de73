"""HTML size and render time of the choropleth maps.

    .venv/bin/python bench/map_render.py [--repeat 5]

For each map: build rows for every district (deterministic demo values), classify (natural breaks,
5 classes), then time ``render_choropleth(...)`` + ``map_html(...)`` — what a page does on a cache
miss — and print the median of ``--repeat`` runs and the HTML size. Budgets: province maps
< 300 KB and < 0.5 s, the national layer (708 districts) ≤ 3 MB and < 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qh_data import maps

CASES = [
    # (label, province code or None for the whole country, value labels on, size budget, time budget)
    ("Lạng Sơn (11 huyện)", "20", True, 300_000, 0.5),
    ("Thái Nguyên (9 huyện)", "19", True, 300_000, 0.5),
    ("Việt Nam (708 huyện), no labels", None, False, 3_000_000, 3.0),
    ("Việt Nam (708 huyện), labels", None, True, 3_000_000, 3.0),
]


def demo_rows(geo: dict) -> list[dict]:
    feats = [f for f in geo["features"] if f["properties"]["code"]]
    rows = []
    for i, f in enumerate(feats):
        value = None if i % 10 == 3 else round(40 + (i * 37) % 70 + (i % 7) * 0.3, 1)
        rows.append({"code": f["properties"]["code"], "name": f["properties"]["name"], "value": value,
                     "formatted_value": None if value is None else maps.default_number_format(value),
                     "unit": "%", "rank": i + 1, "n": len(feats), "target_text": "Mục tiêu 2025: 95 %",
                     "source": "Cục Thống kê tỉnh (demo)", "is_demo": True})
    return rows


def run(repeat: int) -> bool:
    ok = True
    print(f"{'map':36} {'features':>8} {'HTML size':>12} {'median s':>9} {'min s':>7}  budget")
    for label, province, labels_on, max_size, max_time in CASES:
        geo = maps.province_districts(province)
        rows = demo_rows(geo)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cls = maps.classify([r["value"] for r in rows], "natural_breaks", 5)
        times, size = [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k),
                                       legend_title="Tỷ lệ (demo)", legend_labels=cls.labels(),
                                       labels_on=labels_on, highlight_code=rows[0]["code"])
            html = maps.map_html(m)
            times.append(time.perf_counter() - t0)
            size = len(html.encode("utf-8"))
        med = statistics.median(times)
        within = size <= max_size and med < max_time
        ok &= within
        print(f"{label:36} {len(geo['features']):>8} {size:>12,} {med:>9.3f} {min(times):>7.3f}  "
              f"{'ok' if within else 'OVER'} (≤ {max_size:,} B, < {max_time} s)")
    return ok


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    sys.exit(0 if run(ap.parse_args().repeat) else 1)
