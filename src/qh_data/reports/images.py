"""Chart and map pictures for the documents, drawn with Altair and rendered by vl-convert (no browser).

Colours follow the dashboard's status palette (Okabe-Ito, colour-blind safe); every picture also
writes its words, so colour is never the only carrier.
"""

from __future__ import annotations

import copy
import json

FONT = "DejaVu Sans"

TIMING_ORDER = ["done_on_time", "done_late", "on_track", "due_soon", "overdue", "no_deadline", "cancelled"]
TIMING_VI = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành trễ hạn",
    "on_track": "Đang thực hiện, trong hạn",
    "due_soon": "Sắp đến hạn",
    "overdue": "Quá hạn",
    "no_deadline": "Không có thời hạn",
    "cancelled": "Đã hủy",
}
TIMING_COLORS = {
    "done_on_time": "#009E73",
    "done_late": "#0072B2",
    "on_track": "#56B4E9",
    "due_soon": "#E69F00",
    "overdue": "#D55E00",
    "no_deadline": "#C8C8C8",
    "cancelled": "#9E9E9E",
}


def _title(text: str | None) -> dict:
    import altair as alt

    return {"title": alt.Title(text, fontSize=15, font=FONT, anchor="start")} if text else {}


def _png(chart, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    spec = chart.to_dict()
    return vlc.vegalite_to_png(json.dumps(spec), scale=scale)


def progress_chart_png(rows: list[dict], *, title: str | None = None, max_rows: int = 25) -> bytes:
    """Stacked horizontal bars, one per lead agency: its tasks by timing status.

    ``rows``: dicts with ``label`` (agency short name) and one count per timing code."""
    import altair as alt
    import pandas as pd

    rows = sorted(rows, key=lambda r: -sum(r.get(c, 0) or 0 for c in TIMING_ORDER))[:max_rows]
    long = [
        {
            "label": r["label"],
            "status": TIMING_VI[c],
            "n": int(r.get(c, 0) or 0),
            "order": i,
            "total": sum(int(r.get(k, 0) or 0) for k in TIMING_ORDER),
        }
        for r in rows
        for i, c in enumerate(TIMING_ORDER)
        if r.get(c)
    ]
    present = [c for c in TIMING_ORDER if any(r.get(c) for r in rows)] or ["on_track"]
    df = pd.DataFrame(long, columns=["label", "status", "n", "order", "total"])
    chart = (
        alt.Chart(df, **_title(title))
        .mark_bar()
        .encode(
            y=alt.Y(
                "label:N",
                sort=alt.SortField("total", order="descending"),
                title=None,
                axis=alt.Axis(labelLimit=260, labelFontSize=12, labelFont=FONT),
            ),
            x=alt.X(
                "sum(n):Q",
                title="Số nhiệm vụ",
                axis=alt.Axis(format="d", tickMinStep=1, labelFont=FONT, titleFont=FONT, labelFontSize=11),
            ),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(
                    domain=[TIMING_VI[c] for c in present], range=[TIMING_COLORS[c] for c in present]
                ),
                legend=alt.Legend(
                    orient="bottom", columns=3, labelFont=FONT, labelFontSize=12, labelLimit=300
                ),
            ),
            order=alt.Order("order:Q"),
        )
        .properties(width=520, height=max(120, 22 * len(rows)))
        .configure_view(strokeWidth=0)
        .configure(font=FONT)
    )
    return _png(chart)


# --- maps ---------------------------------------------------------------------------------------------

NO_DATA_VI = "Chưa có số liệu"


def _ring_area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=False)) / 2


def _rewind(rings):
    """d3-geo (Vega) wants exterior rings clockwise and holes anticlockwise, the opposite of RFC 7946;
    without this each district is drawn as the whole globe minus the district."""
    out = []
    for i, ring in enumerate(rings):
        area = _ring_area(ring)
        if (i == 0 and area > 0) or (i > 0 and area < 0):
            ring = ring[::-1]
        out.append(ring)
    return out


def district_features(province: str) -> list[dict]:
    """The province's district boundaries (``qh_data.maps.boundaries``), rings wound for Vega."""
    from ..maps.boundaries import province_districts

    feats = copy.deepcopy(province_districts(province)["features"])
    for f in feats:
        g = f["geometry"]
        if g["type"] == "Polygon":
            g["coordinates"] = _rewind(g["coordinates"])
        elif g["type"] == "MultiPolygon":
            g["coordinates"] = [_rewind(p) for p in g["coordinates"]]
    return feats


def _short_name(name: str) -> str:
    for prefix in ("Thành phố ", "Huyện ", "Thị xã ", "Quận "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def choropleth_png(
    province: str,
    values: dict[str, float | None],
    *,
    title: str | None,
    legend: str,
    decimals: int = 1,
) -> bytes | None:
    """The province's districts in five quantile classes of ``values`` (district code -> value), the
    app map's palette (YlGnBu) and no-data grey, district names written inside each district."""
    import altair as alt

    from ..maps.classify import NO_DATA, classify, sequential_palette
    from ..maps.geometry import label_point

    feats = district_features(province)
    if not feats:
        return None
    codes = [str(f["properties"].get("code")) for f in feats]
    classes = classify([values.get(c) for c in codes], "quantiles", 5)
    names = classes.labels(lambda v: _vn(v, decimals))
    palette = sequential_palette(classes.k)
    labels = []
    for f, cls in zip(feats, classes.classes, strict=True):
        f["properties"]["klass"] = NO_DATA_VI if cls is None else names[cls]
        point = label_point(f["geometry"])
        if point is not None:
            lat, lon = point
            labels.append({"lon": lon, "lat": lat, "name": _short_name(f["properties"].get("name", ""))})
    domain = list(names) + ([NO_DATA_VI] if classes.n_missing else [])
    colours = list(palette) + ([NO_DATA] if classes.n_missing else [])
    shapes = (
        alt.Chart(alt.Data(values=feats))
        .mark_geoshape(stroke="white", strokeWidth=1)
        .encode(
            color=alt.Color(
                "properties.klass:N",
                title=legend,
                scale=alt.Scale(domain=domain, range=colours),
                sort=domain,
                legend=alt.Legend(
                    labelFont=FONT, titleFont=FONT, titleLimit=260, labelFontSize=12, orient="right"
                ),
            )
        )
        .project(type="mercator")
    )
    text = {"fontSize": 12, "font": FONT, "color": "#111111"}
    halo = (
        alt.Chart(alt.Data(values=labels))
        .mark_text(**text, stroke="white", strokeWidth=3, strokeOpacity=0.85)
        .encode(longitude="lon:Q", latitude="lat:Q", text="name:N")
    )
    names_layer = (
        alt.Chart(alt.Data(values=labels))
        .mark_text(**text)
        .encode(longitude="lon:Q", latitude="lat:Q", text="name:N")
    )
    chart = (
        alt.layer(shapes, halo, names_layer, **_title(title))
        .properties(width=480, height=420)
        .configure_view(strokeWidth=0)
        .configure(font=FONT)
    )
    return _png(chart)


def _vn(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}" if decimals else f"{round(value):,}"
    return text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
