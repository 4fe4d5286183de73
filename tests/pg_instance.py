"""A PostgreSQL server of the test's own (initdb + pg_ctl on a free port), to stop and start at will.

The shared server (QH_TEST_PG_URL, port 5432) is never touched: fault tests stop *this* instance.
initdb refuses to run as root, so under root the binaries run as the ``postgres`` system user
(``runuser``) and the data directory is handed to that user.

    with PgInstance.create() as pg:      # initdb + start
        url = pg.url("qh")                # after pg.createdb("qh")
        pg.stop(); pg.start()
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN_CANDIDATES = [Path(p) for p in (os.environ.get("QH_PG_BIN", ""),) if p] + sorted(
    Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_bin() -> Path:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found; set QH_PG_BIN")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgInstance:
    def __init__(self, root: Path, port: int, run_as: str | None):
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = port
        self.run_as = run_as
        self.bin = pg_bin()

    # --- lifecycle ---
    @classmethod
    def create(cls) -> PgInstance:
        run_as = "postgres" if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="qh_pg_fault_"))
        if run_as:
            pw = pwd.getpwnam(run_as)
            os.chown(root, pw.pw_uid, pw.pw_gid)
        inst = cls(root, free_port(), run_as)
        inst._run("initdb", "-D", str(inst.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync", "--locale=C.UTF-8")
        with open(inst.data / "postgresql.conf", "a", encoding="utf-8") as fh:
            fh.write(f"\nport = {inst.port}\nlisten_addresses = '127.0.0.1'\n"
                     f"unix_socket_directories = '{root}'\nfsync = off\nmax_connections = 60\n")
        inst.start()
        return inst

    def _cmd(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bin / tool), *args]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def _run(self, tool: str, *args: str) -> str:
        proc = subprocess.run(self._cmd(tool, *args), capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{tool} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        self.wait_ready()

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def is_running(self) -> bool:
        proc = subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "status"), capture_output=True, check=False)
        return proc.returncode == 0

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                  capture_output=True, check=False)
            if proc.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL on port {self.port} did not become ready")

    def destroy(self) -> None:
        if self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()

    # --- databases ---
    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def createdb(self, name: str) -> str:
        from sqlalchemy import create_engine, text

        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)
