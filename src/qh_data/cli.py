"""The `qh` command: database, demo, export, backup and restore, import, units, meeting documents.

Every error meant for a person prints one sentence (Vietnamese / English) and exits with code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

from . import config, db, schema
from .errors import QHError


def _engine():
    engine = db.make_engine(config.database_url())
    db.check_connection(engine)
    return engine


def cmd_db(args) -> int:
    engine = _engine()
    if args.action == "upgrade":
        schema.upgrade(engine)
        print(f"Đã cập nhật cấu trúc cơ sở dữ liệu {db.describe(engine)} lên phiên bản {schema.head_revision()}.")
    elif args.action == "current":
        print(schema.current_revision(engine) or "(trống / empty)")
    else:
        ok = schema.is_up_to_date(engine)
        print("Cấu trúc cơ sở dữ liệu đã cập nhật. / Schema up to date." if ok else
              "Cấu trúc cơ sở dữ liệu cần cập nhật: chạy qh db upgrade. / Schema out of date: run qh db upgrade.")
        return 0 if ok else 1
    return 0


def cmd_demo(args) -> int:
    engine = _engine()
    if args.action == "seed":
        from . import demo

        if not schema.has_tables(engine):
            schema.upgrade(engine)
        if args.if_empty and _has_data(engine):
            print("Cơ sở dữ liệu đã có dữ liệu; không nạp lại dữ liệu minh họa. / The database already holds data.")
            return 0
        today = dt.date.fromisoformat(args.today) if args.today else None
        demo.seed(engine, today=today)
        return 0
    from . import synth

    return synth.main(["--scale", args.scale, *(["--today", args.today] if args.today else [])], engine=engine)


def _has_data(engine) -> bool:
    from sqlalchemy import func, select

    from .db import read_session
    from .models import Agency

    with read_session(engine) as s:
        return bool(s.scalar(select(func.count()).select_from(Agency)))


def cmd_export(args) -> int:
    from . import export

    engine = _engine()
    out = Path(args.out)
    if args.format == "csv":
        files = export.export_csv(engine, out)
        print(f"Đã xuất {len(files)} bảng ra {out}/ (CSV, UTF-8).")
    else:
        export.export_xlsx(engine, out)
        print(f"Đã xuất toàn bộ các bảng ra {out}.")
    return 0


def cmd_backup(args) -> int:
    from . import backup

    counts = backup.backup(_engine(), Path(args.file))
    print(f"Đã sao lưu {sum(counts.values())} dòng của {len(counts)} bảng vào {args.file}.")
    return 0


def cmd_restore(args) -> int:
    from . import backup

    counts = backup.restore(_engine(), Path(args.file), force=args.force)
    print(f"Đã phục hồi {sum(counts.values())} dòng của {len(counts)} bảng từ {args.file}.")
    return 0


def cmd_import(args) -> int:
    from .intake import cli_import

    return cli_import(args)


def cmd_docs(args) -> int:
    """The meeting pack or the draft conclusions notice of a meeting, as the meetings page builds them."""
    from . import reports

    engine = _engine()  # an unknown meeting is the data layer's NotFound (one sentence, exit code 2)
    build = reports.build_meeting_pack if args.kind == "pack" else reports.build_conclusions_notice
    data = build(engine, args.meeting)
    out = Path(args.out)
    out.write_bytes(data)
    what = "tài liệu phục vụ cuộc họp" if args.kind == "pack" else "dự thảo thông báo kết luận"
    print(f"Đã ghi {what} của cuộc họp số {args.meeting} vào {out}.")
    return 0


def cmd_units(args) -> int:
    """A rearrangement of units (new communes + crosswalk, the layouts of data/reference) into the store."""
    from .db import session_scope
    from .permissions import SYSTEM
    from .units import lineage, store

    engine = _engine()
    loaded = lineage.from_files(Path(args.communes), Path(args.crosswalk),
                                Path(args.districts) if args.districts else None,
                                Path(args.provinces) if args.provinces else None)
    source = f"{Path(args.communes).name} + {Path(args.crosswalk).name}"
    with session_scope(engine) as session:
        report = store.load(session, loaded, SYSTEM, source=source)
    if not report.changed:
        print("Các đơn vị và liên kết trong tệp đã có sẵn; không có gì thay đổi. / Already loaded; nothing changed.")
    else:
        print(f"Đã nạp {report.added} đơn vị mới, kết thúc hiệu lực {report.closed} đơn vị, "
              f"{report.links} liên kết chuyển đổi từ {source}. / Loaded {report.added} new units, "
              f"ended {report.closed}, {report.links} links.")
    if report.figures_outside:
        print(f"Lưu ý: {report.figures_outside} số liệu nằm ngoài thời gian hiệu lực của đơn vị (giữ nguyên, "
              f"không xóa), ví dụ: {'; '.join(report.outside_examples)}. / {report.figures_outside} figures lie "
              "outside their unit's validity (kept).")
    return 0


def cmd_agencies(args) -> int:
    """An agency succession (the layout of data/reference/agency_succession_2025.csv) into the store."""
    from .agencies import store, succession_csv
    from .db import session_scope
    from .permissions import SYSTEM

    engine = _engine()
    succession = succession_csv.read(Path(args.file))  # every row checked before the store is touched
    with session_scope(engine) as session:
        report = store.load(session, succession, SYSTEM)
    skipped = (f" Bỏ qua {len(report.skipped_rows)} dòng không có mã cơ quan cũ (dòng "
               f"{', '.join(map(str, report.skipped_rows))}). / Skipped {len(report.skipped_rows)} rows without "
               "an old agency code.") if report.skipped_rows else ""
    if not report.changed:
        print("Việc sắp xếp cơ quan trong tệp đã có sẵn; không có gì thay đổi. / Already loaded; nothing changed."
              + skipped)
    else:
        print(f"Đã nạp {report.successions} quan hệ kế thừa, thêm {report.agencies_added} cơ quan mới, kết thúc "
              f"hoạt động {report.agencies_ended} cơ quan từ {succession.name}. / Loaded {report.successions} "
              f"successions, added {report.agencies_added} agencies, ended {report.agencies_ended}." + skipped)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qh", description="Quản lý dữ liệu Ban Chỉ đạo lập Quy hoạch tỉnh.")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("db", help="cấu trúc cơ sở dữ liệu (Alembic)")
    d.add_argument("action", choices=["upgrade", "current", "check"])
    d.set_defaults(fn=cmd_db)
    demo = sub.add_parser("demo", help="dữ liệu minh họa")
    demo.add_argument("action", choices=["seed", "synth"])
    demo.add_argument("--if-empty", action="store_true", help="chỉ nạp khi cơ sở dữ liệu còn trống")
    demo.add_argument("--today", help="ngày làm mốc (YYYY-MM-DD) cho các nhiệm vụ minh họa")
    demo.add_argument("--scale", default="national", choices=["national", "national-lite", "small"])
    demo.set_defaults(fn=cmd_demo)
    e = sub.add_parser("export", help="xuất mọi bảng ra CSV hoặc Excel")
    e.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    e.add_argument("--out", required=True)
    e.set_defaults(fn=cmd_export)
    b = sub.add_parser("backup", help="sao lưu toàn bộ dữ liệu ra một tệp di chuyển được")
    b.add_argument("file")
    b.set_defaults(fn=cmd_backup)
    r = sub.add_parser("restore", help="phục hồi từ tệp sao lưu vào cơ sở dữ liệu trống")
    r.add_argument("file")
    r.add_argument("--force", action="store_true", help="xóa dữ liệu hiện có trước khi phục hồi")
    r.set_defaults(fn=cmd_restore)
    i = sub.add_parser("import", help="nhập số liệu hoặc tiến độ từ tệp Excel")
    i.add_argument("file")
    i.add_argument("--user", default="dpi", help="tài khoản gửi số liệu")
    i.add_argument("--yes", action="store_true", help="ghi luôn sau khi kiểm tra, không hỏi lại")
    i.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi gì")
    i.add_argument("--json", action="store_true", help="in kết quả kiểm tra thành một tài liệu JSON")
    i.add_argument("--profile", default=None, help="dùng hồ sơ đã lưu cho tệp của đơn vị (không theo biểu mẫu)")
    i.add_argument("--save-profile", default=None, help="lưu cách đọc tệp thành hồ sơ sau khi ghi")
    i.set_defaults(fn=cmd_import)
    units = sub.add_parser("units", help="đơn vị hành chính: nạp một đợt sắp xếp (danh sách xã mới + bảng chuyển đổi)")
    units.add_argument("action", choices=["load"])
    units.add_argument("communes", help="danh sách xã, phường mới (bố cục communes_2025.csv)")
    units.add_argument("crosswalk", help="bảng chuyển đổi xã cũ → xã mới (bố cục commune_crosswalk_2025.csv)")
    units.add_argument("--districts", help="các huyện cũ (bố cục districts.csv), để có loại và diện tích")
    units.add_argument("--provinces", help="tệp ranh giới tỉnh (GeoJSON) đặt tên cho tỉnh mới")
    units.set_defaults(fn=cmd_units)
    agencies = sub.add_parser("agencies", help="cơ quan: nạp việc sắp xếp, hợp nhất (bố cục agency_succession_2025.csv)")
    agencies.add_argument("action", choices=["load"])
    agencies.add_argument("file", help="bảng kế thừa cơ quan (bố cục agency_succession_2025.csv)")
    agencies.set_defaults(fn=cmd_agencies)
    docs = sub.add_parser("docs", help="tài liệu Word của một cuộc họp (báo cáo, thông báo kết luận)")
    docs.add_argument("kind", choices=["pack", "notice"])
    docs.add_argument("--meeting", type=int, required=True, help="số (id) của cuộc họp")
    docs.add_argument("--out", required=True, help="tệp .docx được ghi ra")
    docs.set_defaults(fn=cmd_docs)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.fn(args)
    except QHError as exc:
        print(f"Lỗi: {exc.message_vi} / {exc.message_en}", file=sys.stderr)
        return 2
    except (OperationalError, DBAPIError) as exc:
        err = db.unavailable(db.make_engine(config.database_url()), exc)
        print(f"Lỗi: {err.message_vi} / {err.message_en}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
