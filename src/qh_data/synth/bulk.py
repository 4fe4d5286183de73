"""Bulk inserts for the synthetic store: SQLAlchemy Core ``executemany`` in large batches on SQLite,
``COPY ... FROM STDIN`` (psycopg) on PostgreSQL, on the transaction's connection."""

from __future__ import annotations

BATCH = 50_000


class Bulk:
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


