"""Load: 30 concurrent sessions browse every page and change filters for 3 minutes, on PostgreSQL.

    .venv/bin/python bench/load.py                        # 30 sessions, 180 s, 2 of them in chromium
    .venv/bin/python bench/load.py --write-doc docs/reliability.md   # and put the figures in the doc
    .venv/bin/python bench/load.py --sessions 10 --duration 60 --browsers 0   # a quick look
    .venv/bin/python bench/load.py --think 0.5:2 --doc-block load-stress --write-doc docs/reliability.md

What it does, from nothing to nothing:
1. creates a fresh PostgreSQL database (``qh_load_<hex>`` on ``--pg-admin``, default
   ``postgres@127.0.0.1:5432/test``), runs ``qh db upgrade`` and ``qh demo seed`` into it and keeps the
   demo passwords in memory only (they are never printed or written);
2. starts ``streamlit run dashboard/app.py --server.headless true --server.port <free port>`` on
   loopback with ``QH_AUTH=password`` (so the admin-only pages audit, users and intake are in the load);
3. drives ``--sessions`` sessions for ``--duration`` seconds. Each signs in (roles taken in turn from
   ``--roles``), then loops: open another page of its navigation (every page it may see, in a shuffled
   cycle), change a sidebar filter (province, districts, agency, as-of date, language), or now and then
   open a fresh link with filters in the URL (a new session: sign in again, first run on that page).
   Think time between actions: ``--think`` seconds (uniform, default 3–12 s: a person reading a page);
4. samples the resident memory of the streamlit process and its children and the machine's load
   average every 2 s, and measures the server's CPU time over the load;
5. stops the server, drops the database, prints a table, and with ``--write-doc`` replaces the block
   between ``<!-- load:begin -->`` and ``<!-- load:end -->`` in that file (``--doc-block`` names another
   block, e.g. ``load-stress``). Exit status 0 only with zero errors and no traceback in the server log.

Two kinds of session (``--browsers`` of the ``--sessions`` are the second kind):

- protocol clients speak Streamlit's own websocket protocol to ``/_stcore/stream``, as the frontend
  does: a ``BackMsg`` with ``rerun_script`` (query string, page script hash, widget states, context
  info) and then every ``ForwardMsg`` up to ``script_finished``. The server does exactly the work it
  does for a browser (session, script run, every query, every element serialised and sent); only the
  drawing on the client side is missing. They are light enough that 30 of them on this 2-core machine
  load the server and not the load generator;
- browser sessions are contexts of Debian's chromium (playwright) that sign in through the form and
  click the sidebar links and the language switch: they catch what only a browser sees (console
  errors, uncaught exceptions, components such as the map, which answer the server).

A page "error" is any of: a Streamlit exception element, an ``st.error`` box (the app's "one clear
sentence"), a compile error or ``page_not_found``, a websocket dropped by the server, no
``script_finished`` within ``--page-timeout`` seconds, and in a browser a console error or an uncaught
page exception. Tracebacks in the server log are counted separately.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("QH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MEM_EVERY = 2.0


def doc_markers(block: str) -> tuple[str, str]:
    return f"<!-- {block}:begin -->", f"<!-- {block}:end -->"


# --- results ---------------------------------------------------------------------------------------


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # kind -> seconds
    by_page: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[tuple[float, str, str, str]] = field(default_factory=list)  # (t, session, page, what)
    actions: Counter = field(default_factory=Counter)
    pages_seen: set[str] = field(default_factory=set)
    bytes_in: int = 0
    messages_in: int = 0
    t0: float = 0.0
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    loadavg: list[float] = field(default_factory=list)

    def ok(self, kind: str, page: str, seconds: float) -> None:
        self.times[kind].append(seconds)
        self.by_page[page or "overview"].append(seconds)
        self.pages_seen.add(page or "overview")

    def error(self, session: str, page: str, what: str) -> None:
        self.errors.append((time.monotonic() - self.t0, session, page or "overview", what[:300]))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


# --- the server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in kB (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                children[ppid].append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        with contextlib.suppress(OSError, AttributeError):
            total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{p}/status").read_text()).group(1))
    return total


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its descendants (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0.0))[1]
        todo += [c for c, (ppid, _cpu) in stats.items() if ppid == p]
    return total


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class PgDatabase:
    def __init__(self, admin_url: str):
        from sqlalchemy import create_engine

        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
        self.name = f"qh_load_{uuid.uuid4().hex[:8]}"
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def create(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": self.name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
        self.admin.dispose()


def prepare_database(db_url: str) -> dict[str, str]:
    """``qh db upgrade`` + ``qh demo seed``; returns {username: password} of the demo accounts."""
    env = dict(os.environ, QH_DATABASE_URL=db_url)
    qh = str(VENV_BIN / "qh")
    subprocess.run([qh, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run([qh, "demo", "seed"], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    accounts, in_accounts = {}, False
    for line in out.splitlines():
        if "Demo accounts" in line:
            in_accounts = True
            continue
        parts = line.split()
        if in_accounts and len(parts) == 3:
            accounts[parts[0]] = parts[2]
    if "admin" not in accounts:
        raise RuntimeError("qh demo seed did not list the demo accounts")
    return accounts


class Server:
    def __init__(self, db_url: str, log_path: Path):
        self.db_url, self.log_path = db_url, log_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        env = dict(os.environ, QH_DATABASE_URL=self.db_url, QH_AUTH="password", PYTHONUNBUFFERED="1")
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "streamlit"), "run", "dashboard/app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({self.proc.returncode}):\n{self.log_text()[-3000:]}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            time.sleep(0.25)
        raise RuntimeError("streamlit did not answer /_stcore/health")

    def rss_kb(self) -> int:
        return tree_rss_kb(self.proc.pid)

    def cpu_s(self) -> float:
        return tree_cpu_s(self.proc.pid)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(20)
        if getattr(self, "_log", None):
            self._log.close()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


# --- protocol client ---------------------------------------------------------------------------------


class PageError(Exception):
    pass


@dataclass
class Widget:
    kind: str
    proto: object


def widget_state(wid: str, kind: str, proto):
    """The WidgetState the frontend holds for a widget just drawn (its set or default value)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=wid)
    if proto is None:
        return state
    set_value = getattr(proto, "set_value", False)
    if kind in ("selectbox", "radio"):
        if set_value and proto.HasField("raw_value"):
            state.string_value = proto.raw_value
        elif proto.HasField("default") and 0 <= proto.default < len(proto.options):
            state.string_value = proto.options[proto.default]
        else:
            return None
    elif kind == "multiselect":
        values = list(proto.raw_values) if set_value else [proto.options[i] for i in proto.default
                                                           if 0 <= i < len(proto.options)]
        state.string_array_value.data.extend(values)
    elif kind == "button_group":
        values = list(proto.raw_values) if set_value else [proto.options[i].content for i in proto.default
                                                           if 0 <= i < len(proto.options)]
        state.string_array_value.data.extend(values)
    elif kind == "date_input":
        state.string_array_value.data.extend(list(proto.value) if set_value else list(proto.default))
    elif kind == "checkbox":
        state.bool_value = proto.value if set_value else proto.default
    elif kind in ("text_input", "text_area"):
        if not (set_value or proto.HasField("default")):
            return None
        state.string_value = proto.value if set_value else proto.default
    else:
        return None  # buttons (triggers), uploads, charts, components: nothing until the user acts
    return state


class ProtocolSession:
    """One user speaking Streamlit's websocket protocol, like the frontend in a browser tab."""

    FILTER_KEYS = ("f_province", "f_districts", "f_agency", "f_asof", "f_lang")

    def __init__(self, name: str, base_url: str, username: str, password: str, stats: Stats,
                 rng: random.Random, page_timeout: float):
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.BackMsg, self.ForwardMsg = BackMsg, ForwardMsg
        self.name, self.base_url, self.username, self.password = name, base_url, username, password
        self.stats, self.rng, self.page_timeout = stats, rng, page_timeout
        self.ws = None
        self.query = ""
        self.page = ""  # url_path of the current page ("" = overview)
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url_path -> page script hash (from the navigation message)
        self.widgets: dict[str, tuple[str, Widget]] = {}  # user key -> (widget id, widget)
        self.cycle: list[str] = []
        # widget id -> WidgetState, kept like the frontend's widget manager: a value the server sets
        # (set_value) or the user chooses replaces it, a widget drawn for the first time starts from its
        # default, and widgets absent from a finished run are forgotten.
        self.states: dict[str, object] = {}

    # -- wire --
    async def connect(self) -> None:
        import websockets

        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        ws_url = self.base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], origin=self.base_url,
                                           max_size=None, open_timeout=self.page_timeout)

    def _back(self, query: str, page_hash: str = "", page_name: str = "", widgets=()) -> object:
        bm = self.BackMsg()
        rs = bm.rerun_script
        rs.query_string = query
        rs.page_script_hash = page_hash
        rs.page_name = page_name
        rs.context_info.timezone = "Asia/Ho_Chi_Minh"
        rs.context_info.timezone_offset = -420
        rs.context_info.locale = "vi-VN"
        rs.context_info.url = f"{self.base_url}/{page_name}" + (f"?{query}" if query else "")
        for w in widgets:
            rs.widget_states.widgets.append(w)
        return bm

    async def run(self, bm, kind: str, page: str) -> None:
        """Send one rerun and read every message up to the end of the script run."""
        t = time.monotonic()
        problems: list[str] = []
        widgets: dict[str, tuple[str, Widget]] = {}
        drawn = 0  # elements drawn in the main area by the last run
        try:
            await self.ws.send(bm.SerializeToString())
            while True:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=max(0.1, t + self.page_timeout
                                                                              - time.monotonic()))
                self.stats.bytes_in += len(raw)
                self.stats.messages_in += 1
                fm = self.ForwardMsg()
                fm.ParseFromString(raw)
                what = fm.WhichOneof("type")
                if what == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    ek = el.WhichOneof("type")
                    sub = getattr(el, ek)
                    drawn += bool(fm.metadata.delta_path and fm.metadata.delta_path[0] == 0)
                    if ek == "exception":
                        problems.append(f"exception {sub.type}: {sub.message}")
                    elif ek == "alert" and sub.format == 1:  # Alert.ERROR
                        problems.append(f"error box: {sub.body}")
                    wid = getattr(sub, "id", "")
                    if wid:
                        key = wid.split("-", 2)[2] if wid.startswith("$$ID-") and wid.count("-") >= 2 else wid
                        widgets[key] = (wid, Widget(ek, sub))
                        if not getattr(sub, "form_id", "") and (getattr(sub, "set_value", False)
                                                                or wid not in self.states):
                            state = widget_state(wid, ek, sub)
                            if state is not None:
                                self.states[wid] = state
                elif what == "navigation":
                    self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                    self.page_hash = fm.navigation.page_script_hash
                    self.page = next((k for k, v in self.pages.items() if v == self.page_hash), self.page)
                elif what == "page_info_changed":
                    self.query = fm.page_info_changed.query_string
                elif what == "page_not_found":
                    problems.append(f"page not found: {fm.page_not_found.page_name}")
                elif what == "session_event" and fm.session_event.HasField("script_compilation_exception"):
                    problems.append(f"compile error: {fm.session_event.script_compilation_exception.message}")
                elif what == "script_finished":
                    if fm.script_finished == 1:
                        problems.append("script finished with a compile error")
                    if fm.script_finished in (0, 1, 3):  # 2 = stopped early for a rerun: keep reading
                        break
                    widgets.clear()
                    drawn = 0
        except TimeoutError:
            problems.append(f"no script_finished within {self.page_timeout:.0f} s")
        except Exception as exc:  # noqa: BLE001 - connection dropped, protocol trouble: all reported
            problems.append(f"{type(exc).__name__}: {exc}")
            self.ws = None
        elapsed = time.monotonic() - t
        if not problems and drawn == 0:
            problems.append("the run drew nothing in the main area")
        if widgets and not problems:
            self.widgets = widgets
            live = {wid for wid, _ in widgets.values()}
            self.states = {k: v for k, v in self.states.items() if k in live}
        self.stats.actions[kind] += 1
        if problems:
            for p in problems:
                self.stats.error(self.name, page, f"{kind}: {p}")
            if self.ws is None or "no script_finished" in problems[-1]:
                raise PageError(problems[-1])
        else:
            self.stats.ok(kind, page, elapsed)

    # -- what a user does --
    async def open(self, page: str, query: str) -> None:
        """A fresh tab on a link: new session, first run on that page, then the sign-in form."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        await self.connect()
        self.page, self.widgets, self.states, self.pages = page, {}, {}, {}
        await self.run(self._back(query, page_name=page), "first load", page)
        form = {k: v for k, v in self.widgets.items() if k in ("signin_username", "signin_password")}
        submit = next((wid for wid, _ in self.widgets.values() if "FormSubmitter:qh_signin" in wid), None)
        if len(form) != 2 or submit is None:
            raise PageError("no sign-in form on the first load")
        states = [WidgetState(id=form["signin_username"][0], string_value=self.username),
                  WidgetState(id=form["signin_password"][0], string_value=self.password),
                  WidgetState(id=submit, trigger_value=True)]
        await self.run(self._back(self.query or query, page_name=page, widgets=states), "sign-in", page)
        if not self.pages:
            raise PageError("no navigation after sign-in (wrong password?)")


    async def navigate(self) -> None:
        if not self.cycle:
            self.cycle = [p for p in self.pages if p != self.page] or list(self.pages)
            self.rng.shuffle(self.cycle)
        target = self.cycle.pop()
        if target not in self.pages:
            return
        query = "&".join(kv for kv in self.query.split("&") if kv.split("=")[0] in
                         ("p", "d", "a", "asof", "lang", "present"))
        self.page = target
        await self.run(self._back(query, page_hash=self.pages[target], page_name=target,
                                  widgets=self.current_states()), "page", target)

    async def change_filter(self) -> None:
        present = [k for k in self.FILTER_KEYS if k in self.widgets]
        if not present:
            return await self.navigate()
        key = self.rng.choice(present)
        wid, w = self.widgets[key]
        state = widget_state(wid, "", None)
        options = list(getattr(w.proto, "options", []))
        if key in ("f_province", "f_agency") and options:
            state.string_value = self.rng.choice(options)
        elif key == "f_districts" and options:
            state.string_array_value.data.extend(self.rng.sample(options, self.rng.randint(0, min(2, len(options)))))
        elif key == "f_asof":
            day = dt.date.today() - dt.timedelta(days=self.rng.randint(0, 900))
            state.string_array_value.data.append(day.isoformat())
        elif key == "f_lang":
            labels = [o.content for o in w.proto.options] or ["Tiếng Việt", "English"]
            state.string_array_value.data.append(self.rng.choice(labels))
        else:
            return await self.navigate()
        self.states[wid] = state
        await self.run(self._back(self.query, page_hash=self.page_hash, page_name=self.page,
                                  widgets=self.current_states()), f"filter {key[2:]}", self.page)

    def current_states(self) -> list:
        """What the frontend sends with every rerun: the state of every widget it holds."""
        return list(self.states.values())

    async def drive(self, until: float, think: tuple[float, float], stagger: float) -> None:
        await asyncio.sleep(stagger)
        first = True
        while time.monotonic() < until:
            try:
                roll = self.rng.random()
                if first or self.ws is None or roll < 0.05:
                    page = self.rng.choice(list(self.pages) or [""])
                    params = {"p": self.rng.choice(["20", "19"])}
                    if self.rng.random() < 0.3:
                        params["lang"] = "en"
                    if self.rng.random() < 0.3:
                        params["asof"] = (dt.date.today() - dt.timedelta(days=self.rng.randint(0, 700))).isoformat()
                    first = False
                    await self.open(page, urllib.parse.urlencode(params))
                elif roll < 0.65:
                    await self.navigate()
                else:
                    await self.change_filter()
            except PageError:
                self.ws = None  # reported already; the next round opens a fresh tab
            except Exception as exc:  # noqa: BLE001 - keep the session going, count it
                self.stats.error(self.name, self.page, f"{type(exc).__name__}: {exc}")
                self.ws = None
            await asyncio.sleep(self.rng.uniform(*think))
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


# --- browser sessions ----------------------------------------------------------------------------------

IDLE_PROBE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return null;
    const main = document.querySelector('[data-testid="stMain"]');
    return [app.getAttribute('data-test-script-state'), app.getAttribute('data-test-connection-state'),
            main ? main.querySelectorAll('[data-testid="stElementContainer"]').length : 0,
            main ? main.innerText.length : 0,
            document.querySelectorAll('[data-testid="stSkeleton"]').length];
}"""


class BrowserSession:
    """One chromium context: signs in through the form, clicks the sidebar links and the language."""

    def __init__(self, name: str, base_url: str, username: str, password: str, stats: Stats,
                 rng: random.Random, page_timeout: float):
        self.name, self.base_url, self.username, self.password = name, base_url, username, password
        self.stats, self.rng, self.page_timeout = stats, rng, page_timeout
        self.console: list[str] = []
        self.page = None
        self.where = ""

    async def wait_idle(self, settle: float = 0.3) -> None:
        deadline = time.monotonic() + self.page_timeout
        last = None
        while time.monotonic() < deadline:
            now = await self.page.evaluate(IDLE_PROBE)
            ready = (now is not None and now[0] == "notRunning" and now[1] in (None, "CONNECTED")
                     and now[2] > 0 and now[4] == 0)
            if ready and now == last:
                return
            last = now if ready else None
            await asyncio.sleep(settle)
        raise PageError(f"page not drawn within {self.page_timeout:.0f} s")

    async def check(self, kind: str, page: str, t: float) -> None:
        elapsed = time.monotonic() - t
        problems = [f"exception: {await e.inner_text()}" for e in
                    await self.page.query_selector_all('[data-testid="stException"]')]
        problems += [f"error box: {await e.inner_text()}" for e in
                     await self.page.query_selector_all('[data-testid="stAlertContentError"]')]
        problems += [f"browser: {c}" for c in self.console]
        self.console.clear()
        self.stats.actions[f"browser {kind}"] += 1
        if problems:
            for p in problems:
                self.stats.error(self.name, page, f"browser {kind}: {p}")
        else:
            self.stats.ok(f"browser {kind}", page, elapsed)

    async def drive(self, browser, until: float, think: tuple[float, float], stagger: float) -> None:
        await asyncio.sleep(stagger)
        ctx = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN",
                                        timezone_id="Asia/Ho_Chi_Minh", service_workers="block")

        async def route(r):
            host = urllib.parse.urlparse(r.request.url).hostname or ""
            if r.request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
                await r.continue_()
            else:
                await r.abort("blockedbyclient")

        await ctx.route("**/*", route)
        self.page = await ctx.new_page()
        self.page.set_default_timeout(self.page_timeout * 1000)
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(f"uncaught: {e}"))
        self.page.on("dialog", lambda d: (self.console.append(f"dialog: {d.message}"),
                                          asyncio.ensure_future(d.dismiss())))
        signed_in = False
        while time.monotonic() < until:
            try:
                if not signed_in:
                    t = time.monotonic()
                    await self.page.goto(f"{self.base_url}/?p=20", wait_until="domcontentloaded")
                    await self.page.wait_for_selector('input[autocomplete="username"]')
                    await self.page.fill('input[autocomplete="username"]', self.username)
                    await self.page.fill('input[autocomplete="current-password"]', self.password)
                    await self.page.click('[data-testid="stBaseButton-primaryFormSubmit"], '
                                          'button[kind="primaryFormSubmit"]')
                    await self.page.wait_for_selector('[data-testid="stSidebarNav"] a')
                    await self.wait_idle()
                    await self.check("sign-in", "", t)
                    signed_in = True
                elif self.rng.random() < 0.85:
                    links = await self.page.query_selector_all('[data-testid="stSidebarNav"] a')
                    if not links:
                        raise PageError("no sidebar navigation")
                    link = self.rng.choice(links)
                    href = await link.get_attribute("href") or ""
                    target = urllib.parse.urlparse(href).path.strip("/")
                    t = time.monotonic()
                    await link.click()
                    await asyncio.sleep(0.3)
                    await self.wait_idle()
                    self.where = target
                    await self.check("page", target, t)
                else:
                    buttons = await self.page.query_selector_all(
                        '[data-testid="stSidebar"] [data-testid="stButtonGroup"] button')
                    choices = [b for b in buttons if (await b.get_attribute("aria-checked")) != "true"] or buttons
                    if not choices:
                        raise PageError("no language switch")
                    t = time.monotonic()
                    await self.rng.choice(choices).click()
                    await asyncio.sleep(0.3)
                    await self.wait_idle()
                    await self.check("filter lang", self.where, t)
            except Exception as exc:  # noqa: BLE001 - timeouts and page trouble: counted, then a new start
                self.stats.error(self.name, self.where, f"browser: {type(exc).__name__}: {str(exc)[:200]}")
                signed_in = False
            await asyncio.sleep(self.rng.uniform(*think))
        await ctx.close()


# --- the run ----------------------------------------------------------------------------------------------


async def drive_all(server: Server, accounts: dict[str, str], args, stats: Stats, mem: list) -> float:
    roles = [r for r in args.roles.split(",") if r in accounts] or ["admin"]
    rng = random.Random(args.seed)
    n_browser = min(args.browsers, args.sessions)
    think = tuple(float(x) for x in args.think.split(":"))
    stats.t0 = start = time.monotonic()
    until = start + args.duration

    async def sample_memory():
        while time.monotonic() < until + 1:
            mem.append((time.monotonic() - start, server.rss_kb()))
            stats.loadavg.append(load_average())
            await asyncio.sleep(MEM_EVERY)
        stats.cpu_end = server.cpu_s()

    stats.cpu_start = server.cpu_s()
    tasks = [asyncio.create_task(sample_memory())]
    for i in range(args.sessions - n_browser):
        user = roles[i % len(roles)]
        s = ProtocolSession(f"ws{i:02d}:{user}", server.url, user, accounts[user], stats,
                            random.Random(rng.random()), args.page_timeout)
        tasks.append(asyncio.create_task(s.drive(until, think, stagger=i * args.ramp / max(1, args.sessions))))
    pw_cm = browser = None
    if n_browser:
        from playwright.async_api import async_playwright

        pw_cm = async_playwright()
        pw = await pw_cm.__aenter__()
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for j in range(n_browser):
            user = "admin"
            b = BrowserSession(f"chromium{j}:{user}", server.url, user, accounts[user], stats,
                               random.Random(rng.random()), args.page_timeout)
            tasks.append(asyncio.create_task(b.drive(browser, until, think, stagger=1 + j * 2)))
    try:
        await asyncio.gather(*tasks)
    finally:
        if browser is not None:
            await browser.close()
            await pw_cm.__aexit__(None, None, None)
    return time.monotonic() - start


def rss_at(mem: list[tuple[float, int]], second: float) -> tuple[float, int]:
    return min(mem, key=lambda m: abs(m[0] - second))


def summarise(args, stats: Stats, mem, wall: float, log: str, db_name: str) -> dict:
    all_times = [t for k, v in stats.times.items() for t in v]
    page_times = [t for k, v in stats.times.items() if not k.startswith("browser") and k != "sign-in"
                  for t in v]
    m1 = rss_at(mem, 60.0) if mem else (0, 0)
    m_end = mem[-1] if mem else (0, 0)
    tracebacks = len(re.findall(r"^Traceback \(most recent call last\)", log, re.M))
    log_errors = len(re.findall(r"\b(ERROR|CRITICAL)\b", log))
    n_browser = min(args.browsers, args.sessions)
    return {
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "database": db_name, "sessions": args.sessions, "protocol_sessions": args.sessions - n_browser,
        "browser_sessions": n_browser, "duration_s": round(wall, 1), "think_s": args.think,
        "runs": len(all_times) + len(stats.errors), "runs_ok": len(all_times),
        "runs_per_s": round(len(all_times) / wall, 2) if wall else 0,
        "actions": dict(stats.actions), "pages_seen": sorted(stats.pages_seen),
        "errors": len(stats.errors), "error_kinds": Counter(e[3] for e in stats.errors).most_common(20),
        "p50_s": round(pct(page_times, 50), 3), "p95_s": round(pct(page_times, 95), 3),
        "p99_s": round(pct(page_times, 99), 3), "max_s": round(max(page_times), 3) if page_times else None,
        "by_kind": {k: (len(v), round(pct(v, 50), 3), round(pct(v, 95), 3)) for k, v in sorted(stats.times.items())},
        "by_page": {k: (len(v), round(pct(v, 50), 3), round(pct(v, 95), 3)) for k, v in sorted(stats.by_page.items())},
        "rss_start_mb": round(mem[0][1] / 1024, 1) if mem else None,
        "rss_min1_mb": round(m1[1] / 1024, 1), "rss_min1_at_s": round(m1[0]),
        "rss_end_mb": round(m_end[1] / 1024, 1), "rss_end_at_s": round(m_end[0]),
        "rss_peak_mb": round(max(m[1] for m in mem) / 1024, 1) if mem else None,
        "rss_growth_pct": round(100 * (m_end[1] - m1[1]) / m1[1], 1) if m1[1] else None,
        "rss_timeline_mb": [(round(t), round(kb / 1024)) for t, kb in
                            (rss_at(mem, sec) for sec in range(0, int(mem[-1][0]) + 1, 30))] if mem else [],
        "mb_received": round(stats.bytes_in / 1e6, 1), "messages_received": stats.messages_in,
        "server_tracebacks": tracebacks, "server_log_error_lines": log_errors,
        "server_cpu_s": round(stats.cpu_end - stats.cpu_start, 1),
        "server_cpu_pct_of_one_core": round(100 * (stats.cpu_end - stats.cpu_start) / args.duration),
        "server_cpu_ms_per_run": round(1000 * (stats.cpu_end - stats.cpu_start) / max(1, len(all_times) + len(stats.errors))),
        "machine_cores": os.cpu_count(),
        "loadavg_1min": (min(stats.loadavg), round(statistics.mean(stats.loadavg), 1), max(stats.loadavg))
        if stats.loadavg else None,
    }


def table(r: dict) -> str:
    rows = [
        ("sessions", f"{r['sessions']} ({r['protocol_sessions']} websocket-protocol clients + "
                     f"{r['browser_sessions']} chromium contexts), think time {r['think_s']} s"),
        ("duration", f"{r['duration_s']} s"),
        ("script runs (page loads, filter changes, sign-ins)", f"{r['runs']} ({r['runs_per_s']}/s)"),
        ("pages visited", ", ".join(r["pages_seen"])),
        ("errors", str(r["errors"]) + ("" if not r["errors"] else " — " + "; ".join(
            f"{n}× {w}" for w, n in r["error_kinds"][:8]))),
        ("page time p50 / p95 / p99 / max (protocol clients)",
         f"{r['p50_s']:.2f} s / {r['p95_s']:.2f} s / {r['p99_s']:.2f} s / {r['max_s']:.2f} s"),
        ("server RSS (streamlit + children) at start", f"{r['rss_start_mb']} MB"),
        ("server RSS at minute 1", f"{r['rss_min1_mb']} MB (t = {r['rss_min1_at_s']} s)"),
        ("server RSS at the end", f"{r['rss_end_mb']} MB (t = {r['rss_end_at_s']} s), peak {r['rss_peak_mb']} MB"),
        ("growth minute 1 → end", f"{r['rss_growth_pct']} % (target < 20 %)"),
        ("RSS every 30 s (s: MB)", ", ".join(f"{t}: {mb}" for t, mb in r["rss_timeline_mb"])),
        ("data received", f"{r['mb_received']} MB in {r['messages_received']} messages"),
        ("server CPU during the load", f"{r['server_cpu_s']} s = {r['server_cpu_pct_of_one_core']} % of one core, "
                                       f"{r['server_cpu_ms_per_run']} ms per script run"),
        ("machine load average (1 min) min/mean/max", f"{r['loadavg_1min']} on {r['machine_cores']} cores"),
        ("tracebacks / ERROR lines in the server log", f"{r['server_tracebacks']} / {r['server_log_error_lines']}"),
    ]
    w = max(len(a) for a, _ in rows)
    out = [f"{a:<{w}}  {b}" for a, b in rows]
    out.append("")
    out.append(f"{'kind of run':<22} {'n':>6} {'p50 s':>7} {'p95 s':>7}")
    out += [f"{k:<22} {n:>6} {p50:>7.2f} {p95:>7.2f}" for k, (n, p50, p95) in r["by_kind"].items()]
    out.append("")
    out.append(f"{'page':<22} {'n':>6} {'p50 s':>7} {'p95 s':>7}")
    out += [f"{k:<22} {n:>6} {p50:>7.2f} {p95:>7.2f}" for k, (n, p50, p95) in r["by_page"].items()]
    return "\n".join(out)


def markdown(r: dict, command: str, block: str) -> str:
    begin, end = doc_markers(block)
    lines = [begin, "",
             f"Last run: {r['when']}, `{command}` (PostgreSQL 127.0.0.1:5432, fresh database, "
             "`qh demo seed`, `QH_AUTH=password`).", "",
             "| figure | value |", "|---|---|"]
    for a, b in [
        ("sessions held", f"{r['sessions']} for {r['duration_s']} s ({r['protocol_sessions']} websocket-protocol "
                          f"clients, {r['browser_sessions']} chromium contexts), think time {r['think_s']} s"),
        ("script runs", f"{r['runs']} ({r['runs_per_s']}/s): " + ", ".join(
            f"{k} {v}" for k, v in sorted(r["actions"].items()))),
        ("pages visited", ", ".join(r["pages_seen"])),
        ("errors", str(r["errors"]) + ("" if not r["errors"] else ": " + "; ".join(
            f"{n}× {w}" for w, n in r["error_kinds"][:8]))),
        ("page time p50 / p95 (protocol clients, all runs)", f"{r['p50_s']:.2f} s / {r['p95_s']:.2f} s "
                                                              f"(p99 {r['p99_s']:.2f} s, max {r['max_s']:.2f} s)"),
        ("server RSS at start / minute 1 / end", f"{r['rss_start_mb']} / {r['rss_min1_mb']} / {r['rss_end_mb']} MB "
                                                  f"(peak {r['rss_peak_mb']} MB)"),
        ("RSS growth minute 1 → end", f"{r['rss_growth_pct']} % (target < 20 % at minute 3)"),
        ("RSS every 30 s (s: MB)", ", ".join(f"{t}: {mb}" for t, mb in r["rss_timeline_mb"])),
        ("server CPU during the load", f"{r['server_cpu_s']} s = {r['server_cpu_pct_of_one_core']} % of one core, "
                                       f"{r['server_cpu_ms_per_run']} ms per script run"),
        ("machine load average (1 min) min / mean / max", " / ".join(map(str, r["loadavg_1min"] or ()))
         + f" on {r['machine_cores']} cores (other work on the machine included)"),
        ("tracebacks in the server log", str(r["server_tracebacks"])),
    ]:
        lines.append(f"| {a} | {b.replace('|', '/')} |")
    lines += ["", "| page | runs | p50 s | p95 s |", "|---|---:|---:|---:|"]
    lines += [f"| {k} | {n} | {p50:.2f} | {p95:.2f} |" for k, (n, p50, p95) in r["by_page"].items()]
    lines += ["", end]
    return "\n".join(lines)


def write_doc(path: Path, block: str, name: str) -> None:
    begin, end = doc_markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    ap.add_argument("--browsers", type=int, default=2, help="how many of the sessions are chromium contexts")
    ap.add_argument("--roles", default="admin,dpi,editor.sxd,viewer",
                    help="demo accounts the protocol sessions sign in as, in turn")
    ap.add_argument("--think", default="3:12", help="think time between actions (a person reading the page), min:max seconds")
    ap.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions start")
    ap.add_argument("--page-timeout", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--pg-admin", default=os.environ.get("QH_TEST_PG_URL",
                                                         "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--write-doc", type=Path, help="put the figures into this markdown file")
    ap.add_argument("--doc-block", default="load",
                    help="name of the block in --write-doc to replace (<!-- NAME:begin --> ... <!-- NAME:end -->)")
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    ap.add_argument("--keep-log", action="store_true", help="print where the server log is and keep it")
    args = ap.parse_args(argv)

    db = PgDatabase(args.pg_admin)
    db.create()
    workdir = Path(tempfile.mkdtemp(prefix="qh_load_"))
    server = Server(db.url, workdir / "streamlit.log")
    stats, mem = Stats(), []
    try:
        print(f"database {db.name}: qh db upgrade + qh demo seed ...", flush=True)
        accounts = prepare_database(db.url)
        server.start()
        print(f"streamlit on {server.url}; {args.sessions} sessions for {args.duration:.0f} s ...", flush=True)
        wall = asyncio.run(drive_all(server, accounts, args, stats, mem))
    finally:
        server.stop()
        log = server.log_text()
        db.drop()
    result = summarise(args, stats, mem, wall, log, db.name)
    print()
    print(table(result))
    if stats.errors:
        print("\nfirst errors:")
        for t, who, page, what in stats.errors[:15]:
            print(f"  {t:6.1f} s  {who:<18} {page:<11} {what}")
    if result["server_tracebacks"]:
        print("\nfirst traceback in the server log:")
        i = log.index("Traceback (most recent call last)")
        print(log[max(0, i - 300):i + 2500])
    command = " ".join([".venv/bin/python bench/load.py",
                        *(shlex.quote(str(a)) for a in (argv if argv is not None else sys.argv[1:]))])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=list), encoding="utf-8")
    if args.write_doc:
        write_doc(args.write_doc, markdown(result, command, args.doc_block), args.doc_block)
        print(f"\nfigures written to {args.write_doc}")
    if args.keep_log:
        print(f"server log: {server.log_path}")
    else:
        with contextlib.suppress(OSError):
            server.log_path.unlink()
            workdir.rmdir()
    return 0 if not stats.errors and not result["server_tracebacks"] else 1


if __name__ == "__main__":
    sys.exit(main())
