"""pytest plugin: run the suite against a throwaway PostgreSQL cluster.

Before Django is set up, point DATABASE_URL at a cluster in a temporary directory; the cluster
itself is made from the machine's PostgreSQL server binaries (initdb, pg_ctl) only when tests run
(`pytest --collect-only` starts nothing), and stopped and deleted afterwards. No system service is
needed. Where DATABASE_URL is already set, it is used as it is; where no
PostgreSQL binaries exist, the suite falls back to SQLite and says so.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

_cluster = None
_fallback_reason = None


def find_bin_dir():
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent  # Debian links a few of them into /usr/local/bin
    candidates = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl") + glob.glob(
        "/usr/local/pgsql/bin/pg_ctl"
    )
    candidates.sort(
        key=lambda path: [int(p) for p in Path(path).parts[-3].split(".") if p.isdigit()]
    )
    return Path(candidates[-1]).parent if candidates else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="airoles-pg-"))
        self.data = self.dir / "data"
        # initdb and pg_ctl refuse to run as root: run them as the postgres user.
        self.prefix = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def run(self, *args):
        subprocess.run(
            [*self.prefix, str(self.bin_dir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            cwd=self.dir,
        )

    @property
    def started(self):
        return self.data.exists()

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/airoles"

    def start(self):
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.start_server()
        return self.url

    def start_server(self):
        """Start the server on the existing data directory (again, after stop_server)."""
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop_server(self, mode="fast"):
        """Stop the server and keep its data (bench/faults.py: a database outage)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name="airoles"):
        """For callers outside pytest (bench/): pytest-django makes its own test database."""
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def stop(self):
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Runs before pytest-django reads the settings.
    global _cluster, _fallback_reason
    if not os.environ.get("DATABASE_URL"):
        bin_dir = find_bin_dir()
        if bin_dir is None:
            _fallback_reason = "no PostgreSQL server binaries found (initdb, pg_ctl)"
            os.environ["DATABASE_URL"] = "sqlite:///:memory:"
        else:
            _cluster = Cluster(bin_dir)
            os.environ["DATABASE_URL"] = _cluster.url  # started by pytest_runtestloop
    return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    # With pytest-xdist (`-n`), this process only hands out tests: its workers inherit
    # DATABASE_URL and share this one cluster, each with its own test database (pytest-django
    # names it after the worker), so it must be up before they start (xdist starts them in its
    # own, later, pytest_sessionstart). Collection alone (--collect-only) starts no workers.
    if _cluster and session.config.pluginmanager.has_plugin("dsession"):
        _cluster.start()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session):
    collecting_only = session.config.option.collectonly
    if _cluster and not _cluster.started and not collecting_only and session.items:
        _cluster.start()
    return (yield)


def pytest_report_header(config):
    if _cluster:
        where = f"{_cluster.bin_dir} on port {_cluster.port}"
        return f"database: throwaway PostgreSQL cluster from {where}"
    if _fallback_reason:
        return f"database: SQLite, because {_fallback_reason}"
    return f"database: DATABASE_URL from the environment ({os.environ['DATABASE_URL'].split('://')[0]})"


def pytest_terminal_summary(terminalreporter):
    if _fallback_reason:
        terminalreporter.write_line(
            f"NOTE: tests ran on SQLite, not PostgreSQL: {_fallback_reason}", yellow=True
        )


def pytest_unconfigure(config):
    global _cluster
    if _cluster:
        if _cluster.started:
            _cluster.stop()
        else:
            shutil.rmtree(_cluster.dir, ignore_errors=True)
        _cluster = None
