"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary directory,
listening on a free local port, stopped (and deleted) when the test session ends.

initdb refuses to run as root, so under root the cluster belongs to the `postgres` system
user (created by the distribution's package). Durability is switched off: the cluster
lives for one test run only.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import asyncpg

SERVER_USER = "postgres"  # the owner of the cluster when the tests run as root


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin/ (Debian keeps them off PATH)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent  # often a link into the versioned bin/
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    bin_dir: Path
    root: Path
    port: int
    user: str
    template_ready: bool = False
    reset_sql: str = ""  # empties the shared database (see `emptied_shared_database`)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        as_user = {"user": SERVER_USER} if os.geteuid() == 0 else {}
        subprocess.run([str(self.bin_dir / args[0]), *args[1:]], check=True,
                       capture_output=True, **as_user)

    @classmethod
    def start(cls, bin_dir: Path) -> PgServer:
        root = Path(tempfile.mkdtemp(prefix="kiemdiem-pg-"))
        user = SERVER_USER if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        if os.geteuid() == 0:
            shutil.chown(root, SERVER_USER)
        server = cls(bin_dir, root, free_port(), user)
        try:
            server._run("initdb", "-D", str(server.data_dir), "-U", user, "-A", "trust",
                        "-E", "UTF8", "--locale=C", "--no-sync")
            options = (f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1"
                       " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                       " -c max_connections=200")
            server._run("pg_ctl", "-D", str(server.data_dir), "-o", options,
                        "-l", str(root / "server.log"), "-w", "start")
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def drop_database(self, name: str) -> None:
        """Drop a test's database (each copy of the template takes several megabytes)."""
        self._run("psql", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                  "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


TEMPLATE = "kiemdiem_template"


async def _create_template(server: PgServer) -> None:
    """A database with every migration applied, copied for each test (CREATE DATABASE …
    TEMPLATE is much faster than migrating again)."""
    from storage.pg import open_pg_database

    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    database = await open_pg_database(server.url(TEMPLATE))
    await database.close()
    server.template_ready = True


async def fresh_database(server: PgServer, name: str, *, migrated: bool = True) -> str:
    """The URL of a new, empty database (migrated, or with no table at all)."""
    if migrated and not server.template_ready:
        await _create_template(server)
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        template = TEMPLATE if migrated else "template0"
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await admin.close()
    return server.url(name)


SHARED = "kiemdiem_shared"


async def emptied_shared_database(server: PgServer) -> str:
    """The URL of the one migrated database the tests share, emptied of rows and with its
    ids starting at 1 again: much faster than a new database per test."""
    if not server.reset_sql:
        url = await fresh_database(server, SHARED)
        conn = await asyncpg.connect(url)
        try:
            tables = [r[0] for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'schema_migrations'")]
            sequences = [r[0] for r in await conn.fetch(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        finally:
            await conn.close()
        # replica role: no foreign key checks, so the order of the deletes does not matter
        server.reset_sql = "; ".join([
            "SET lock_timeout = '20s'", "SET session_replication_role = replica",
            *(f"DELETE FROM {t}" for t in tables),
            *(f"ALTER SEQUENCE {s} RESTART" for s in sequences),
        ])
    url = server.url(SHARED)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(server.reset_sql)
    finally:
        await conn.close()
    return url
