"""``bench/bench.py --http``: timings through a proxy in front of the app (docs/scale-out.md), pages run
over Streamlit's websocket as a browser runs them."""


from __future__ import annotations

import statistics
import time

from bench_stores import PROVINCE

HTTP_PAGES = ("overview", "progress", "tasks", "issues", "meetings", "slideshow", "map", "indicators")


def _ws_url(base: str) -> str:
    return base.replace("https://", "wss://").replace("http://", "ws://") + "/_stcore/stream"


def _page_session(base: str, page: str, query: str, warm: int, cookie: str | None) -> dict:
    """One browser-like session over the websocket: the page's first run, then ``warm`` reruns.

    Sends Streamlit's ``BackMsg.rerun_script`` (page chosen by its url path, filters in the query
    string) and times until ``script_finished`` arrives: the script's run plus the transport of
    every message it sends, as a browser sees it (without the drawing)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    headers = {"Cookie": f"qh_route={cookie}"} if cookie else {}
    t0 = time.perf_counter()
    with connect(_ws_url(base), subprotocols=["streamlit"], additional_headers=headers, max_size=None,
                 open_timeout=30) as ws:
        handshake = time.perf_counter() - t0
        upstream = ws.response.headers.get("X-Upstream", "direct")

        def run() -> tuple[float, int]:
            msg = BackMsg()
            msg.rerun_script.query_string = query
            msg.rerun_script.page_name = "" if page == "overview" else page
            t = time.perf_counter()
            ws.send(msg.SerializeToString())
            size = 0
            while True:
                raw = ws.recv(timeout=300)
                size += len(raw)
                fm = ForwardMsg()
                fm.ParseFromString(raw)
                if fm.WhichOneof("type") == "script_finished":
                    return time.perf_counter() - t, size

        first, size = run()
        times = [run()[0] for _ in range(warm)]
    return {"page": page, "handshake_ms": handshake * 1000, "first_s": first, "warm_ms": statistics.median(times) * 1000,
            "bytes": size, "upstream": upstream}


def run_http(base: str, warm: int, n: int, pages: tuple[str, ...]) -> str:
    """Timings through a proxy (docs/scale-out.md): health, the page shell, stickiness, and every page
    run over the websocket (AppTest cannot go through a proxy)."""
    import urllib.request

    def get(path: str, cookie: str | None = None) -> tuple[float, int, dict]:
        req = urllib.request.Request(base + path, headers={"Cookie": f"qh_route={cookie}"} if cookie else {})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
            headers = {k.lower(): v for k, v in r.headers.items()}
        return time.perf_counter() - t0, len(body), headers

    def stats(times: list[float]) -> str:
        times = sorted(times)
        return f"{statistics.median(times) * 1000:.1f} ms | {times[int(0.95 * (len(times) - 1))] * 1000:.1f} ms"

    lines = ["| through the proxy | median | p95 | n | notes |", "|---|---|---|---|---|"]
    for label, path in (("GET /_stcore/health", "/_stcore/health"), ("GET / (the page shell)", "/")):
        times, seen, size = [], set(), 0
        for _ in range(n):
            t, size, headers = get(path)
            times.append(t)
            seen.add(headers.get("x-upstream", "?"))
        lines.append(f"| {label} | {stats(times)} | {n} | {size:,} B; new visitors reached {', '.join(sorted(seen))} |")
    # stickiness: one visitor's cookie keeps it on one process
    _, _, headers = get("/")
    cookie = headers.get("set-cookie", "").split("qh_route=", 1)[-1].split(";", 1)[0] or None
    seen, times = set(), []
    for _ in range(n):
        t, _, h = get("/", cookie)
        times.append(t)
        seen.add(h.get("x-upstream", "?"))
    lines.append(f"| GET / with the visitor's cookie | {stats(times)} | {n} | always {', '.join(sorted(seen))} "
                 f"(first response: {headers.get('x-upstream', '?')}) |")
    # every page as a new visitor would open it: the shell first (which sets the route cookie), then
    # the websocket with that cookie, which must reach the same process
    for page in pages:
        _, _, h = get("/")
        visitor = h.get("set-cookie", "").split("qh_route=", 1)[-1].split(";", 1)[0] or None
        r = _page_session(base, page, f"p={PROVINCE}", warm, visitor)
        same = "same process as its page shell" if r["upstream"] == h.get("x-upstream") else \
            f"NOT the process of its page shell ({h.get('x-upstream')})"
        lines.append(f"| page **{r['page']}** over the websocket: first run of a new session / warm rerun "
                     f"| {r['first_s'] * 1000:.0f} ms / {r['warm_ms']:.0f} ms | | 1 + {warm} | upstream {r['upstream']} "
                     f"({same}); handshake {r['handshake_ms']:.1f} ms; {r['bytes']:,} B per run |")
    return "\n".join(lines)
