"""`make run` and `make serve` as a newcomer runs them: no environment of their own set up."""

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.servers import ROOT, free_port

# What the test suite sets for itself (config/testing.py) or a developer may have exported.
NOT_SET = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "REDIS_URL",
    "PAGE_CACHE_SECONDS",
    "CACHE_URL",
)


def make(target: str, port: int, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """Start `make target` in a process group of its own, the way a terminal runs it."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_SET}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env["STATIC_ROOT"] = str(tmp_path / "static")
    if target == "serve":  # its file cache where the test's files are, not in the checkout
        env["CACHE_URL"] = f"filecache://{tmp_path / 'cache'}"
    output = tmp_path / f"make-{target}.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            # -o: the shared virtualenv is installed already; make must not reinstall it
            ["make", "-o", ".venv/.installed", target, f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, output


def wait_for(condition, output, process=None, seconds=180):
    deadline = time.monotonic() + seconds
    while not condition():
        assert process is None or process.poll() is None, output.read_text()[-3000:]
        assert time.monotonic() < deadline, output.read_text()[-3000:]
        time.sleep(0.2)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return None, ""


def descendants(pid: int) -> set[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def ctrl_c(process, output):
    """SIGINT to the foreground group, as Ctrl-C sends it; every process it started must end."""
    started = descendants(process.pid)
    assert started
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    wait_for(lambda: not any(alive(pid) for pid in started), output, seconds=60)


@pytest.fixture
def port():
    return free_port()


def test_make_serve_answers_on_127_0_0_1(port, tmp_path):
    process, output = make("serve", port, tmp_path)
    try:
        wait_for(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200, output, process)
        status, html = get(f"http://127.0.0.1:{port}/")
        assert status == 200, output.read_text()[-3000:]
        assert f'<link rel="canonical" href="http://127.0.0.1:{port}/">' in html
        assert get(f"http://localhost:{port}/")[0] == 200
    finally:
        ctrl_c(process, output)


def test_make_run_serves_its_port_and_runs_the_jobs_until_ctrl_c(port, tmp_path):
    process, output = make("run", port, tmp_path)
    try:
        wait_for(lambda: "rankings rebuilt in" in output.read_text(), output, process)
        wait_for(lambda: get(f"http://127.0.0.1:{port}/")[0] == 200, output, process)
        _status, html = get(f"http://127.0.0.1:{port}/")
        assert f'<link rel="canonical" href="http://127.0.0.1:{port}/">' in html
        text = output.read_text()
        assert re.search(rf"Site:\s+http://127\.0\.0\.1:{port}\b", text), "the printed logins"
        assert "flushed 0 views" in text
    finally:
        ctrl_c(process, output)
