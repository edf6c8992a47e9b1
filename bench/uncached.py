#!/usr/bin/env python
"""Where an uncached request's time goes: each public page kind rendered in process by Django's
test client with production settings and the page cache off (PAGE_CACHE_SECONDS=0), timed, its
SQL queries counted and timed, and the time spent rendering templates measured with cProfile.
Prints figures; never passes or fails.

    .venv/bin/python bench/uncached.py [--roles 45] [--requests 20] [--top 0] [URL ...]

Without --database-url it starts a throwaway PostgreSQL cluster and loads the catalogue (plus
synthetic roles up to --roles); with it, it profiles that database as it is.
"""

import argparse
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import time

from common import (
    PYTHON,
    ROOT,
    make_static_root,
    manage,
    prepare_site,
    production_env,
    shell,
    start_cluster,
)

PAGES = {
    "listing": "/roles/",
    "listing, filtered": "/roles/?company_type=financial-institution&skill=python",
    "company type page": "/company-types/financial-institution/",
    "category page": "/tech-rnd/",
    "role page": "/tech-rnd/prompt-engineer/",
    "home": "/",
    "match 5 skills": "/match/?skill=python&skill=statistics&skill=data-analysis"
    "&skill=communication&skill=project-management",
    "compare 4 roles": "/compare/?roles=machine-learning-engineer,data-scientist,data-engineer,"
    "ai-data-analyst",
    "skill page": "/skills/python/",
}


def inner(urls, requests, top):
    """Runs in a process with the benchmark's environment."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()

    from django.db import connection
    from django.test import Client

    timings = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append(time.perf_counter() - started)

    client = Client(HTTP_HOST="127.0.0.1")
    figures = {}
    for url in urls:
        for _ in range(3):  # warm the per-process caches, as a running server has them
            client.get(url)
        timings.clear()
        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            for _ in range(requests):
                response = client.get(url)
        elapsed = (time.perf_counter() - started) / requests
        queries, sql = len(timings) // requests, sum(timings) / requests
        # cProfile slows Python several times over: it gives the shares, the timing above the ms.
        profile = cProfile.Profile()
        profiled = time.perf_counter()
        profile.enable()
        for _ in range(max(1, requests // 2)):
            client.get(url)
        profile.disable()
        profiled = time.perf_counter() - profiled
        stats = pstats.Stats(profile, stream=sys.stderr)
        render = 0.0
        for (filename, _line, name), row in stats.stats.items():
            # The outermost template render: Template.render in django/template/backends.
            if name == "render" and filename.endswith("django/template/backends/django.py"):
                render += row[3]  # cumulative
        figures[url] = {
            "status": response.status_code,
            "bytes": len(response.content),
            "ms": elapsed * 1000,
            "queries": queries,
            "sql_ms": sql * 1000,
            "render_share": render / profiled,
        }
        if top:
            print(f"\n== {url}", file=sys.stderr)
            stats.sort_stats("cumulative").print_stats(top)
    print(json.dumps(figures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--roles", type=int, default=45)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--database-url")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    urls = args.urls or list(PAGES.values())
    if args.inner:
        return inner(urls, args.requests, args.top)

    cluster = None
    database_url = args.database_url
    if database_url is None:
        cluster, database_url = start_cluster()
    static_root = os.environ.get("STATIC_ROOT") or make_static_root()
    env = production_env(
        database_url,
        PAGE_CACHE_SECONDS="0",
        TASKS_BACKEND="immediate",
        STATIC_ROOT=str(static_root),
    )
    env["ALLOWED_HOSTS"] += ",testserver"
    try:
        if cluster is not None:
            prepare_site(env)
        elif not os.environ.get("STATIC_ROOT"):
            manage(env, "collectstatic", "--noinput")
        existing = int(
            shell(env, "from roles.models import RolePage; print(RolePage.objects.count())")
        )
        if args.roles > existing:
            manage(env, "generate_roles", "--count", str(args.roles - existing))
        out = subprocess.run(
            [PYTHON, __file__, "--inner", "--requests", str(args.requests), "--top",
             str(args.top), *urls],
            cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True,
        ).stdout  # fmt: skip
    finally:
        if cluster is not None:
            cluster.stop()
        if not os.environ.get("STATIC_ROOT"):
            shutil.rmtree(static_root, ignore_errors=True)
    figures = json.loads(out.strip().splitlines()[-1])
    names = {url: name for name, url in PAGES.items()}
    print(
        f"{'page':<20}{'status':>7}{'KiB':>7}{'ms':>8}{'queries':>8}{'SQL ms':>8}{'render %':>10}"
    )
    for url, f in figures.items():
        print(
            f"{names.get(url, url)[:19]:<20}{f['status']:>7}{f['bytes'] / 1024:>7.1f}"
            f"{f['ms']:>8.1f}{f['queries']:>8}{f['sql_ms']:>8.1f}{f['render_share'] * 100:>10.0f}"
        )
    print(
        f"\nin process, production settings, page cache off, {args.requests} requests each; "
        f"{os.cpu_count()} cores (shared with other work: compare figures within one run)"
    )


if __name__ == "__main__":
    main()
