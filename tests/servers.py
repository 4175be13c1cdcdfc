"""Servers the outage tests start and stop themselves, on free ports of the loopback.

The shared PostgreSQL and Redis are never stopped: a test gets a Redis of its own, or reaches the
shared PostgreSQL through a proxy that it can cut.
"""

import http.cookiejar
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
WAIT_STEPS = 200  # of 0.05 s: how long a server may take to come up


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, stopped and started again on the same port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        for _ in range(WAIT_STEPS):
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                assert self.process.poll() is None, "redis-server did not start"
                time.sleep(0.05)
        raise AssertionError("redis-server did not answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)


class TcpProxy:
    """Forwards a free port to a server; stop() cuts every connection and refuses new ones, as a
    database that went away would. cut_on(pattern) drops the connection that sends the pattern."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.listener = None
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.cut_pattern: bytes | None = None

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR on POSIX
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            _close(self.listener)  # shutdown() wakes the thread in accept(), close() alone does not
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                _close(sock)
            self.sockets.clear()

    def cut_on(self, pattern: bytes) -> None:
        self.cut_pattern = pattern

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.sockets.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client, server) -> None:
        pairs = {client: server, server: client}
        try:
            while True:
                ready, _, _ = select.select(list(pairs), [], [], 1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client and self.cut_pattern and self.cut_pattern in data:
                        self.cut_pattern = None
                        return  # the query never reaches the server; the connection dies
                    pairs[sock].sendall(data)
        except (OSError, ValueError):  # closed by stop() meanwhile
            return
        finally:
            for sock in (client, server):
                _close(sock)
            with self.lock:
                self.sockets.difference_update((client, server))


def _close(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def collect_static(static_root: Path) -> None:
    env = {**os.environ, "SECRET_KEY": "collect-static", "STATIC_ROOT": str(static_root)}
    env.pop("DEBUG", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


class AppServer:
    """gunicorn with production settings (DEBUG off) on a free port."""

    def __init__(self, *, database_url: str, static_root: Path, log: Path, **env: str):
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "outage-test-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(static_root),
            "PAGE_CACHE_SECONDS": "60",
            "WEB_CONCURRENCY": "2",
            "PORT": str(self.port),
            # without REDIS_URL: the node's shared cache, in a folder of this server's own
            "CACHE_URL": f"filecache://{log.parent / f'cache-{self.port}'}",
            **env,
        }
        self.env.pop("DEBUG", None)
        self.process = None

    def __enter__(self):
        with self.log.open("ab") as log:  # a file, not a pipe: a full pipe would stop the server
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        for _ in range(WAIT_STEPS):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return self
            except OSError:
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                time.sleep(0.05)
        raise AssertionError("the app server did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=20)


class Visitor:
    """One browser's cookies; every answer comes back as (status, headers, body), errors too."""

    AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), None)

    def request(self, url, data=None, *, accept="text/html"):
        headers = {"User-Agent": self.AGENT, "Accept": accept}
        body = None
        if data is not None:
            headers["X-CSRFToken"] = self.cookie("csrftoken") or ""
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def log_in(self, base_url, username, password):
        status, _, html = self.request(base_url + "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = {"csrfmiddlewaretoken": token, "login": username, "password": password}
        status, _, _ = self.request(base_url + "/accounts/login/", data)
        assert status == 200 and self.cookie("sessionid"), "logged in"
