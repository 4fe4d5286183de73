"""The maps bench.py times (in its child process): the province map as the page draws it, the national
district layer, and the commune layers (issue 14). The browser's draw time of the commune maps:
bench/map_communes.py."""

from __future__ import annotations

import datetime as dt
import statistics
import time
import warnings

from bench_stores import PROVINCE


def time_maps(engine, warm: int) -> dict:
    from dashboard.fmt import WORDS
    from qh_data import maps, queries
    from qh_data.maps import draw
    from qh_data.maps import model as mapmodel

    out: dict = {}
    req = mapmodel.Request("grdp_per_capita", PROVINCE, "2025", "actual")
    q = mapmodel.direct_q(engine, memo=False)
    mapmodel.build_model(q, req, WORDS)
    t_model, t_draw, size = [], [], 0
    for _ in range(warm):
        q = mapmodel.direct_q(engine, memo=True)
        t0 = time.perf_counter()
        model = mapmodel.build_model(q, req, WORDS)
        t1 = time.perf_counter()
        html = maps.map_html(draw.render_map(q, model, WORDS, labels_on=True))
        t_draw.append(time.perf_counter() - t1)
        t_model.append(t1 - t0)
        size = len(html.encode("utf-8"))
    out["province"] = {"bytes": size, "render_s": statistics.median(t_draw), "model_s": statistics.median(t_model),
                       "units": len(model.rows)}

    # the national layer: every district of the store with its 2025 figure (the provinces of before 1/7/2025)
    t0 = time.perf_counter()
    rows = []
    for p in queries.provinces(engine, dt.date(2025, 6, 30)):
        df = queries.indicator_values(engine, indicator="grdp_per_capita", period="2025", kind="actual",
                                      level="district", province=p["code"])
        for r in df:  # Records: row dicts, a missing figure is None
            v = None if r["value"] is None or r["value"] != r["value"] else float(r["value"])
            rows.append({"code": r["code"], "name": r["name"], "value": v,
                         "formatted_value": None if v is None else maps.default_number_format(v),
                         "unit": "triệu đồng/người", "rank": None, "n": None, "target_text": None,
                         "source": r["source"], "is_demo": bool(r["is_demo"])})
    t_data = time.perf_counter() - t0
    geo = maps.province_districts(None)
    codes = {r["code"] for r in rows}
    geo = {"type": "FeatureCollection", "features": [f for f in geo["features"]
                                                     if (f.get("properties") or {}).get("code") in codes]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls = maps.classify([r["value"] for r in rows], "quantiles", 5)
    for labels_on in (False, True):
        times = []
        for _ in range(max(1, min(warm, 3))):
            t0 = time.perf_counter()
            m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k),
                                       legend_title="GRDP bình quân đầu người 2025", legend_labels=cls.labels(),
                                       labels_on=labels_on)
            html = maps.map_html(m)
            times.append(time.perf_counter() - t0)
        out["national_labels" if labels_on else "national"] = {
            "bytes": len(html.encode("utf-8")), "render_s": statistics.median(times), "data_s": t_data,
            "units": len(geo["features"])}
    out.update(time_commune_maps(engine, warm))
    return out


COMMUNE_PERIOD = "2025-H2"  # the first half-year drawn on the communes


def time_commune_maps(engine, warm: int) -> dict:
    """The commune layers (issue 14): Lạng Sơn's commune map as the page draws it, and the national commune
    layer (every commune of the 34 provinces with its 2025-H2 figure, ``fit_screen``). Browser draw times:
    bench/map_communes.py. Empty when the store holds no commune figures."""
    from dashboard.fmt import WORDS
    from qh_data import maps, queries
    from qh_data.maps import boundaries, draw
    from qh_data.maps import model as mapmodel

    out: dict = {}
    req = mapmodel.Request("grdp_per_capita", PROVINCE, COMMUNE_PERIOD, "actual", level="commune")
    q = mapmodel.direct_q(engine, memo=False)
    model = mapmodel.build_model(q, req, WORDS)
    if not any(r["value"] is not None for r in model.rows):
        return out
    times, size = [], 0
    for _ in range(warm):
        q = mapmodel.direct_q(engine, memo=True)
        model = mapmodel.build_model(q, req, WORDS)
        t0 = time.perf_counter()
        html = maps.map_html(draw.render_map(q, model, WORDS, labels_on=True))
        times.append(time.perf_counter() - t0)
        size = len(html.encode("utf-8"))
    out["province_communes"] = {"bytes": size, "render_s": statistics.median(times), "units": len(model.rows)}
    t0 = time.perf_counter()
    rows = []
    for p in queries.provinces(engine):
        for r in queries.indicator_values(engine, indicator="grdp_per_capita", period=COMMUNE_PERIOD, kind="actual",
                                          level="commune", province=p["code"]):
            v = None if r["value"] is None or r["value"] != r["value"] else float(r["value"])
            rows.append({"code": r["code"], "name": r["name"], "value": v,
                         "formatted_value": None if v is None else maps.default_number_format(v),
                         "unit": "triệu đồng/người", "rank": None, "n": None, "target_text": None,
                         "source": r["source"], "is_demo": bool(r["is_demo"])})
    t_data = time.perf_counter() - t0
    if len(rows) < 1000:  # a province store: no national layer
        return out
    codes = {r["code"] for r in rows}
    geo = boundaries.unit_boundaries(None, "commune")
    geo = {"type": "FeatureCollection", "features": [f for f in geo["features"] if f["properties"]["code"] in codes]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls = maps.classify([r["value"] for r in rows], "quantiles", 5)
    times = []
    for _ in range(max(1, min(warm, 3))):
        t0 = time.perf_counter()
        m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k),
                                   legend_title=f"GRDP bình quân đầu người {COMMUNE_PERIOD}",
                                   legend_labels=cls.labels(), labels_on=False,
                                   attribution=boundaries.COMMUNE_ATTRIBUTION, fit_screen=True)
        html = maps.map_html(m)
        times.append(time.perf_counter() - t0)
    out["national_communes"] = {"bytes": len(html.encode("utf-8")), "render_s": statistics.median(times),
                                "data_s": t_data, "units": len(geo["features"])}
    return out
