"""The server under load: gunicorn with the production settings, its environment and workers,
and the machine it runs on."""

# The bench starts local programs (gunicorn, git) and calls its own loopback server.
# ruff: noqa: S603, S607, S310

import contextlib
import datetime
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from run_paths import BASE_DIR, OUT_DIR

GUNICORN = Path(sys.executable).parent / "gunicorn"


def server_env(*, database_url: str, redis_url: str, page_cache: int, prefix: str) -> dict:
    """The environment of `make serve`, pointed at the bench's database and Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "PAGE_CACHE_SECONDS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_PREFIX=prefix,
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PAGE_CACHE_SECONDS=str(page_cache),
        DJANGO_SETTINGS_MODULE="config.settings",
        # wrk's readers all come from 127.0.0.1: the caps an office behind one address would set
        VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY="10000000",
        VIEWS_PER_ADDRESS_PER_HOUR="10000000",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_memory(master_pid: int) -> list[dict]:
    """Peak (VmHWM) and current (VmRSS) resident memory of each gunicorn worker, in MB."""
    workers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            if int(fields.get("PPid", "0")) != master_pid:
                continue
            workers.append(
                {
                    "pid": int(status.parent.name),
                    "peak_mb": int(fields["VmHWM"].split()[0]) / 1024,
                    "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
                }
            )
    return sorted(workers, key=lambda worker: worker["pid"])


class Server:
    """gunicorn with the production settings, as `make serve` would run it, on a free port."""

    def __init__(self, env: dict, log_name: str, workers: int = 2):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.log = OUT_DIR / log_name
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        command = [
            str(GUNICORN),
            "config.wsgi",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            if self._ready():
                return self
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {self.log}")

    def _ready(self) -> bool:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:
                return response.status == 200 and len(self.worker_pids()) == self.workers
        return False

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_pids(self) -> list[int]:
        return [worker["pid"] for worker in worker_memory(self.process.pid)]


def _first_value(path: str, prefix: str) -> str | None:
    """The value after the colon of the first line of /proc/<path> that starts with prefix."""
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    return None


def _commit() -> str:
    """The commit measured: the snapshot's (BENCH_COMMIT), else the working tree's HEAD."""
    if commit := os.environ.get("BENCH_COMMIT"):
        return commit
    git = {"cwd": BASE_DIR, "capture_output": True, "text": True}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], **git).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], **git
    ).stdout.strip()
    return commit + (" (working tree, with uncommitted changes)" if dirty else " (working tree)")


def machine() -> dict:
    """The CPUs, memory, Python, date and commit of this run."""
    memory = _first_value("/proc/meminfo", "MemTotal:")
    return {
        "nproc": os.cpu_count(),
        "memory": f"{int(memory.split()[0]) / 1024 / 1024:.1f} GB" if memory else "unknown",
        "cpu": _first_value("/proc/cpuinfo", "model name") or "unknown",
        "python": platform.python_version(),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": _commit(),
    }
