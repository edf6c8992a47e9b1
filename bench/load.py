#!/usr/bin/env python
"""Load benchmark: mixed traffic over the public pages under gunicorn (several workers,
production settings, PostgreSQL with the catalogue), run twice: with the page cache off
(PAGE_CACHE_SECONDS=0) and with the production default.

For each page: requests/s and p50/p95/p99 latency within the mix, errors (anything but a 200),
and the ratio of the page's requests/s measured alone to that of a static file of the same size
served by the same gunicorn in the same run (the figure to compare across machines). Prints
figures; never passes or fails on time. Starts its own throwaway PostgreSQL cluster and gunicorn
on 127.0.0.1, and stops both.

    .venv/bin/python bench/load.py [--duration 60] [--concurrency 32] [--workers 4]
        [--threads 1] [--ratio-duration 3] [--runs uncached,cached]
"""

import argparse
import os
import shutil
import statistics
import time
from urllib.parse import quote

from common import (
    fetch,
    free_port,
    load,
    make_static_root,
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
    write_reference_files,
)

API_URL = "/api/v3/roles/"
PAGES = {
    "listing": ["/roles/"],
    "filter company_type": [
        "/roles/?company_type=financial-institution",
        "/roles/?company_type=tech-company",
    ],
    "filter category": ["/roles/?category=data-engineering", "/roles/?category=tech-rnd"],
    "filter skill": ["/roles/?skill=python", "/roles/?skill=python&skill=statistics"],
    "filter threshold": ["/roles/?threshold=high", "/roles/?threshold=moderate"],
    "role page": [],  # every role, filled in from the database
    "compare": [
        "/compare/?roles=machine-learning-engineer,data-scientist,data-engineer,ai-data-analyst",
        "/compare/?roles=prompt-engineer,ai-product-manager",
    ],
    "finder": [
        "/match/?background=programming&skill=python&skill=statistics&company_type=tech-company",
        "/match/?background=mathematics&skill=data-analysis",
    ],
    "search 数据": [f"/roles/?q={quote('数据')}"],
    "feed": ["/feeds/roles/"],
    "api": [API_URL],
}
RUNS = {
    # The lead's page cache reads PAGE_CACHE_SECONDS: 0 turns it off, unset means the default.
    "uncached": {"PAGE_CACHE_SECONDS": "0"},
    "cached": {},
}
CACHE_HEADERS = ("age", "x-cache", "expires")


def discover_pages(env):
    """PAGES with every role's URL, without the API if it is not there; and the query count,
    status and size of each URL."""
    pages = {name: list(urls) for name, urls in PAGES.items()}
    pages["role page"] = shell(
        env,
        "from roles.models import RolePage; "
        "print(' '.join(r.url for r in RolePage.objects.live().order_by('path')))",
    ).split()
    counted = query_counts(env, [url for urls in pages.values() for url in urls])
    if counted[API_URL]["status"] != 200:
        print(f"api {API_URL}: skipped: not present (status {counted[API_URL]['status']})")
        del pages["api"]
    return pages, counted


def cache_evidence(port, pages):
    """Which pages answer a second request with signs of a cache (Age, X-Cache, Expires, or a
    public max-age)."""
    seen = {}
    for name, urls in pages.items():
        fetch(port, urls[0])
        _status, headers, _body = fetch(port, urls[0])
        found = {h: headers[h] for h in CACHE_HEADERS if h in headers}
        control = headers.get("cache-control", "")
        if "max-age" in control or "public" in control:
            found["cache-control"] = control
        if found:
            seen[name] = found
    return seen


def measure(env, pages, sizes, args):
    port = free_port()
    server = serve(env, port, args.workers, args.threads)
    try:
        mixed_load(port, pages, 3, args.concurrency)  # warm up every worker
        evidence = cache_evidence(port, pages)
        mix = mixed_load(port, pages, args.duration, args.concurrency)
        alone = {}
        for name, urls in pages.items():
            page = load(port, urls[0], args.ratio_duration, args.concurrency)
            static = load(port, reference_url(sizes[name]), args.ratio_duration, args.concurrency)
            alone[name] = (page, static)
        return mix, alone, evidence
    finally:
        stop(server)


def print_run(label, mix, alone, evidence, figures, args):
    total_rps = sum(r["rps"] for r in mix.values())
    total_errors = sum(r["errors"] for r in mix.values())
    total_errors += sum(p["errors"] + s["errors"] for p, s in alone.values())
    print()
    print(
        f"== {label}: {args.duration:g} s of mixed traffic, concurrency {args.concurrency}, "
        f"gunicorn {args.workers} workers"
        + (f" × {args.threads} threads" if args.threads > 1 else "")
        + f"; alone and static: {args.ratio_duration:g} s each"
    )
    header = (
        f"{'page':<21}{'URLs':>5}{'queries':>8}{'KiB':>6}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'p99 ms':>8}{'errors':>7}{'alone':>8}{'static':>8}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, r in mix.items():
        page, static = alone[name]
        f = figures[name]
        print(
            f"{pad(name, 21)}{f['urls']:>5}{f['queries']:>8}{f['bytes'] / 1024:>6.1f}"
            f"{r['rps']:>8.1f}"
            f"{r['p50']:>8.1f}{r['p95']:>8.1f}{r['p99']:>8.1f}"
            f"{r['errors'] + page['errors'] + static['errors']:>7}"
            f"{page['rps']:>8.1f}{static['rps']:>8.1f}{page['rps'] / static['rps']:>7.3f}"
        )
    print("-" * len(header))
    print(f"{'all pages':<48}{total_rps:>8.1f}{'':>24}{total_errors:>7}")
    print(f"errors: {total_errors}")
    for name, r in mix.items():
        if r["error_kinds"]:
            print(f"  {name}: {dict(r['error_kinds'])}")
    if evidence:
        print("cache headers seen:", "; ".join(f"{n}: {h}" for n, h in evidence.items()))
    else:
        print(
            "cache headers seen: none (no Age, X-Cache, Expires or public max-age): "
            "no page cache is active in this run"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of mixed traffic")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="> 1: gthread workers")
    parser.add_argument(
        "--ratio-duration", type=float, default=3.0, help="seconds for each page alone and static"
    )
    parser.add_argument("--runs", default="uncached,cached")
    args = parser.parse_args()
    runs = args.runs.split(",")

    started = time.monotonic()
    cluster, database_url = start_cluster()
    static_root = make_static_root()
    env = production_env(
        database_url,
        STATIC_ROOT=str(static_root),
        TASKS_BACKEND="immediate",
        # Every client here is one address: the per-client limit on uncached renders would
        # answer most of the mixed traffic with 429s (bench/run.py measures that limit).
        UNCACHED_RATE="",
        UNCACHED_CONCURRENCY="0",
    )
    env.pop("PAGE_CACHE_SECONDS", None)
    results = []
    try:
        prepare_site(env)
        pages, counted = discover_pages(env)
        figures, sizes = {}, {}
        for name, name_urls in pages.items():
            sizes[name] = round(statistics.mean(counted[u]["bytes"] for u in name_urls))
            figures[name] = {
                "urls": len(name_urls),
                "queries": counted[name_urls[0]]["queries"],
                "bytes": sizes[name],
            }
        write_reference_files(static_root, sizes.values())
        for label in runs:
            print(f"measuring {label}…", flush=True)
            results.append((label, *measure({**env, **RUNS[label]}, pages, sizes, args)))
    finally:
        cluster.stop()
        shutil.rmtree(static_root, ignore_errors=True)

    print(f"\nproduction settings, PostgreSQL, the catalogue's 45 roles; {os.cpu_count()} cores")
    for label, mix, alone, evidence in results:
        print_run(label, mix, alone, evidence, figures, args)
    print(
        "\nreq/s, p50/p95/p99: within the mix (each client draws a page at random, then one of its"
        "\nURLs); alone: the page's first URL by itself; static: a static file of the page's mean"
        "\nsize from the same gunicorn; ratio = alone ÷ static. queries: the first URL, uncached."
    )
    print(f"total time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
