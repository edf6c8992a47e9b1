#!/usr/bin/env python
"""Public pages benchmark (listing, company types, search, compare, finder, role, home): SQL queries
per request, and requests/s with p50/p95 latency under gunicorn (production settings, PostgreSQL),
at the article's 45 roles and at 5,000.

Each page is measured next to a static file of the same size served by the same gunicorn in the
same run, the physical limit of this machine and server; the figure to read is the ratio. The
script prints figures and never passes or fails on time. It starts its own throwaway PostgreSQL
cluster (tests/postgres.py) and gunicorn on 127.0.0.1, and stops both.

    .venv/bin/python bench/run.py [--duration 5] [--concurrency 8] [--sizes 45,5000]
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.postgres import Cluster, find_bin_dir  # noqa: E402

PAGES = {
    "listing": "/roles/",
    "company type filter": "/roles/?company_type=financial-institution",
    "search 数据": "/roles/?q=%E6%95%B0%E6%8D%AE",
    "company type page": "/company-types/financial-institution/",
    "compare 4 roles": "/compare/?roles=machine-learning-engineer,data-scientist,data-engineer,"
    "ai-data-analyst",
    "match 5 skills": "/match/?skill=python&skill=statistics&skill=data-analysis"
    "&skill=communication&skill=project-management",
    "role page": "/tech-rnd/prompt-engineer/",
    "home": "/",
    "API roles, company type filter": "/api/v3/roles/?company_type=financial-institution",
}
PYTHON = sys.executable


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def query_counts(env):
    out = subprocess.run(
        [PYTHON, "bench/querycount.py", *PAGES.values()],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def load(port, path, duration, concurrency):
    """Requests/s and latencies (ms) of GET path for `duration` seconds, `concurrency` at once."""
    latencies, errors = [], []
    stop_at = time.perf_counter() + duration

    def worker():
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    errors.append(response.status)
                    continue
            except OSError as error:
                errors.append(str(error))
                continue
            latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan"),
        "errors": len(errors),
    }


def serve(env, port, workers):
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "airoles.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--sizes", default="45,5000", help="catalogue sizes to measure at")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("no PostgreSQL server binaries found (initdb, pg_ctl)")
    cluster = Cluster(bin_dir)
    static_root = Path(tempfile.mkdtemp(prefix="airoles-bench-static-"))
    env = {
        **os.environ,
        "DATABASE_URL": cluster.start(),
        "DJANGO_SETTINGS_MODULE": "airoles.settings.production",
        "SECRET_KEY": "benchmark-only-not-secret",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(static_root),
        "PYTHONWARNINGS": "ignore",
        "LOG_LEVEL": "WARNING",
        # Index updates run inline while the catalogue is loaded; pages queue no tasks.
        "TASKS_BACKEND": "immediate",
        # The load comes from one address; the API's rate limit would answer it with 429s.
        "API_THROTTLE_RATE": "",
    }
    results = {}
    try:
        cluster.create_database()
        manage(env, "migrate", "--noinput")
        manage(env, "load_catalogue")
        manage(env, "collectstatic", "--noinput")
        for size in sizes:
            existing = int(
                subprocess.run(
                    [
                        PYTHON,
                        "manage.py",
                        "shell",
                        "-c",
                        "from roles.models import RolePage; print(RolePage.objects.count())",
                    ],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            if size > existing:
                print(f"generating {size - existing} synthetic roles…", flush=True)
                manage(env, "generate_roles", "--count", str(size - existing))
            figures = query_counts(env)
            # Reference files: static files of the same size as each page, same server.
            reference_dir = static_root / "bench"
            shutil.rmtree(reference_dir, ignore_errors=True)
            reference_dir.mkdir(parents=True, exist_ok=True)
            for url in PAGES.values():
                size_bytes = figures[url]["bytes"]
                (reference_dir / f"{size_bytes}.html").write_bytes(b"x" * size_bytes)
            port = free_port()
            server = serve(env, port, args.workers)
            try:
                for name, url in PAGES.items():
                    load(port, url, 1, args.concurrency)  # warm up
                    page = load(port, url, args.duration, args.concurrency)
                    static = load(
                        port,
                        f"/static/bench/{figures[url]['bytes']}.html",
                        args.duration,
                        args.concurrency,
                    )
                    results[(name, size)] = {**figures[url], "page": page, "static": static}
                    print(f"measured {name} at {size} roles", flush=True)
            finally:
                server.terminate()
                server.wait()
    finally:
        cluster.stop()
        shutil.rmtree(static_root, ignore_errors=True)

    print()
    print(
        f"gunicorn {args.workers} workers, concurrency {args.concurrency}, "
        f"{args.duration:g} s a measurement, production settings, PostgreSQL; "
        f"{os.cpu_count()} cores"
    )
    header = (
        f"{'page':<22}{'roles':>6}{'queries':>9}{'KiB':>7}{'req/s':>8}{'p50 ms':>8}"
        f"{'p95 ms':>8}{'static req/s':>14}{'ratio':>8}{'errors':>8}"
    )
    print(header)
    print("-" * len(header))
    for (name, size), r in results.items():
        page, static = r["page"], r["static"]
        print(
            f"{name:<22}{size:>6}{r['queries']:>9}{r['bytes'] / 1024:>7.1f}{page['rps']:>8.1f}"
            f"{page['p50']:>8.1f}{page['p95']:>8.1f}{static['rps']:>14.1f}"
            f"{page['rps'] / static['rps']:>8.3f}{page['errors'] + static['errors']:>8}"
        )
    print("\nratio = page req/s ÷ req/s of a static file of the same size from the same server.")


if __name__ == "__main__":
    main()
