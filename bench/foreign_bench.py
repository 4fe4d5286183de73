"""Speed and memory of reading a sender's own workbook (issue 16): recognition + proposal, dry run, commit.

    .venv/bin/python bench/foreign_bench.py [--rows 2000] [--sheets 10] [--backend sqlite|postgresql] [--pg-url URL]

Seeds a fresh demo store (``intake_bench.Store``), writes a workbook in a department's layout (heading in
merged cells, title, header ``STT | Chỉ tiêu | ĐVT | Thực hiện Y | Ước TH 6 tháng Y+1 | Ước TH năm Y+1 |
Kế hoạch Y+2 | Ghi chú``, numbers typed as text the Vietnamese way, a "Tổng cộng" row and the signature
block) of ``--rows`` named rows over ``--sheets`` sheets: each sheet lists every indicator of the catalogue
once (its own years, so no figure repeats) and fills up with rows the catalogue lacks, which the
"user" leaves out (``set_row(..., None)``). Then times

1. ``foreign.propose``: reading every sheet, finding the tables and the sender, matching every row name;
2. ``foreign.dry_run`` under the mapping: every cell checked and compared with the store;
3. ``intake.commit``: one transaction;

and measures the peak resident set size of the process and, in a second run on a second copy of the
store, the Python heap peak of 1-3 (tracemalloc).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402

from intake_bench import Store, dpi_actor, rss_mb  # noqa: E402
from qh_data import intake  # noqa: E402
from qh_data.db import read_session  # noqa: E402
from qh_data.intake import foreign  # noqa: E402
from qh_data.models import Indicator  # noqa: E402


def vi_number(value: float) -> str:
    return f"{value:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def make_workbook(engine, rows: int, sheets: int) -> tuple[bytes, int]:
    with read_session(engine) as s:
        catalogue = [(i.name_vi, i.unit, i.max_value) for i in s.scalars(select(Indicator).order_by(Indicator.code))]
    wb = Workbook()
    wb.remove(wb.active)
    per_sheet = rows // sheets
    figures = 0
    for n in range(sheets):
        ws = wb.create_sheet(f"Biểu {n + 1:02d}")
        year = 2000 + 2 * n
        ws["A1"], ws["A2"] = "UBND TỈNH LẠNG SƠN", "SỞ TÀI CHÍNH"
        ws.merge_cells("A1:C1")
        ws.merge_cells("A2:C2")
        ws["F1"], ws["F2"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"
        ws["A4"] = f"BÁO CÁO CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI NĂM {year + 1}"
        ws.merge_cells("A4:H4")
        ws.append([])
        ws.append([])
        ws.append(["STT", "Chỉ tiêu", "ĐVT", f"Thực hiện {year}", f"Ước TH 6 tháng {year + 1}",
                   f"Ước TH năm {year + 1}", f"Kế hoạch {year + 2}", "Ghi chú"])
        for r in range(per_sheet):
            if r < len(catalogue):
                name, unit, top = catalogue[r]
                base = 50.0 if top == 100 else 500.0
                values = [vi_number(base * (1 + 0.01 * ((r + k + n) % 7))) for k in range(4)]
                figures += 4
            else:
                name, unit, values = f"Chỉ tiêu riêng của đơn vị số {r + 1}", "cái", ["12", "13", "14", "15"]
            ws.append([r + 1, name, unit, *values, None])
        ws.append(["Tổng cộng", None, None, "9.999"])
        ws.append([])
        ws.append([None, "Người lập biểu", None, None, None, None, "THỦ TRƯỞNG ĐƠN VỊ"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), figures


def settle(mapping) -> None:
    """The user's part: every row the matcher left open is left out."""
    for sheet in mapping.sheets:
        for row in sheet.rows:
            if row.code is None:
                mapping.set_row(sheet.title, row.row, None)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--sheets", type=int, default=10)
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    store = Store(args.backend, args.pg_url)
    print(f"store: {args.backend}, demo seeded in {time.perf_counter() - t0:.1f} s")
    try:
        engine = store.copy()
        data, figures = make_workbook(engine, args.rows, args.sheets)
        print(f"workbook: {args.rows:,} named rows over {args.sheets} sheets, {figures:,} figures of catalogue "
              f"indicators, {len(data) / 1024:.0f} KB")
        dpi = dpi_actor(engine)
        rss0 = rss_mb()
        t0 = time.perf_counter()
        proposal = foreign.propose(engine, dpi, data, "bench-bieu.xlsx")
        t_propose = time.perf_counter() - t0
        matched = sum(1 for s in proposal.mapping.sheets for r in s.rows if r.code)
        settle(proposal.mapping)
        t0 = time.perf_counter()
        plan = foreign.dry_run(engine, dpi, data, "bench-bieu.xlsx", proposal.mapping)
        t_check = time.perf_counter() - t0
        assert plan.ok, [(x.code, x.sheet, x.cell, x.message_en) for x in plan.errors[:5]]
        t0 = time.perf_counter()
        result = intake.commit(engine, dpi, plan)
        t_commit = time.perf_counter() - t0
        rss1 = rss_mb()
        engine.dispose()
        print(f"recognition + proposal: {t_propose:.2f} s ({matched:,} rows matched at >= ACCEPT, "
              f"{args.rows - matched:,} left to the user)")
        print(f"dry run under the mapping: {t_check:.2f} s ({len(plan.rows):,} figures, {len(plan.warnings)} warnings)")
        print(f"commit (one transaction, {result['written']:,} revisions): {t_commit:.2f} s")
        print(f"total: {t_propose + t_check + t_commit:.2f} s")
        print(f"peak RSS of the process: {rss1:.0f} MB (before: {rss0:.0f} MB)")

        engine = store.copy()
        tracemalloc.start()
        proposal = foreign.propose(engine, dpi, data, "bench-bieu.xlsx")
        settle(proposal.mapping)
        plan = foreign.dry_run(engine, dpi, data, "bench-bieu.xlsx", proposal.mapping)
        intake.commit(engine, dpi, plan)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()
        print(f"Python heap peak (tracemalloc) of propose + dry run + commit: {peak / 1024 / 1024:.0f} MB")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
