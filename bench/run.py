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
import os
import shutil

from common import (
    free_port,
    load,
    make_static_root,
    manage,
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--sizes", default="45,5000", help="catalogue sizes to measure at")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    cluster, database_url = start_cluster()
    static_root = make_static_root()
    env = production_env(
        database_url,
        STATIC_ROOT=str(static_root),
        # Index updates run inline while the catalogue is loaded; pages queue no tasks.
        TASKS_BACKEND="immediate",
    )
    results = {}
    try:
        prepare_site(env)
        for size in sizes:
            existing = int(
                shell(env, "from roles.models import RolePage; print(RolePage.objects.count())")
            )
            if size > existing:
                print(f"generating {size - existing} synthetic roles…", flush=True)
                manage(env, "generate_roles", "--count", str(size - existing))
            figures = query_counts(env, PAGES.values())
            # Reference files: static files of the same size as each page, same server.
            write_reference_files(static_root, {figures[url]["bytes"] for url in PAGES.values()})
            port = free_port()
            server = serve(env, port, args.workers)
            try:
                for name, url in PAGES.items():
                    load(port, url, 1, args.concurrency)  # warm up
                    page = load(port, url, args.duration, args.concurrency)
                    static = load(
                        port,
                        reference_url(figures[url]["bytes"]),
                        args.duration,
                        args.concurrency,
                    )
                    results[(name, size)] = {**figures[url], "page": page, "static": static}
                    print(f"measured {name} at {size} roles", flush=True)
            finally:
                stop(server)
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
