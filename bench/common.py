"""What the benchmarks share: a throwaway PostgreSQL cluster with the catalogue, gunicorn with
production settings on 127.0.0.1, a task worker, an SMTP sink, an HTTP client and load loops."""

import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from tests.postgres import Cluster, find_bin_dir, free_port  # noqa: E402, F401
from tests.smtp import Recorder  # noqa: E402

PYTHON = sys.executable


def start_cluster():
    """A throwaway PostgreSQL cluster with an empty `airoles` database: (cluster, url)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL server binaries found (initdb, pg_ctl)")
    cluster = Cluster(bin_dir)
    url = cluster.start()
    cluster.create_database()
    return cluster, url


def production_env(database_url, **extra):
    """The environment of a production process on this machine (no TLS in front of it)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "airoles.settings.production",
        "SECRET_KEY": "benchmark-only-not-secret",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONWARNINGS": "ignore",
        "LOG_LEVEL": "WARNING",
        # The load comes from one address; the API's rate limit would answer it with 429s.
        "API_THROTTLE_RATE": "",
        **extra,
    }


def manage(env, *args):
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def shell(env, code):
    """Run Python in `manage.py shell`; its last line of output."""
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"manage.py shell failed:\n{result.stderr}")
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def query_counts(env, urls):
    """{url: {"status", "queries", "bytes"}} from Django's test client in a process with `env`
    (bench/querycount.py)."""
    out = subprocess.run(
        [PYTHON, "bench/querycount.py", *urls],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def prepare_site(env):
    """Migrate, load the catalogue and collect static files (index updates inline)."""
    setup_env = {**env, "TASKS_BACKEND": "immediate"}
    manage(setup_env, "migrate", "--noinput")
    manage(setup_env, "load_catalogue")
    manage(setup_env, "collectstatic", "--noinput")


def make_static_root():
    return Path(tempfile.mkdtemp(prefix="airoles-bench-static-"))


def write_reference_files(static_root, sizes):
    """Static files of the given sizes, served at /static/bench/<size>.html. WhiteNoise scans
    STATIC_ROOT when gunicorn starts, so write them before."""
    reference_dir = static_root / "bench"
    shutil.rmtree(reference_dir, ignore_errors=True)
    reference_dir.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        (reference_dir / f"{size}.html").write_bytes(b"x" * size)


def reference_url(size):
    return f"/static/bench/{size}.html"


def wait_for_port(port, process=None, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


def serve(env, port, workers, threads=1, log=None):
    """gunicorn with `workers` processes (gthread when threads > 1) on 127.0.0.1:port."""
    command = [PYTHON, "-m", "gunicorn", "airoles.wsgi", "--workers", str(workers)]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log else None
    )
    try:
        wait_for_port(port, process)
    except SystemExit:
        process.kill()
        raise
    return process


def stop(process, timeout=15):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker(env, worker_id, log=None):
    """`manage.py task_worker`: the database task worker that waits out outages."""
    return subprocess.Popen(
        [
            PYTHON,
            "manage.py",
            "task_worker",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--worker-id",
            worker_id,
        ],
        cwd=ROOT,
        env={**env, "TASKS_BACKEND": "database"},
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


class RedisServer:
    """A throwaway redis-server on loopback (no persistence) that can be stopped and started
    again on the same port, as when Redis restarts or fails over."""

    def __init__(self):
        self.executable = shutil.which("redis-server")
        if self.executable is None:
            raise SystemExit("redis-server not found (apt-get install redis-server)")
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="airoles-bench-redis-")
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.directory],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, self.process)

    def stop(self):
        if self.process is not None:
            stop(self.process)
            self.process = None


class SmtpSink:
    """An SMTP server on loopback that keeps every message (tests/smtp.py's Recorder)."""

    def __init__(self):
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self.recorder.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def fetch(port, path, method="GET", body=None, headers=None, timeout=30):
    """(status, headers as a dict with lower-case names, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        content = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content
    finally:
        conn.close()


def percentile(ordered, fraction):
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, round(len(ordered) * fraction) - 1))]


def summarize(latencies, errors, elapsed):
    latencies = sorted(latencies)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "errors": len(errors),
        "error_kinds": Counter(errors),
    }


def load(port, path, duration, concurrency, headers=None):
    """Requests/s and latencies (ms) of GET path for `duration` seconds, `concurrency` at once."""
    return mixed_load(port, {path: [path]}, duration, concurrency, headers=headers)[path]


def mixed_load(port, pages, duration, concurrency, seed=1, headers=None, statuses=None):
    """Each of `concurrency` clients GETs, one after another for `duration` seconds, a page
    drawn at random from `pages` ({name: [urls]}) and one of its URLs. Per page: requests/s,
    p50/p95/p99 ms and errors (anything but a 200). `statuses`, a dict, counts every status."""
    latencies = defaultdict(list)
    errors = defaultdict(list)
    names = list(pages)
    stop_at = time.perf_counter() + duration

    def client(n):
        rng = random.Random(seed * 1000 + n)
        while time.perf_counter() < stop_at:
            name = rng.choice(names)
            url = rng.choice(pages[name])
            started = time.perf_counter()
            try:
                status, _headers, _body = fetch(port, url, headers=headers)
            except OSError as error:
                errors[name].append(str(error))
                continue
            if statuses is not None:
                statuses[status] = statuses.get(status, 0) + 1
            if status != 200:
                errors[name].append(status)
                continue
            latencies[name].append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {name: summarize(latencies[name], errors[name], elapsed) for name in names}


def pad(text, width):
    """`text` left-aligned in `width` terminal columns (a CJK character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)
