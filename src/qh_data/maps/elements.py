"""The Leaflet pieces our maps add to a folium map: CSS + legend + no-data hatch, the value labels, and the
fixes for a map inside st_folium's iframe (no Streamlit import here).

Each element is told the JavaScript name of its map when it is made (``map_name=m.get_name()``) and its
template writes ``{{ this.map_name }}``: no reach into folium's or branca's private attributes.
st_folium renames the map's variable when it sends the script to its component; it rewrites every
occurrence of the map's id, this name included. The Leaflet side uses its public API only.
"""

from __future__ import annotations

from typing import Any

import folium
from folium.template import Template

from qh_data.maps.classify import NO_DATA, NO_DATA_BORDER, NO_DATA_HATCH

NO_DATA_PATTERN_ID = "qh-nodata"
NO_DATA_FILL = f"url(#{NO_DATA_PATTERN_ID}) {NO_DATA}"  # SVG paint with a fallback colour


class MapDecorations(folium.MacroElement):
    """Our CSS, the legend (a Leaflet control), the no-data hatch pattern and the attribution prefix."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            if (!document.getElementById({{ this.pattern_id|tojson }})) {
                var holder = document.createElement("div");
                holder.innerHTML = {{ this.pattern_svg|tojson }};
                document.body.appendChild(holder.firstChild);
            }
        })();
        if ({{ this.map_name }}.attributionControl) {
            {{ this.map_name }}.attributionControl.setPrefix({{ this.prefix|tojson }});
        }
        {%- if this.legend_html %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "qh-legend");
            div.innerHTML = {{ this.legend_html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this.map_name }});
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, *, map_name: str, css: str, legend_html: str, position: str = "topright",
                 prefix: str = "Leaflet"):
        super().__init__()
        self.map_name = map_name
        self.css = css
        self.legend_html = legend_html
        self.position = position
        self.prefix = prefix
        self.pattern_id = NO_DATA_PATTERN_ID
        self.pattern_svg = (
            '<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false">'
            f'<defs><pattern id="{NO_DATA_PATTERN_ID}" patternUnits="userSpaceOnUse" width="6" height="6" '
            'patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="{NO_DATA}"></rect>'
            f'<rect width="1.6" height="6" fill="{NO_DATA_HATCH}"></rect>'
            "</pattern></defs></svg>"
        )


class ValueLabels(folium.MacroElement):
    """Value labels: non-interactive markers with a divIcon each (no image icon is ever loaded).

    One compact array instead of a folium Marker + DivIcon per district (a folium Marker is first
    created with Leaflet's default image icon, fetching marker-icon.png, before its DivIcon is set).
    ``items`` are [lat, lon, html] in priority order (largest district first); the html is escaped by
    the caller. After each zoom a label that would overlap one already shown is hidden (the tooltip
    still tells the value), so small districts do not turn into a smudge of digits. A label that is
    not laid out (map in a hidden tab: zero-size box) is left visible.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        (function (group, map) {
            var markers = [];
            {{ this.items|tojson }}.forEach(function (d) {
                var mk = L.marker([d[0], d[1]], {
                    icon: L.divIcon({html: d[2], className: "qh-label-icon", iconSize: [0, 0]}),
                    interactive: false, keyboard: false
                });
                mk.addTo(group);
                markers.push(mk);
            });
            group.addTo(map);
            function cull() {
                var shown = [];
                markers.forEach(function (mk) {
                    var el = mk.getElement();
                    var box = el && el.firstChild;
                    if (!box || !box.style) { return; }
                    box.style.visibility = "visible";
                    var r = box.getBoundingClientRect();
                    if (!r.width) { return; }
                    var hit = shown.some(function (s) {
                        return r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top;
                    });
                    if (hit) { box.style.visibility = "hidden"; } else { shown.push(r); }
                });
            }
            map.on("zoomend", cull);
            map.whenReady(function () { setTimeout(cull, 0); });
        })({{ this.get_name() }}, {{ this.map_name }});
        {% endmacro %}
        """
    )

    def __init__(self, items: list[list[Any]], *, map_name: str):
        super().__init__()
        self.map_name = map_name
        self.items = items


class MapFixes(folium.MacroElement):
    """Two fixes for maps drawn in st_folium's iframe, and larger type on the projector.

    * Leaflet focuses the map container on mousedown (for its keyboard handler) with a plain
      ``focus()``; inside the iframe that makes the browser scroll the whole page to bring the iframe
      into view *between* mousedown and mouseup when the map is partly off screen, and the click then
      lands elsewhere (no district is selected). A mousedown listener on the container's capture phase
      (it runs before Leaflet's own) focuses the container first with ``preventScroll``; Leaflet sees
      the map focused and leaves it. The keyboard handler (arrow keys pan, +/- zoom) keeps working.
      Clicks on the controls (legend, zoom buttons) are left to Leaflet, as before.
    * The value labels hide those that overlap a larger district's label after each zoom, but the
      first pass can run before the iframe has its size (nothing measured, all labels left visible):
      run it again once the map has been laid out and whenever the map is resized.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        {%- if this.present %}
        <style>
        .qh-label { font-size: 19px !important; }
        .qh-legend { font-size: 17px !important; max-width: 340px !important; }
        .leaflet-tooltip.qh-tooltip { font-size: 17px !important; max-width: 380px !important; }
        </style>
        {%- endif %}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            var box = map.getContainer();
            box.addEventListener("mousedown", function (e) {
                var t = e.target;
                if (document.activeElement === box || (t && t.closest && t.closest(".leaflet-control"))) {
                    return;
                }
                try { box.focus({preventScroll: true}); } catch (err) { box.focus(); }
            }, true);
            function recull() { map.fire("zoomend"); }
            map.whenReady(function () { setTimeout(recull, 250); setTimeout(recull, 1200); });
            map.on("resize", recull);
        })({{ this.map_name }});
        {% endmacro %}
        """
    )

    def __init__(self, *, map_name: str, present: bool = False):
        super().__init__()
        self.map_name = map_name
        self.present = present


def map_css(*, white_background: bool, label_px: int) -> str:
    css = f"""
.qh-legend {{ background: rgba(255,255,255,0.94); color: #111; padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 13px/1.35 system-ui, "Segoe UI", Roboto, Arial, sans-serif;
  max-width: 260px; }}
.qh-legend-title {{ font-weight: 600; margin-bottom: 2px; }}
.qh-legend-unit {{ color: #444; margin-bottom: 4px; }}
.qh-legend-row {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; white-space: nowrap; }}
.qh-sw {{ flex: none; display: inline-block; width: 20px; height: 13px; border: 1px solid #555; }}
.qh-sw-nodata {{ border: 1px dashed {NO_DATA_BORDER};
  background: repeating-linear-gradient(45deg, {NO_DATA} 0 3px, {NO_DATA_HATCH} 3px 4.5px); }}
.qh-legend-demo, .qh-tip-demo {{ margin-top: 4px; font-weight: 600; color: #7a3b00; }}
.leaflet-tooltip.qh-tooltip {{ white-space: normal; min-width: 160px; max-width: 300px; font-size: 13px;
  line-height: 1.35; color: #111; }}
.qh-tip-name {{ font-weight: 700; font-size: 14px; }}
.qh-tip-value {{ font-weight: 600; }}
.qh-tip-src {{ color: #444; font-size: 12px; }}
.qh-label-icon {{ background: none; border: none; }}
.qh-label {{ position: absolute; left: 0; top: 0; transform: translate(-50%, -50%); white-space: nowrap;
  text-align: center; pointer-events: none; color: #111; font: 600 {label_px}px/1.15 system-ui, "Segoe UI",
  Roboto, Arial, sans-serif; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff; }}
.qh-label-name {{ display: block; font-weight: 500; font-size: 0.8em; }}
.leaflet-container path.leaflet-interactive:focus:not(:focus-visible) {{ outline: none; }}
.leaflet-container .leaflet-control-attribution {{ font-size: 10px; line-height: 1.3; white-space: normal;
  max-width: 100%; }}
@media (max-width: 520px) {{ .qh-legend {{ font-size: 11px; max-width: 180px; }} }}
"""
    if white_background:
        css += ".leaflet-container { background: #ffffff; }\n"
    return css
