"""A real redis-server and a real nginx on loopback, started and always stopped by the tests that share them.

Not a test file. nginx runs unprivileged with the repository's deploy/nginx.conf, as compose.yaml
runs it: a prefix directory of its own (pid, temporary files), and beside the configuration the
two files a deployment writes, listen.conf (the port) and upstream.conf (the app instances).

    with RedisServer() as redis_server, NginxServer([8001, 8002]) as proxy:
        redis_server.url, proxy.port

Only 127.0.0.1 is ever contacted.
"""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from live_server import HOST, free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
START_SECONDS = 10


def program(name):
    """The program's path; nginx lives in /usr/sbin, which a user's PATH may lack."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError(f"{name} is missing: `make test` installs it (scripts/bootstrap.sh --redis --nginx)")
    return found


def wait_for_port(port, process, what):
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not listen on {port} within {START_SECONDS} s") from None
            time.sleep(0.02)


def stop(process):
    """Stop `process` if it still runs: SIGTERM, then SIGKILL if it is still there after 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class RedisServer:
    """A throwaway redis-server, keeping nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://{HOST}:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            [program("redis-server"), "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        try:
            wait_for_port(self.port, self.process, "redis-server")
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self):
        stop(self.process)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class SilentListener:
    """An address that accepts connections and never answers (a hung Redis, a network that drops
    replies): the kernel completes each connection into the backlog, and nothing reads it."""

    def __enter__(self):
        self.socket = socket.socket()
        self.socket.bind((HOST, 0))
        self.socket.listen(128)
        self.url = f"redis://{HOST}:{self.socket.getsockname()[1]}"
        return self

    def __exit__(self, *exc_info):
        self.socket.close()


class NginxServer:
    """deploy/nginx.conf in front of the app instances on `upstream_ports`, unprivileged, in
    the foreground (daemon off), its error log kept for the test to read."""

    def __init__(self, upstream_ports):
        self.port = free_port()
        self.upstream_ports = upstream_ports
        self.process = None
        self.prefix = None

    def start(self):
        self.prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
        conf_dir = self.prefix / "conf"
        conf_dir.mkdir()
        # The repository's file itself (a link): its includes are read from beside it.
        (conf_dir / "nginx.conf").symlink_to(NGINX_CONF)
        (conf_dir / "listen.conf").write_text(f"listen {HOST}:{self.port};\n")
        (conf_dir / "upstream.conf").write_text(
            "".join(f"server {HOST}:{port};\n" for port in self.upstream_ports))
        self.error_log = self.prefix / "error.log"
        with open(self.error_log, "wb") as log:
            self.process = subprocess.Popen(
                [program("nginx"), "-p", f"{self.prefix}/", "-c", str(conf_dir / "nginx.conf"),
                 "-e", str(self.error_log)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, self.process, "nginx")
        except RuntimeError as error:
            self.stop()
            raise RuntimeError(f"{error}: {self.error_text()}") from None
        return self

    def error_text(self):
        try:
            return self.error_log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        stop(self.process)  # nginx's fast shutdown; its workers go with it
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
