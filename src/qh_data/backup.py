"""A portable dump that round-trips between SQLite and PostgreSQL with identical content.

Format (a zip file): ``manifest.json`` (format version, Alembic revision, tables in foreign-key order,
row counts, a SHA-256 per table) and one ``<table>.jsonl`` per table, rows ordered by primary key.
Restore checks everything before writing, then inserts all rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

from sqlalchemy import Date, DateTime, Engine, func, insert, select, text

from . import schema
from .errors import QHError
from .models import Base
from .text import inert

FORMAT = "qh-backup/1"


def _encode(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _line(row: dict) -> str:
    return json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)


def backup(engine: Engine, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    checksums: dict[str, str] = {}
    tables = Base.metadata.sorted_tables
    with engine.connect() as conn, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        revision = schema.current_revision(engine)
        for table in tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            digest = hashlib.sha256()
            n = 0
            with zf.open(f"{table.name}.jsonl", "w") as fh:
                for row in rows:
                    line = (_line(dict(row)) + "\n").encode("utf-8")
                    digest.update(line)
                    fh.write(line)
                    n += 1
            counts[table.name] = n
            checksums[table.name] = digest.hexdigest()
        manifest = {"format": FORMAT, "revision": revision, "tables": [t.name for t in tables],
                    "counts": counts, "sha256": checksums, "created_at": dt.datetime.now().isoformat()}
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    return counts


def _damaged(path: Path, why: str) -> QHError:
    return QHError(f"Tệp sao lưu {path.name} không dùng được ({why}); cơ sở dữ liệu không bị thay đổi.",
                   f"The backup file {path.name} cannot be used ({why}); the database was not changed.")


def _read(path: Path) -> tuple[dict, dict[str, list[dict]]]:
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            if manifest.get("format") != FORMAT:
                raise _damaged(path, f"định dạng {manifest.get('format')!r} / format")
            data = {}
            for name in manifest["tables"]:
                raw = zf.read(f"{name}.jsonl")
                if hashlib.sha256(raw).hexdigest() != manifest["sha256"][name]:
                    raise _damaged(path, f"bảng {name} sai mã kiểm tra / checksum mismatch")
                rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line]
                if len(rows) != manifest["counts"][name]:
                    raise _damaged(path, f"bảng {name} thiếu dòng / row count mismatch")
                data[name] = rows
    except QHError:
        raise
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise _damaged(path, f"{type(exc).__name__}") from exc
    return manifest, data


def _decode(table, row: dict) -> dict:
    out = {}
    for col in table.columns:
        value = row.get(col.name)
        if value is not None and isinstance(col.type, DateTime):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and isinstance(col.type, Date):
            value = dt.date.fromisoformat(value)
        elif isinstance(value, str):
            value = inert(value)  # the cleaning every stored text has had (an old backup may predate it)
        out[col.name] = value
    return out


def _parents_first(table, rows: list[dict]) -> list[dict]:
    """Rows of a self-referencing table (admin units) ordered so every parent precedes its children."""
    self_fks = [fk for fk in table.foreign_keys if fk.column.table is table]
    if not self_fks:
        return rows
    child, parent = self_fks[0].parent.name, self_fks[0].column.name
    by_key = {r[parent]: r for r in rows}

    def depth(r, seen=0):
        up = r.get(child)
        return 0 if up is None or up not in by_key or seen > 50 else 1 + depth(by_key[up], seen + 1)

    return sorted(rows, key=depth)


def restore(engine: Engine, path: Path, *, force: bool = False) -> dict[str, int]:
    manifest, data = _read(path)
    if not schema.has_tables(engine):
        schema.upgrade(engine)
    if schema.current_revision(engine) != manifest["revision"]:
        raise QHError(
            f"Tệp sao lưu thuộc phiên bản cấu trúc {manifest['revision']}, cơ sở dữ liệu đang ở "
            f"{schema.current_revision(engine)}: hãy chạy qh db upgrade trên cả hai phía.",
            f"The backup is for schema {manifest['revision']} but the database is at "
            f"{schema.current_revision(engine)}: run qh db upgrade on both sides.")
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    with engine.begin() as conn:
        occupied = sum(conn.scalar(select(func.count()).select_from(t)) for t in tables.values())
        if occupied and not force:
            raise QHError("Cơ sở dữ liệu đích đã có dữ liệu; dùng --force để xóa và phục hồi đè lên.",
                          "The target database is not empty; use --force to empty it and restore over it.")
        if occupied:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
        if conn.dialect.name == "sqlite":
            conn.execute(text("PRAGMA defer_foreign_keys=ON"))
        for name in manifest["tables"]:
            table = tables[name]
            rows = _parents_first(table, [_decode(table, r) for r in data[name]])
            for i in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[i:i + 5000])
        if conn.dialect.name == "postgresql":
            for table in tables.values():
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is not False and str(pk[0].type) == "INTEGER":
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                        f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
    return {name: len(rows) for name, rows in data.items()}
