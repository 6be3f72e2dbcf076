"""`openbeian serve` as a real process for the tests: started on a free port against a database, waited for,
stopped; its worker processes, and which of them answered a connection, read from /proc (Linux)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

OPENBEIAN = Path(sys.executable).with_name("openbeian")
STARTUP_SECONDS = 60
GONE = (FileNotFoundError, ProcessLookupError)  # a process or descriptor may vanish while /proc is read


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: Any  # parsed JSON, else text
    worker: int  # the pid of the process that answered

    def cookie(self) -> str:
        """The cookies it sets, as a Cookie request header."""
        return "; ".join(c.split(";", 1)[0] for c in self.headers.get_all("set-cookie") or [])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path  # stdout and stderr of the serve process and its workers
    workers_wanted: int

    def workers(self) -> list[int]:
        """The processes that serve requests: the serve process with one worker, else its children that run a
        uvicorn server (multiprocessing's resource tracker is a child too, and is not one)."""
        if self.workers_wanted == 1:
            return [self.process.pid]
        return [pid for pid in _children(self.process.pid) if b"spawn_main" in _cmdline(pid)]

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """One request on a connection of its own, and the worker that holds that connection's server end."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            assert conn.sock is not None
            worker = self._owner(conn.sock.getsockname()[1])
            json_body = response.getheader("content-type", "").startswith("application/json")
            return Answer(response.status, response.headers, json.loads(data) if json_body else data.decode(), worker)
        finally:
            conn.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_json(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Answer:
        body = json.dumps(data).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})

    def post_form(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        body = urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        )

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def _owner(self, client_port: int) -> int:
        inode = _server_socket_inode(self.port, client_port)
        for pid in self.workers():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(*GONE):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
        raise LookupError(f"no worker holds the connection from port {client_port}")


@contextmanager
def serving(database_url: str, log: Path, *options: str, workers: int = 1) -> Iterator[Served]:
    """`openbeian --database URL serve --port P --workers N OPTIONS...` until the block ends (then SIGTERM, and
    the workers must be gone; none may have been replaced meanwhile)."""
    port = _free_port()
    command = [str(OPENBEIAN), "--database", database_url, "serve", "--port", str(port), "--workers", str(workers)]
    if "--log-level" not in options:
        command += ["--log-level", "info"]  # the supervisor tells when it replaces a worker at info
    with log.open("wb") as out:
        process = subprocess.Popen([*command, *options], stdout=out, stderr=subprocess.STDOUT)
    served = Served(process, port, log, workers)
    started: list[int] = []
    try:
        _wait_until_ready(served)
        started = served.workers()
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pid in started:  # a worker outliving its supervisor would be a bug: say so, and end it
            if Path(f"/proc/{pid}").exists() and b"spawn_main" in _cmdline(pid):
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"worker {pid} outlived the serve process")
    died = [line for line in served.log_text().splitlines() if line.startswith("INFO:") and line.endswith(" died")]
    assert not died, f"the supervisor replaced workers: {died}"


def _wait_until_ready(served: Served) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"serve exited with {served.process.returncode}:\n{served.log_text()}")
        with suppress(*GONE):
            if len(served.workers()) == served.workers_wanted:
                try:
                    if served.get("/api/v1/numbers/parse?text=x").status == 200:
                        return
                except (OSError, LookupError):  # not listening yet, or a worker still starting
                    pass
        time.sleep(0.1)
    raise AssertionError(f"serve did not answer within {STARTUP_SECONDS} s:\n{served.log_text()}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(*GONE):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _server_socket_inode(server_port: int, client_port: int) -> int:
    """The inode of the server's end of the TCP connection between the two ports on this host."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = (int(address.rsplit(":", 1)[1], 16) for address in fields[1:3])
            if (local, remote) == (server_port, client_port):
                return int(fields[9])
    raise LookupError(f"no connection from port {client_port} to port {server_port}")
