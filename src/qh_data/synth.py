"""A synthetic store for scale tests: every district of Vietnam, 200 indicators, ~3 million figures.

    qh demo synth --scale national [--today YYYY-MM-DD]     (or --scale small for a fast test)

Everything is generated from a fixed seed (the same content on every run, given the same
``--today``; ``content_checksum`` proves it) and labelled: indicators, figures, tasks, issues and meetings carry
``is_demo=True``; units and agencies ``is_synthetic=True``; every figure's source is
``SYNTH_SOURCE``. Unit codes, names and types are the real GSO ones from
``data/geo/vietnam_districts.geojson``; their populations and areas are invented.

Bulk inserts: SQLAlchemy Core ``executemany`` in large batches on SQLite, ``COPY ... FROM STDIN``
(psycopg) on PostgreSQL. Rows that other rows point to get their ids here (the store is empty), and
PostgreSQL's sequences are moved past them afterwards. All in one transaction: a failure leaves the
database as it was. The demo accounts (``qh_data.demo``) are created too, with fresh passwords
printed once, so the store can be signed in to.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text

from . import audit, clock, refdata, schema
from .catalogue import CATALOGUE, Spec
from .db import session_scope
from .demo import CONCLUSION_POOL, IMPLEMENTATION_TASKS, ISSUE_POOL, _users
from .errors import QHError
from .models import (
    AdminUnit,
    Agency,
    AgendaItem,
    Conclusion,
    Indicator,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    conclusion_supporting_agency,
    issue_admin_unit,
    meeting_invitee,
    task_admin_unit,
    task_supporting_agency,
)
from .permissions import SYSTEM

SEED = 20250701
SYNTH_SOURCE = "Dữ liệu tổng hợp cho kiểm thử quy mô (synthetic)"
UNIT_SOURCE = ("Mã, tên, loại: data/geo/vietnam_districts.geojson (GSO); dân số, diện tích: số liệu tổng hợp "
               "(synthetic), không phải số liệu thật")
ACTUAL_YEARS = range(2015, 2026)
# (period, kind, submitted_at): the 20 figures every unit gets for every indicator
HALVES = (("2024-H1", "actual", dt.datetime(2024, 7, 20)), ("2024-H2", "actual", dt.datetime(2025, 1, 20)),
          ("2025-H1", "actual", dt.datetime(2025, 7, 20)), ("2025-H2", "actual", dt.datetime(2026, 1, 20)),
          ("2026-H1", "actual", dt.datetime(2026, 7, 20)), ("2026-H2", "estimate", dt.datetime(2026, 7, 20)))
FIGURES_PER_UNIT = len(ACTUAL_YEARS) + len(HALVES) + 1 + 2
REVISED_2026 = 0.08  # share of 2026 estimates revised once (revision 1 superseded, revision 2 current)
CITY_PROVINCES = {"01", "31", "48", "79", "92"}
BATCH = 50_000
SQLITE_CACHE_KIB = 262_144  # 256 MB of page cache during the load (SQLite's default is 2 MB)


@dataclass(frozen=True)
class Scale:
    provinces: tuple[str, ...] | None  # None: every province of the boundary file
    indicators: int
    tasks: int
    issues: int
    meetings: int


SCALES = {
    "national": Scale(None, 200, 10_000, 3_000, 150),
    # Lạng Sơn and Thái Nguyên (so the demo accounts' agencies exist) and Bắc Kạn
    "small": Scale(("06", "19", "20"), 12, 150, 40, 8),
}


def main(argv: list[str] | None = None, *, engine: Engine | None = None) -> int:
    ap = argparse.ArgumentParser(prog="qh demo synth", description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="national")
    ap.add_argument("--today", help="reference day (YYYY-MM-DD) for tasks, issues and meetings")
    args = ap.parse_args(argv)
    if engine is None:
        from . import config, db

        engine = db.make_engine(config.database_url())
    today = dt.date.fromisoformat(args.today) if args.today else None
    report = synth(engine, scale=args.scale, today=today)
    print(format_report(report))
    return 0


def format_report(report: dict) -> str:
    lines = [(f"Đã tạo kho dữ liệu tổng hợp (synthetic) quy mô {report['scale']} / Synthetic store generated "
              f"({report['scale']}) in {report['seconds']:.1f} s on {report['backend']}:")]
    lines += [f"  {k}: {v:,}" for k, v in report["counts"].items()]
    lines.append("Tài khoản (mật khẩu chỉ hiện một lần) / Accounts (passwords shown once):")
    lines += [f"  {u:<12} {role:<14} {pw}" for u, role, pw in report["accounts"]]
    return "\n".join(lines)


def expected_counts(scale: str) -> dict[str, int]:
    """What a scale promises: the counts ``synth`` produces (figures in force; revisions come on top)."""
    sc = SCALES[scale]
    provinces = _provinces(sc)
    n_districts = sum(len(p["districts"]) for p in provinces)
    return {"provinces": len(provinces), "districts": n_districts, "indicators": sc.indicators,
            "values_current": (n_districts + len(provinces)) * sc.indicators * FIGURES_PER_UNIT,
            "tasks": sc.tasks, "issues": sc.issues, "meetings": sc.meetings}


def synth(engine: Engine, *, scale: str = "national", today: dt.date | None = None) -> dict:
    """Fill an empty (migrated or blank) database with the synthetic store. Returns counts and timing."""
    if scale not in SCALES:
        raise QHError(f"Quy mô '{scale}' không hợp lệ.", f"Scale '{scale}' is not valid.")
    t0 = time.perf_counter()
    if not schema.has_tables(engine):
        schema.upgrade(engine)
    today = today or clock.today()
    sc = SCALES[scale]
    gen = _Generator(sc, today)
    with session_scope(engine) as s:
        if s.scalar(select(func.count()).select_from(Agency)):
            raise QHError(
                "Cơ sở dữ liệu đã có dữ liệu; không tạo dữ liệu tổng hợp đè lên. Hãy dùng một cơ sở dữ liệu trống.",
                "The database already holds data; the synthetic store is not generated over it. Use an empty "
                "database.")
        conn = s.connection()
        if engine.dialect.name == "sqlite":  # room for the indexes' pages while 3 million rows go in
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        bulk = _Bulk(conn)
        bulk.rows(AdminUnit.__table__, gen.units())
        bulk.rows(Agency.__table__, gen.agencies())
        bulk.rows(Indicator.__table__, gen.indicators())
        n_values = bulk.rows(IndicatorValue.__table__, gen.values())
        accounts = _users(s)
        s.flush()
        gen.register()
        for table, rows in gen.register_tables():
            bulk.rows(table, rows)
        if engine.dialect.name == "postgresql":
            for table in ("meeting", "conclusion", "agenda_item", "task", "task_update", "issue"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"))
        counts = {"provinces": len(gen.provinces), "districts": gen.n_districts, "agencies": gen.n_agencies,
                  "indicators": len(gen.specs), "values": n_values, "values_current": gen.n_current,
                  "revisions": n_values - gen.n_current, "tasks": len(gen.tasks), "task_updates": gen.n_updates,
                  "issues": gen.n_issues, "meetings": gen.n_meetings}
        audit.record(s, SYSTEM, "demo.synth", "database", None, None, {"scale": scale, **counts})
        s.flush()
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-2000")  # SQLite's default again
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    return {"scale": scale, "counts": counts, "accounts": accounts, "seconds": time.perf_counter() - t0,
            "backend": engine.dialect.name}


# --- inserting -------------------------------------------------------------------------------------

class _Bulk:
    """Batched Core executemany (SQLite) or COPY (PostgreSQL) on the transaction's connection."""

    def __init__(self, conn):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"

    def rows(self, table, rows) -> int:
        """Insert ``rows`` (dicts with the same keys, in the same order) into ``table``."""
        n = 0
        batch: list[dict] = []
        if self.pg:
            return self._copy(table, rows)
        stmt = table.insert()
        width = None
        for row in rows:
            if width is None:
                width = len(row)
            elif len(row) != width:  # executemany takes its columns from the first row
                raise ValueError(f"{table.name}: rows with different columns")
            batch.append(row)
            if len(batch) >= BATCH:
                self.conn.execute(stmt, batch)
                n += len(batch)
                batch = []
        if batch:
            self.conn.execute(stmt, batch)
            n += len(batch)
        return n

    def _copy(self, table, rows) -> int:
        it = iter(rows)
        first = next(it, None)
        if first is None:
            return 0
        cols = list(first)
        raw = self.conn.connection.driver_connection
        n = 0
        with raw.cursor() as cur:
            names = ", ".join(f'"{c}"' for c in cols)
            with cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as cp:
                cp.write_row([first[c] for c in cols])
                n += 1
                for row in it:
                    if len(row) != len(cols):
                        raise ValueError(f"{table.name}: rows with different columns")
                    cp.write_row([row[c] for c in cols])
                    n += 1
        return n


# --- the units, agencies and indicators --------------------------------------------------------------

def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _provinces(sc: Scale) -> list[dict]:
    from .maps import boundaries

    path = boundaries.geo_dir() / boundaries.NATIONAL_FILE
    with path.open(encoding="utf-8") as fh:
        geo = json.load(fh)
    by_code: dict[str, dict] = {}
    for f in geo["features"]:
        p = f.get("properties") or {}
        if not p.get("code"):
            continue
        prov = by_code.setdefault(p["province_code"], {"code": p["province_code"], "name": p["province_name"],
                                                       "districts": []})
        prov["districts"].append({"code": p["code"], "name": p["name"], "type": p["type"]})
    out = [by_code[c] for c in sorted(by_code) if sc.provinces is None or c in sc.provinces]
    for p in out:
        p["districts"].sort(key=lambda d: d["code"])
    return out


def _agency_roles() -> list[dict]:
    """The departments of one province, from Lạng Sơn's real list with the province's name taken out."""
    roles = []
    for r in refdata.read_csv("agencies.csv"):
        code = r["code"]
        if not code.startswith("LS-") or r["kind"] == "ubnd_huyen" or code == "LS-BQLKKTCK":
            continue
        role = code[3:]
        roles.append({"role": role, "kind": r["kind"],
                      "name_vi": r["name_vi"].replace("tỉnh Lạng Sơn", "{pv}").replace("Lạng Sơn", "{p}"),
                      "name_en": r["name_en"].replace("Lang Son", "{pe}")})
    return roles


def _prefix(code: str) -> str:
    return refdata.PREFIX.get(code, f"P{code}")


class _Generator:
    def __init__(self, sc: Scale, today: dt.date):
        self.sc, self.today = sc, today
        self.rng = random.Random(SEED)
        self.provinces = _provinces(sc)
        self.n_districts = sum(len(p["districts"]) for p in self.provinces)
        self.n_agencies = 0
        self.population: dict[str, int] = {}
        self.specs = self._specs()
        self.n_current = 0
        self.members: dict[str, list[str]] = {}
        self.role_of: dict[str, dict[str, str]] = {}  # province -> role -> agency code
        self.district_agency: dict[str, dict[str, str]] = {}  # province -> district -> agency code

    # units
    def units(self):
        rng = self.rng
        yield dict(code="VN", name="Việt Nam", level="country", type=None, parent_code=None, area_km2=None,
                   population_2019=None, valid_from=None, source=None, is_synthetic=False)
        for p in self.provinces:
            yield dict(code=p["code"], name=p["name"], level="province",
                       type="Thành phố" if p["code"] in CITY_PROVINCES else "Tỉnh", parent_code="VN",
                       area_km2=None, population_2019=None, valid_from=dt.date(2008, 8, 1), source=UNIT_SOURCE, is_synthetic=True)
        for p in self.provinces:
            for d in p["districts"]:
                urban = d["type"] in ("Quận", "Thành phố", "Thị xã")
                pop = int(rng.lognormvariate(math.log(210_000 if urban else 120_000), 0.45))
                area = round(rng.lognormvariate(math.log(60 if d["type"] == "Quận" else 650), 0.6), 2)
                self.population[d["code"]] = pop
                yield dict(code=d["code"], name=f"{d['type']} {d['name']}", level="district", type=d["type"], parent_code=p["code"],
                           area_km2=area, population_2019=pop, valid_from=dt.date(2020, 1, 1), source=UNIT_SOURCE,
                           is_synthetic=True)

    def agencies(self):
        roles = _agency_roles()
        for p in self.provinces:
            code, name = p["code"], p["name"]
            word = "thành phố" if code in CITY_PROVINCES else "tỉnh"
            ascii_name = _ascii(name)
            prefix = _prefix(code)
            members, by_role, by_district = [], {}, {}
            for r in roles:
                ac = f"{prefix}-{r['role']}"
                member = r["kind"] in refdata.MEMBER_KINDS
                full = r["name_vi"].format(pv=f"{word} {name}", p=name)
                yield dict(code=ac, name=full, name_en=r["name_en"].format(pe=ascii_name), kind=r["kind"],
                           role=r["role"], short_name=refdata.SHORT_NAMES.get(r["role"], full)[:80], province_code=code,
                           admin_unit_code=code, is_committee_member=member, source=SYNTH_SOURCE,
                           is_synthetic=True)
                by_role[r["role"]] = ac
                if member:
                    members.append(ac)
                self.n_agencies += 1
            for d in p["districts"]:
                ac = f"{prefix}-UBND-{d['code']}"
                full = f"{d['type']} {d['name']}"
                yield dict(code=ac, name=f"UBND {d['type'].lower()} {d['name']}",
                           name_en=f"{_ascii(d['name'])} People's Committee", kind="ubnd_huyen", role="UBND_HUYEN",
                           short_name=f"UBND {full}"[:80], province_code=code, admin_unit_code=d["code"],
                           is_committee_member=True, source=SYNTH_SOURCE, is_synthetic=True)
                members.append(ac)
                by_district[d["code"]] = ac
                self.n_agencies += 1
            self.members[code] = sorted(members)
            self.role_of[code] = by_role
            self.district_agency[code] = by_district

    def _specs(self) -> list[tuple[str, str, str, Spec, str]]:
        """(code, name_vi, name_en, spec, aggregation): the catalogue, then variants of it up to the count."""
        out = []
        for i in range(self.sc.indicators):
            spec = CATALOGUE[i % len(CATALOGUE)]
            if i < len(CATALOGUE):
                out.append((spec.code, spec.name_vi, spec.name_en, spec, spec.aggregation))
            else:
                n = i - len(CATALOGUE) + 1
                agg = "not_additive" if n % 10 == 0 else spec.aggregation
                out.append((f"syn_{n:03d}_{spec.code}"[:60], f"{spec.name_vi} (chỉ tiêu tổng hợp {n})",
                            f"{spec.name_en} (synthetic indicator {n})", spec, agg))
        return out

    def indicators(self):
        for i, (code, name_vi, name_en, spec, agg) in enumerate(self.specs):
            yield dict(code=code, name_vi=name_vi, name_en=name_en, unit=spec.unit, unit_en=spec.unit_en,
                       group=spec.group, owner_role=spec.owner_role, direction=spec.direction, aggregation=agg,
                       is_rate=spec.is_rate, decimals=spec.decimals, min_value=spec.min_value,
                       max_value=spec.max_value, description=SYNTH_SOURCE, sort_order=i, is_demo=True)

    # figures
    def values(self):
        rng = self.rng
        for code, _, _, spec, agg in self.specs:
            for p in self.provinces:
                series = []
                for d in p["districts"]:
                    pop = self.population[d["code"]]
                    fig = self._unit_figures(spec, pop, d["type"])
                    series.append((pop, fig))
                    yield from self._rows(code, d["code"], fig, spec, rng)
                yield from self._rows(code, p["code"], self._province_figures(spec, agg, series), spec, rng)

    def _unit_figures(self, spec: Spec, pop: int, unit_type: str) -> dict[tuple[str, str], float]:
        rng = self.rng
        city = unit_type in ("Quận", "Thành phố")
        if spec.aggregation == "sum":
            base = spec.base * pop / 100_000 * (1.5 if city else 1.0)
        elif spec.additive_trend and not spec.is_rate:
            base = spec.base + (8 if city else rng.uniform(-8, 4)) * (1 if spec.direction == "higher" else -1)
        else:
            base = spec.base * (1.3 if city else rng.uniform(0.7, 1.1))
        pace = rng.uniform(-1, 1) if spec.is_rate else rng.choice((1.5, 1.3, 1.2, 1.1, 1.0, 0.8, 0.5, -0.4))
        out: dict[tuple[str, str], float] = {}
        for y in ACTUAL_YEARS:
            k = y - 2015
            if spec.is_rate:
                v = base + rng.gauss(0, 1.2) + (-2.5 if y in (2020, 2021) else 0.0) + pace * 0.4
            elif spec.additive_trend:
                v = base + spec.growth * pace * k + rng.gauss(0, abs(spec.growth) * 0.6 + 0.2)
            else:
                v = base * (1 + spec.growth * pace) ** k * (1 + rng.gauss(0, 0.025))
            out[(str(y), "actual")] = v
        last, v20 = out[("2025", "actual")], out[("2020", "actual")]
        additive = spec.additive_trend or spec.is_rate
        est26 = last + (last - v20) / 5 if additive else last * (1 + spec.growth)
        out[("2026", "estimate")] = est26
        half = 0.48 if spec.aggregation == "sum" else 1.0
        for y, whole in ((2024, out[("2024", "actual")]), (2025, last), (2026, est26)):
            h1 = whole * half * (1 + rng.gauss(0, 0.02))
            h2 = whole - h1 if spec.aggregation == "sum" else whole * (1 + rng.gauss(0, 0.01))
            out[(f"{y}-H1", "actual")] = h1
            out[(f"{y}-H2", "actual" if y < 2026 else "estimate")] = h2
        t30 = (v20 + spec.growth * 1.05 * 10 if additive else v20 * (1 + spec.growth * 1.05) ** 10)
        if spec.is_rate:  # a rate's target is a level near its typical value, as in the demo
            t30 = spec.base + 1.0
        t25 = (v20 + t30) / 2 if additive or v20 <= 0 or t30 <= 0 else math.sqrt(v20 * t30)
        out[("2025", "target")], out[("2030", "target")] = t25, t30
        return out

    @staticmethod
    def _province_figures(spec: Spec, agg: str, series) -> dict[tuple[str, str], float]:
        out = {}
        for key in series[0][1]:
            if agg == "sum":
                out[key] = sum(f[key] for _, f in series)
            else:
                wpop = sum(pop for pop, _ in series)
                out[key] = sum(pop * f[key] for pop, f in series) / wpop
        return out

    def _rows(self, code: str, unit: str, fig: dict, spec: Spec, rng: random.Random):
        lo = spec.min_value if spec.min_value is not None else -math.inf
        hi = spec.max_value if spec.max_value is not None else math.inf
        nd = max(spec.decimals, 2)

        def row(period, ptype, kind, value, at, revision=1, superseded=None, note=None):
            return dict(indicator_code=code, admin_unit_code=unit, period=period, period_type=ptype,
                        year=int(period[:4]), kind=kind, value=round(min(hi, max(lo, value)), nd), revision=revision,
                        source=SYNTH_SOURCE, submitted_at=at, superseded_at=superseded, is_demo=True, note=note)

        for y in ACTUAL_YEARS:
            yield row(str(y), "year", "actual", fig[(str(y), "actual")], dt.datetime(y + 1, 2, 15))
        for period, kind, at in HALVES:
            yield row(period, "half", kind, fig[(period, kind)], at)
        est = fig[("2026", "estimate")]
        if rng.random() < REVISED_2026:
            revised = dt.datetime(2026, 11, 20)
            yield row("2026", "year", "estimate", est * (1 + rng.gauss(0, 0.03)), dt.datetime(2026, 7, 20), 1,
                      revised)
            yield row("2026", "year", "estimate", est, revised, 2, note="Cập nhật dự ước (tổng hợp)")
        else:
            yield row("2026", "year", "estimate", est, dt.datetime(2026, 7, 20))
        yield row("2025", "year", "target", fig[("2025", "target")], dt.datetime(2021, 3, 1))
        yield row("2030", "year", "target", fig[("2030", "target")], dt.datetime(2021, 3, 1))
        self.n_current += FIGURES_PER_UNIT

    # the register: meetings, conclusions, tasks, updates, issues
    def _split(self, total: int) -> dict[str, int]:
        """``total`` shared among the provinces by their number of districts (largest remainders)."""
        weights = {p["code"]: len(p["districts"]) + 4 for p in self.provinces}
        w = sum(weights.values())
        exact = {c: total * v / w for c, v in weights.items()}
        out = {c: int(x) for c, x in exact.items()}
        for c in sorted(exact, key=lambda c: (out[c] - exact[c], c))[: total - sum(out.values())]:
            out[c] += 1
        return out

    def register(self) -> None:
        rng, today = self.rng, self.today
        self.meetings, self.conclusions, self.agenda, self.invitees = [], [], [], []
        self.conclusion_support = []
        self.tasks, self.updates, self.task_support, self.task_units = [], [], [], []
        self.issues, self.issue_units = [], []
        self.seq: dict[str, int] = {}
        self.held: dict[str, list[dict]] = {}
        self.open_tasks: dict[tuple[str, str], list[int]] = {}
        provinces = [p["code"] for p in self.provinces]
        # meetings: one planned per province while the budget allows, the rest held, spread by size
        per_meeting = self._split(self.sc.meetings)
        n_conclusion_tasks = 0
        for prov in provinces:
            n = per_meeting[prov]
            for i in range(n):
                planned = i == n - 1 and n > 1
                held_on = (today + dt.timedelta(days=rng.randint(5, 30)) if planned
                           else today - dt.timedelta(days=30 + (n - 1 - i) * rng.randint(60, 110)))
                m = self._meeting(prov, held_on, i + 1, planned)
                if not planned:
                    for number, (role, text_) in enumerate(rng.sample(CONCLUSION_POOL, 3), start=1):
                        lead = self.role_of[prov].get(role) or self.role_of[prov]["SKHDT"]
                        due = held_on + dt.timedelta(days=rng.choice([30, 45, 60, 90, 120]))
                        cid = len(self.conclusions) + 1
                        self.conclusions.append(dict(id=cid, meeting_id=m["id"], number=number, text=text_,
                                                     lead_agency_code=lead, all_members=False, due_on=due,
                                                     version=1))
                        sup = self.role_of[prov]["SKHDT"]
                        if sup != lead:
                            self.conclusion_support.append(dict(conclusion_id=cid, agency_code=sup))
                        if n_conclusion_tasks < self.sc.tasks // 10:
                            self._task(prov, lead, text_, assigned=held_on, due=due, meeting=m["id"],
                                       conclusion=cid, source=m["notice_number"], stage="SO_LIEU",
                                       supporting=[sup] if sup != lead else [], units=[])
                            n_conclusion_tasks += 1
        # implementation tasks
        per_tasks = self._split(self.sc.tasks - len(self.tasks))
        for prov in provinces:
            districts = sorted(self.district_agency[prov].items())
            for i in range(per_tasks[prov]):
                role, title, stage = IMPLEMENTATION_TASKS[(i + rng.randrange(4)) % len(IMPLEMENTATION_TASKS)]
                assigned = today - dt.timedelta(days=rng.randint(20, 600))
                offset = rng.choice([-200, -120, -60, -30, -14, -5, 2, 4, 6, 10, 13, 30, 60, 120, 240])
                due = max(assigned + dt.timedelta(days=10), today + dt.timedelta(days=offset))
                if role == "UBND_HUYEN":
                    unit, lead = districts[i % len(districts)]
                    units = [unit]
                else:
                    lead = self.role_of[prov].get(role) or self.role_of[prov]["SKHDT"]
                    units = sorted(d for d, _ in rng.sample(districts, min(len(districts), rng.randint(0, 2))))
                supporting = sorted({c for c in rng.sample(self.members[prov], 2) if c != lead})
                self._task(prov, lead, title, assigned=assigned, due=due, meeting=None, conclusion=None,
                           source="Kế hoạch thực hiện Quy hoạch tỉnh (tổng hợp)", stage=stage,
                           supporting=supporting, units=units)
        # issues
        statuses = (["open"] * 6 + ["in_progress"] * 6 + ["awaiting_decision"] * 5 + ["resolved"] * 5
                    + ["closed"] * 2)
        per_issues = self._split(self.sc.issues)
        k = 0
        for prov in provinces:
            districts = sorted(self.district_agency[prov].items())
            for i in range(per_issues[prov]):
                title, severity, role = ISSUE_POOL[k % len(ISSUE_POOL)]
                k += 1
                status = statuses[(i + k) % len(statuses)]
                if role == "UBND_HUYEN":
                    unit, agency = districts[i % len(districts)]
                    units = [unit]
                else:
                    agency = self.role_of[prov].get(role) or self.role_of[prov]["SKHDT"]
                    units = sorted(d for d, _ in rng.sample(districts, min(len(districts), rng.randint(0, 2))))
                raised = today - dt.timedelta(days=rng.randint(3, 400))
                related = self.open_tasks.get((prov, agency), [])
                past = [m for m in self.held.get(prov, []) if m["held_on"] > raised]
                decided = status in ("resolved", "closed") and bool(past)
                resolved = min(today, past[0]["held_on"] + dt.timedelta(days=rng.randint(5, 30))) if decided else None
                iid = len(self.issues) + 1
                stamp = dt.datetime.combine(raised, dt.time(9, 0))
                self.issues.append(dict(
                    id=iid, code=f"{_prefix(prov)}-VM-{i + 1:04d}", title=title, province_code=prov,
                    description=f"{title} (dữ liệu tổng hợp). Ảnh hưởng đến tiến độ các nhiệm vụ của Quy hoạch tỉnh.",
                    raised_by_code=agency, raised_on=raised,
                    related_task_id=related[i % len(related)] if related else None, severity=severity,
                    status=status,
                    proposed_solution=("Đề nghị Ban Chỉ đạo giao Sở Kế hoạch và Đầu tư chủ trì đề xuất phương án xử "
                                       "lý") if status != "open" else None,
                    decision="Giao cơ quan chủ trì hoàn thành xử lý, báo cáo tại phiên họp sau" if decided else None,
                    decided_at_meeting_id=past[0]["id"] if decided else None, resolved_on=resolved,
                    for_next_meeting=status == "awaiting_decision", version=1, created_at=stamp, updated_at=stamp,
                    is_demo=True))
                self.issue_units += [dict(issue_id=iid, admin_unit_code=u) for u in units]
        self.n_issues, self.n_meetings = len(self.issues), len(self.meetings)
        self.n_updates = len(self.updates)

    def register_tables(self):
        return [(Meeting.__table__, self.meetings), (meeting_invitee, self.invitees),
                (AgendaItem.__table__, self.agenda), (Conclusion.__table__, self.conclusions),
                (conclusion_supporting_agency, self.conclusion_support), (Task.__table__, self.tasks),
                (task_supporting_agency, self.task_support), (task_admin_unit, self.task_units),
                (TaskUpdate.__table__, self.updates), (Issue.__table__, self.issues),
                (issue_admin_unit, self.issue_units)]

    def _meeting(self, prov: str, held_on: dt.date, number: int, planned: bool) -> dict:
        mid = len(self.meetings) + 1
        m = dict(id=mid, province_code=prov, held_on=held_on, starts_at="08:00",
                 title=f"Phiên họp định kỳ lần {number} của Ban Chỉ đạo về thực hiện Quy hoạch tỉnh",
                 kind="regular", chair="Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo",
                 venue="Phòng họp số 1, trụ sở UBND tỉnh", status="planned" if planned else "held",
                 notice_number=None if planned else f"{100 + number * 7}/TB-UBND", notes=None, version=1,
                 is_demo=True)
        self.meetings.append(m)
        titles = (["Báo cáo tình hình thực hiện các kết luận của phiên họp trước",
                   "Xem xét các khó khăn, vướng mắc chờ Ban Chỉ đạo quyết định",
                   "Đánh giá các chỉ tiêu có nguy cơ không đạt mục tiêu"] if planned
                  else [t for _, t in CONCLUSION_POOL[number % 3: number % 3 + 3]])
        for pos, title in enumerate(titles, start=1):
            self.agenda.append(dict(id=len(self.agenda) + 1, meeting_id=mid, position=pos, kind="free", ref=None,
                                    title=title, notes=None, presenter_code=self.role_of[prov]["SKHDT"],
                                    minutes=20 if planned else None))
        if planned:
            self.invitees += [dict(meeting_id=mid, agency_code=a) for a in self.members[prov]]
        else:
            self.held.setdefault(prov, []).append(m)
        return m

    def _task(self, prov, lead, title, *, assigned, due, meeting, conclusion, source, stage, supporting, units):
        rng, today = self.rng, self.today
        status, percent, done_on = self._outcome(assigned, due)
        tid = len(self.tasks) + 1
        key = f"{prov}-{assigned.year}"
        self.seq[key] = self.seq.get(key, 0) + 1
        steps = 0 if status == "not_started" else rng.randint(2, 4)
        end = done_on or today
        span = max(1, (end - assigned).days)
        for i in range(1, steps + 1):
            last = i == steps
            day = assigned + dt.timedelta(days=span * i // steps)
            st = status if last else "in_progress"
            self.updates.append(dict(
                id=len(self.updates) + 1, task_id=tid, at=dt.datetime.combine(day, dt.time(10 + i, 0)), user_id=None,
                status=st, percent_done=percent if last else min(90, max(5, percent * i // steps)), due_on=due,
                done_on=done_on if last else None, version=i + 1,
                note="Đã hoàn thành, gửi báo cáo" if last and st == "done" else "Cập nhật tiến độ (tổng hợp)"))
        updated = dt.datetime.combine(min(today, end), dt.time(16, 0))
        self.tasks.append(dict(
            id=tid, code=f"{_prefix(prov)}-{assigned.year}-{self.seq[key]:04d}", title=title, description=None,
            province_code=prov, source_document=source, stage=stage, meeting_id=meeting, conclusion_id=conclusion,
            lead_agency_code=lead, assigned_on=assigned, due_on=due, status=status, percent_done=percent,
            done_on=done_on, version=steps + 1, created_at=dt.datetime.combine(assigned, dt.time(9, 0)),
            updated_at=updated, updated_by_id=None, is_demo=True))
        self.task_support += [dict(task_id=tid, agency_code=a) for a in supporting]
        self.task_units += [dict(task_id=tid, admin_unit_code=u) for u in units]
        if status not in ("done", "cancelled"):
            self.open_tasks.setdefault((prov, lead), []).append(tid)

    def _outcome(self, assigned: dt.date, due: dt.date | None):
        rng, today = self.rng, self.today
        if rng.random() < 0.02:
            return "cancelled", 0, None
        if due < today:
            r = rng.random()
            if r < 0.55:
                return "done", 100, max(assigned, min(today, due - dt.timedelta(days=rng.randint(0, 10))))
            if r < 0.7:
                return "done", 100, min(today, due + dt.timedelta(days=rng.randint(2, 30)))
            return rng.choice(["in_progress", "in_progress", "not_started"]), rng.choice([0, 20, 40, 60]), None
        r = rng.random()
        if r < 0.15:
            return "done", 100, max(assigned, today - dt.timedelta(days=rng.randint(0, 10)))
        if r < 0.8:
            return "in_progress", rng.choice([10, 25, 40, 60, 80]), None
        return "not_started", 0, None


def content_checksum(engine: Engine) -> str:
    """A SHA-256 over every generated table's rows in key order (accounts and the audit entry, which
    hold random passwords and the clock, are left out). Equal on two runs with the same scale and day."""
    import hashlib

    from .models import Base

    skip = {"app_user", "audit_entry", "alembic_version"}
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            if table.name in skip:
                continue
            cols = list(table.columns)
            order = list(table.primary_key.columns) or cols
            h.update(table.name.encode())
            for row in conn.execute(select(*cols).order_by(*order)):
                h.update(repr(tuple(_norm(v) for v in row)).encode())
    return h.hexdigest()


def _norm(v):
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, bool):
        return int(v)
    return v


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
