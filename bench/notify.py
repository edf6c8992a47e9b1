#!/usr/bin/env python
"""Notification benchmark: one new role announced to N confirmed subscribers through the real
worker (`manage.py db_worker`, PostgreSQL, database task backend) into a local SMTP sink.

Prints emails/s (first to last mail at the sink) and the worker's peak memory (VmHWM) for each
N; the memory should stay flat as N grows, since subscribers are streamed, never all loaded.
Prints figures only; never passes or fails on time.

    .venv/bin/python bench/notify.py [--sizes 1000,10000] [--workers 2]
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.postgres import Cluster, find_bin_dir, free_port  # noqa: E402

PYTHON = sys.executable
SETUP = """
import os
from django.db import transaction
from roles.models import (CompanyType, RoleCategoryPage, RoleCompanyType, RolePage, RoleSkill,
    Skill, Subscriber)
from roles.subscriptions.tasks import notify_new_role
count, n = int(os.environ["BENCH_SUBSCRIBERS"]), int(os.environ["BENCH_RUN"])
Subscriber.objects.all().delete()
Subscriber.objects.bulk_create(
    (Subscriber(email=f"reader{i}@example.com", status="confirmed") for i in range(count)),
    batch_size=2000,
)
category = RoleCategoryPage.objects.get(slug="data-engineering")
role = RolePage(title=f"基准岗位{n}", slug=f"bench-role-{n}", definition="基准。",
    skills_text="数据处理。", company_types_text="科技公司等。")
role.skill_links = [RoleSkill(skill=Skill.objects.get(slug="data-processing")),
    RoleSkill(skill=Skill.objects.get(slug="communication"))]
tech = CompanyType.objects.get(slug="tech-company")
role.company_type_links = [RoleCompanyType(company_type=tech)]
category.add_child(instance=role)
with transaction.atomic():
    role.save_revision().publish()  # its first publication queues notify_new_role
"""


class Sink:
    """Counts messages and notes when the first and the last arrived."""

    def __init__(self):
        self.count = 0
        self.first = self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        with self.lock:
            self.count += 1
            self.first = self.first or now
            self.last = now
        return "250 OK"


def peak_rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument(
        "--workers", type=int, default=1, help="task workers sending at once (default 1)"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per size, at most")
    args = parser.parse_args()

    cluster = Cluster(find_bin_dir())
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.start(),
        "DJANGO_SETTINGS_MODULE": "airoles.settings.production",
        "SECRET_KEY": "benchmark-only-not-secret",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }
    rows = []
    try:
        cluster.create_database()
        quiet = {"cwd": ROOT, "check": True, "stdout": subprocess.DEVNULL}
        setup_env = {**env, "TASKS_BACKEND": "immediate"}
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], env=setup_env, **quiet)
        subprocess.run([PYTHON, "manage.py", "load_catalogue"], env=setup_env, **quiet)
        for n, size in enumerate(int(s) for s in args.sizes.split(",")):
            subprocess.run(
                [PYTHON, "manage.py", "shell", "-c", SETUP],
                env={
                    **env,
                    "TASKS_BACKEND": "database",
                    "BENCH_SUBSCRIBERS": str(size),
                    "BENCH_RUN": str(n),
                },
                **quiet,
            )
            sink.count, sink.first, sink.last = 0, None, None
            started = time.perf_counter()
            # Workers that keep polling (not --batch, which exits on an empty queue): a helper
            # must still be there when the task that creates the deliveries queues its share.
            workers = [
                subprocess.Popen(
                    [PYTHON, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.1"],
                    env={**env, "TASKS_BACKEND": "database"},
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for _ in range(args.workers)
            ]
            peak = 0
            deadline = started + args.timeout
            while sink.count < size and time.perf_counter() < deadline:
                if all(worker.poll() is not None for worker in workers):
                    break
                peak = max([peak] + [peak_rss_kib(worker.pid) or 0 for worker in workers])
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            time.sleep(1)  # a mail sent twice would arrive now
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
            span = (sink.last - sink.first) if sink.count > 1 else float("nan")
            rows.append((size, sink.count, sink.count / span, elapsed, peak / 1024))
            print(f"measured {size} subscribers", flush=True)
    finally:
        controller.stop()
        cluster.stop()

    print()
    print(
        f"one new role → N confirmed subscribers; {args.workers} × db_worker, PostgreSQL, SMTP sink"
    )
    print(
        f"{'subscribers':>12}{'mails':>8}{'mails/s':>10}{'until last':>11}{'peak RSS MiB':>14}"
        "  (per worker)"
    )
    for size, count, rate, elapsed, peak in rows:
        print(f"{size:>12}{count:>8}{rate:>10.1f}{elapsed:>11.1f}{peak:>14.1f}")


if __name__ == "__main__":
    main()
