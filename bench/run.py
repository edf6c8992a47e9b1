#!/usr/bin/env python
"""Public pages benchmark, one table per catalogue size (the article's 45 roles and 5,000): per
page kind, SQL queries, bytes on the wire (gzip), requests/s with p50/p95 latency uncached
(PAGE_CACHE_SECONDS=0: every request renders) and cached (Redis, the production default), each
as a ratio to a static file of the same size served by the same gunicorn + WhiteNoise in the same
run. Then the cache-busting scenario: one client requesting a flood of distinct URLs while
another fetches cached pages: the other client's p50 before and during, the flood's answers
(429 over UNCACHED_RATE) and how much the cache grew; then the same through nginx with
docs/deploy.md's per-client connection limit (`--front-limit`, where nginx is installed). The
flooding client runs at the lowest CPU priority, standing in for a machine of its own.

The script prints figures and never passes or fails on time. It starts its own throwaway
PostgreSQL cluster (tests/postgres.py), redis-server, gunicorn and nginx on 127.0.0.1, and stops
them.

    .venv/bin/python bench/run.py [--duration 5] [--concurrency 8] [--sizes 45,5000]
        [--front-limit 2]      # nginx's connections per client in the second flood; 0: none
        [--database-url URL]   # an existing database (catalogue loaded) instead of a new cluster
"""

import argparse
import multiprocessing
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time

import redis
from common import (
    RedisServer,
    fetch,
    free_port,
    load,
    make_static_root,
    manage,
    mixed_load,
    pad,
    prepare_site,
    production_env,
    query_counts,
    reference_url,
    serve,
    shell,
    start_cluster,
    stop,
    wait_for_port,
    write_reference_files,
)

PAGES = {
    "listing": "/roles/",
    "company type filter": "/roles/?company_type=financial-institution",
    "search 数据": "/roles/?q=%E6%95%B0%E6%8D%AE",
    "company type page": "/company-types/financial-institution/",
    "category page": "/tech-rnd/",
    "role page": "/tech-rnd/prompt-engineer/",
    "home": "/",
    "skill page": "/skills/python/",
    "compare 4 roles": "/compare/?roles=machine-learning-engineer,data-scientist,data-engineer,"
    "ai-data-analyst",
    "match 5 skills": "/match/?skill=python&skill=statistics&skill=data-analysis"
    "&skill=communication&skill=project-management",
    "API roles, company type filter": "/api/v3/roles/?company_type=financial-institution",
}
GZIP = {"Accept-Encoding": "gzip"}
# Two clients told apart by the address a trusted proxy reports (TRUSTED_PROXY_COUNT=1).
FLOODER = {**GZIP, "X-Forwarded-For": "203.0.113.66"}
VISITOR = {**GZIP, "X-Forwarded-For": "198.51.100.1"}
VISITOR_PAGES = {"cached pages": ["/roles/", "/tech-rnd/prompt-engineer/", "/"]}


def measure_pages(port, figures, args):
    results = {}
    for n, (name, url) in enumerate(PAGES.items()):
        # One render first, from an address of its own: with the cache on, concurrent misses
        # from one client would spend its UNCACHED_RATE before the page is stored (a slow page
        # at 5,000 roles), and the measurement would count 429s.
        fetch(port, url, headers={**GZIP, "X-Forwarded-For": f"192.0.2.{n + 1}"})
        load(port, url, 1, args.concurrency, headers=GZIP)  # warm up
        page = load(port, url, args.duration, args.concurrency, headers=GZIP)
        static = load(port, reference_url(figures[url]["bytes"]), args.duration, args.concurrency)
        results[name] = (page, static)
    return results


def flood(port, duration, concurrency, results):
    """Distinct URLs the page cache cannot answer: keyword searches for random words. Runs in a
    process of its own, so that the flooding threads do not share the measuring process's GIL
    with the other client's timed requests, and at the lowest CPU priority: an attacker's client
    runs on its own machine, not on the server's cores (the servers' work for it is still all
    here)."""
    os.nice(19)
    stop_at = time.perf_counter() + duration
    statuses = {}
    lock = threading.Lock()

    def client(n):
        rng = random.Random(n)
        while time.perf_counter() < stop_at:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
            try:
                status, _h, _b = fetch(port, f"/roles/?q={word}", headers=FLOODER)
            except OSError:
                status = "error"
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(statuses)


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};
    uwsgi_temp_path {dir}; scgi_temp_path {dir};
    # docs/deploy.md's per-client connection limit. The bench's two clients are told apart by
    # the X-Forwarded-For they send (a real front keys on $binary_remote_addr).
    limit_conn_zone $http_x_forwarded_for zone=per_client:1m;
    limit_conn_status 429;
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            limit_conn per_client {per_client};
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $http_x_forwarded_for;
        }}
    }}
}}
"""


class Nginx:
    """nginx in front of the server on `upstream`, as docs/deploy.md describes it."""

    def __init__(self, upstream, per_client):
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="airoles-bench-nginx-")
        conf = os.path.join(self.directory, "nginx.conf")
        with open(conf, "w") as file:
            file.write(
                NGINX_CONF.format(
                    dir=self.directory, upstream=upstream, port=self.port, per_client=per_client
                )
            )
        self.process = subprocess.Popen(
            [shutil.which("nginx"), "-c", conf, "-e", os.path.join(self.directory, "error.log")]
        )
        wait_for_port(self.port, self.process)

    def stop(self):
        stop(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)


def busting(port, redis_url, args):
    store = redis.Redis.from_url(redis_url)
    mixed_load(port, VISITOR_PAGES, 1, 2, headers=VISITOR)  # cached
    before = mixed_load(port, VISITOR_PAGES, args.duration, 2, headers=VISITOR)["cached pages"]
    keys, memory = store.dbsize(), store.info("memory")["used_memory"]
    results = multiprocessing.Queue()
    flooder = multiprocessing.Process(
        target=flood, args=(port, args.duration, args.concurrency, results)
    )
    flooder.start()
    during = mixed_load(port, VISITOR_PAGES, args.duration, 2, headers=VISITOR)["cached pages"]
    statuses = results.get(timeout=args.duration + 60)
    flooder.join()
    return {
        "before": before,
        "during": during,
        "statuses": statuses,
        "keys": (keys, store.dbsize()),
        "memory": (memory, store.info("memory")["used_memory"]),
    }


def ratio(page, static):
    """A page's req/s over the static file's; nan when the static file got no answer at all."""
    return page["rps"] / static["rps"] if static["rps"] else float("nan")


def print_table(size, figures, uncached, cached, bust, args):
    print()
    print(
        f"== {size} roles: gunicorn {args.workers} workers, concurrency {args.concurrency}, "
        f"{args.duration:g} s a measurement, production settings, PostgreSQL, gzip; "
        f"{os.cpu_count()} cores shared with other work (compare ratios within this run)"
    )
    header = (
        f"{'page':<31}{'queries':>8}{'KiB':>6}{'wire':>6}"
        f"{'uncached r/s':>13}{'p50':>7}{'p95':>7}{'ratio':>7}"
        f"{'cached r/s':>11}{'p50':>7}{'p95':>7}{'ratio':>7}{'errors':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, url in PAGES.items():
        f = figures[url]
        (u, us), (c, cs) = uncached[name], cached[name]
        errors = u["errors"] + us["errors"] + c["errors"] + cs["errors"]
        print(
            f"{pad(name, 31)}{f['queries']:>8}{f['bytes'] / 1024:>6.1f}{f['wire'] / 1024:>6.1f}"
            f"{u['rps']:>13.1f}{u['p50']:>7.0f}{u['p95']:>7.0f}{ratio(u, us):>7.3f}"
            f"{c['rps']:>11.1f}{c['p50']:>7.1f}{c['p95']:>7.1f}{ratio(c, cs):>7.3f}"
            f"{errors:>7}"
        )
    print(
        "KiB: HTML; wire: KiB sent with gzip; ratio: req/s ÷ req/s of a static file of the "
        "HTML's size from the same server; latencies in ms."
    )
    before, during = bust["before"], bust["during"]
    print(
        f"cache busting ({args.duration:g} s, {args.concurrency} flooding connections of one "
        f"client, UNCACHED_RATE={args.uncached_rate}): the other client's cached pages p50 "
        f"{before['p50']:.1f} ms before, {during['p50']:.1f} ms during "
        f"({during['p50'] / before['p50'] if before['p50'] else float('nan'):.2f}×), "
        f"p95 {before['p95']:.1f} → {during['p95']:.1f} ms, "
        f"errors {before['errors'] + during['errors']}; flood answers "
        f"{dict(sorted(bust['statuses'].items(), key=str))}; cache keys "
        f"{bust['keys'][0]} → {bust['keys'][1]}, Redis memory "
        f"{bust['memory'][0] / 2**20:.1f} → {bust['memory'][1] / 2**20:.1f} MiB"
    )
    front = bust.get("front")
    if front:
        before, during = front["before"], front["during"]
        print(
            f"  the same through nginx, {args.front_limit} connections per client "
            f"(docs/deploy.md): p50 {before['p50']:.1f} ms before, {during['p50']:.1f} ms during "
            f"({during['p50'] / before['p50'] if before['p50'] else float('nan'):.2f}×), "
            f"p95 {before['p95']:.1f} → {during['p95']:.1f} ms, "
            f"errors {before['errors'] + during['errors']}; flood answers "
            f"{dict(sorted(front['statuses'].items(), key=str))}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--sizes", default="45,5000", help="catalogue sizes to measure at")
    parser.add_argument("--uncached-rate", default="60/min", help="UNCACHED_RATE of the run")
    parser.add_argument("--database-url", help="use this database (catalogue loaded)")
    parser.add_argument(
        "--front-limit",
        type=int,
        default=2,
        help="the cache-busting scenario again through nginx with this many connections per "
        "client (docs/deploy.md), where nginx is installed; 0: not",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    cluster, database_url = None, args.database_url
    if database_url is None:
        cluster, database_url = start_cluster()
    static_root = make_static_root()
    redis_server = RedisServer()
    redis_server.start()
    env = production_env(
        database_url,
        STATIC_ROOT=str(static_root),
        # Index updates run inline while the catalogue is loaded; pages queue no tasks.
        TASKS_BACKEND="immediate",
        TRUSTED_PROXY_COUNT="1",
    )
    uncached_env = {**env, "PAGE_CACHE_SECONDS": "0"}
    cached_env = {**env, "REDIS_URL": redis_server.url, "UNCACHED_RATE": args.uncached_rate}
    try:
        if cluster is not None:
            prepare_site(env)
        else:
            manage(env, "collectstatic", "--noinput")
        # The servers' log (the flood's 429s are logged as warnings) goes to a file, not into
        # the table.
        server_log = tempfile.NamedTemporaryFile(
            "w", prefix="airoles-bench-server-", suffix=".log", delete=False
        )
        print(f"server log: {server_log.name}", flush=True)
        for size in sizes:
            existing = int(
                shell(env, "from roles.models import RolePage; print(RolePage.objects.count())")
            )
            if size > existing:
                print(f"generating {size - existing} synthetic roles…", flush=True)
                manage(env, "generate_roles", "--count", str(size - existing))
            figures = query_counts(uncached_env, PAGES.values())
            # Reference files: static files of the same size as each page, same server.
            write_reference_files(static_root, {figures[url]["bytes"] for url in PAGES.values()})
            runs = {}
            for label, run_env in (("uncached", uncached_env), ("cached", cached_env)):
                port = free_port()
                server = serve(run_env, port, args.workers, log=server_log)
                try:
                    runs[label] = measure_pages(port, figures, args)
                    if label == "cached":
                        bust = busting(port, redis_server.url, args)
                        if args.front_limit and shutil.which("nginx"):
                            front = Nginx(port, args.front_limit)
                            try:
                                bust["front"] = busting(front.port, redis_server.url, args)
                            finally:
                                front.stop()
                finally:
                    stop(server)
                print(f"measured {label} pages at {size} roles", flush=True)
            print_table(size, figures, runs["uncached"], runs["cached"], bust, args)
    finally:
        redis_server.stop()
        shutil.rmtree(redis_server.directory, ignore_errors=True)
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
