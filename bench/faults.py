#!/usr/bin/env python
"""Fault benchmark: PostgreSQL, then Redis, stopped for 10 s under traffic, subscriptions and
notifications.

gunicorn (production settings) and two task workers (`manage.py task_worker`) run on a throwaway
PostgreSQL cluster with the catalogue; mail goes to an SMTP sink on loopback. Clients browse the
public pages while another stream of visitors subscribes (the form, then a POST) and confirms
through the link in the confirmation mail. A role is published just before PostgreSQL is
stopped (`pg_ctl stop -m fast`), the database is started again on the same data and port, and
another role is published after. Reports the status codes answered during the outage, the
seconds to the first 200 once the database is back, whether every subscription that was answered
with success exists, and, for both roles, whether each confirmed subscriber got exactly one mail
(the delivery ledger and the sink, compared).

The app servers and workers share a throwaway redis-server (REDIS_URL, the production cache).
After the database phase Redis is stopped for `--redis-outage` seconds under the same traffic
and started again, empty, on the same port: the report gives the status codes per page while it
was down (the cache is an optimisation: no 503 is expected), latencies and page-cache hits before,
during and after, what /healthz said, and how soon pages were cached again. Prints figures;
never passes or fails.

    .venv/bin/python bench/faults.py [--before 15] [--outage 10] [--after 20]
        [--redis-before 10] [--redis-outage 10] [--redis-after 15] [--phases postgres,redis]
        [--concurrency 8] [--subscribers 200] [--workers 4]
"""

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from common import (
    RedisServer,
    SmtpSink,
    fetch,
    free_port,
    pad,
    percentile,
    prepare_site,
    production_env,
    serve,
    shell,
    start_cluster,
    stop,
    worker,
)
from load import discover_pages

FRIENDLY = "请稍后再试".encode()
CONFIRM_SUBJECT = "请确认订阅 · AI岗位图谱"
CONFIRM_LINK = re.compile(r"https?://[^\s/]+(/subscribe/confirm/[^\s/]+/)")
REQUEUED = re.compile(r"requeued (\d+) interrupted")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

SUBSCRIBERS = """
from roles.models import Subscriber
from django.utils import timezone
n = {count}
Subscriber.objects.bulk_create(
    Subscriber(email=f"reader{{i}}@example.com", status="confirmed", confirmed_at=timezone.now())
    for i in range(n)
)
print(n)
"""
PUBLISH = """
from django.db import transaction
from roles.models import CompanyType, RoleCategoryPage, RoleCompanyType, RolePage, RoleSkill, Skill
category = RoleCategoryPage.objects.get(slug="data-engineering")
role = RolePage(title="{title}", slug="{slug}", definition="故障演练岗位。",
    skills_text="数据处理。", company_types_text="科技公司等。")
role.skill_links = [RoleSkill(skill=Skill.objects.get(slug="data-processing"))]
tech = CompanyType.objects.get(slug="tech-company")
role.company_type_links = [RoleCompanyType(company_type=tech)]
category.add_child(instance=role)
with transaction.atomic():
    role.save_revision().publish()  # its first publication queues notify_new_role
print(RolePage.objects.get(pk=role.pk).first_published_at.timestamp())
"""
REPORT = """
import json
from roles.models import Delivery, RolePage, Subscriber
roles = {{}}
for slug in {slugs!r}:
    role = RolePage.objects.get(slug=slug)
    roles[slug] = {{
        "title": role.title,
        "published": role.first_published_at.timestamp(),
        "ledger": list(Delivery.objects.filter(role=role)
            .values_list("subscriber__email", "status", "attempts")),
    }}
subscribers = {{
    email: [status, confirmed.timestamp() if confirmed else None]
    for email, status, confirmed
    in Subscriber.objects.values_list("email", "status", "confirmed_at")
}}
pending = Delivery.objects.filter(status="pending").count()
print(json.dumps({{"roles": roles, "subscribers": subscribers, "pending": pending}}))
"""


class Timeline:
    """Every answer: (started, finished, kind, status, friendly 503 page, X-Cache)."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.events = []
        self.lock = threading.Lock()

    def now(self):
        return time.monotonic() - self.t0

    def request(self, port, kind, path, **options):
        started = self.now()
        try:
            status, headers, body = fetch(port, path, timeout=30, **options)
        except OSError as error:
            status, headers, body = type(error).__name__, {}, b""
        with self.lock:
            self.events.append(
                (started, self.now(), kind, status, FRIENDLY in body, headers.get("x-cache"))
            )
        return status, headers, body


def browse(timeline, port, pages, stop_event, n):
    import random

    rng = random.Random(n)
    names = list(pages)
    while not stop_event.is_set():
        name = rng.choice(names)
        timeline.request(port, name, rng.choice(pages[name]))


def subscribe(timeline, port, stop_event, answered):
    n = 0
    while not stop_event.is_set():
        n += 1
        email = f"visitor{n}@example.com"
        status, headers, body = timeline.request(port, "subscribe form", "/subscribe/")
        if status == 200:
            token = CSRF_FIELD.search(body.decode()).group(1)
            cookie = headers["set-cookie"].split(";")[0]
            form = urlencode(
                {"email": email, "frequency": "immediate", "csrfmiddlewaretoken": token}
            )
            status, headers, _body = timeline.request(
                port,
                "subscribe post",
                "/subscribe/",
                method="POST",
                body=form,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )
            if status == 302 and headers.get("location") == "/subscribe/sent/":
                answered.append(email)
        time.sleep(0.3)


def confirm(timeline, port, sink, stop_event, confirmed):
    """Follow the link in each confirmation mail and press its button (the link's page asks
    before it confirms); retry the ones that fail."""
    done = set()
    while not stop_event.is_set() or len(done) < len(confirmations(sink)):
        for to, path in confirmations(sink):
            if to in done:
                continue
            status, headers, body = timeline.request(port, "confirm link", path)
            if status != 200:
                continue
            token = CSRF_FIELD.search(body.decode()).group(1)
            status, _headers, _body = timeline.request(
                port,
                "confirm post",
                path,
                method="POST",
                body=urlencode({"csrfmiddlewaretoken": token}),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": headers["set-cookie"].split(";")[0],
                },
            )
            if status == 200:
                done.add(to)
                confirmed[to] = timeline.now()
        if stop_event.is_set() and time.monotonic() > stop_event.deadline:
            break
        time.sleep(0.2)


def confirmations(sink):
    found = []
    for message in list(sink.messages):
        if message["Subject"] == CONFIRM_SUBJECT:
            text = message.get_body(preferencelist=("plain",)).get_content()
            found.append((message["To"], urlsplit(CONFIRM_LINK.search(text).group(0)).path))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=float, default=15.0, help="seconds before the outage")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds without PostgreSQL")
    parser.add_argument("--after", type=float, default=20.0, help="seconds after it")
    parser.add_argument("--redis-before", type=float, default=10.0, help="seconds before")
    parser.add_argument("--redis-outage", type=float, default=10.0, help="seconds without Redis")
    parser.add_argument("--redis-after", type=float, default=15.0, help="seconds after it")
    parser.add_argument(
        "--phases", default="postgres,redis", help="which outages, in order: postgres,redis"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="browsing clients")
    parser.add_argument("--subscribers", type=int, default=200, help="confirmed beforehand")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()
    phases = {phase.strip() for phase in args.phases.split(",") if phase.strip()}

    logs = Path(tempfile.mkdtemp(prefix="airoles-faults-"))
    redis = RedisServer()
    redis.start()
    cluster, database_url = start_cluster()
    port = free_port()
    marks = {}
    health = {}
    answered, confirmed = [], {}
    with SmtpSink() as sink:
        env = production_env(
            database_url,
            EMAIL_URL=sink.url,
            SITE_URL=f"http://127.0.0.1:{port}",
            TASKS_BACKEND="database",
            REDIS_URL=redis.url,
            # Every client here is one address: the per-client limit on uncached renders would
            # answer most of the traffic with 429s (bench/run.py measures that limit).
            UNCACHED_RATE="",
            UNCACHED_CONCURRENCY="0",
        )
        processes = []
        stop_event = threading.Event()
        stop_event.deadline = float("inf")
        try:
            prepare_site(env)
            shell(env, SUBSCRIBERS.format(count=args.subscribers))
            pages, _counted = discover_pages(env)
            processes.append(serve(env, port, args.workers, log=open(logs / "gunicorn.log", "w")))
            for i in (1, 2):
                processes.append(worker(env, f"faults-w{i}", log=open(logs / f"w{i}.log", "w")))

            timeline = Timeline()
            threads = [
                threading.Thread(target=browse, args=(timeline, port, pages, stop_event, n))
                for n in range(args.concurrency)
            ]
            threads.append(
                threading.Thread(target=subscribe, args=(timeline, port, stop_event, answered))
            )
            threads.append(
                threading.Thread(target=confirm, args=(timeline, port, sink, stop_event, confirmed))
            )
            for thread in threads:
                thread.daemon = True  # an error in the main thread ends the run
                thread.start()

            def publish(slug, title):
                shell(env, PUBLISH.format(slug=slug, title=title))
                mark(f"published {slug}")

            def mark(name):
                marks[name] = timeline.now()
                print(f"{marks[name]:6.1f} s  {name}", file=sys.stderr, flush=True)

            def healthz(label):
                _status, _headers, body = fetch(port, "/healthz")
                health[label] = (round(timeline.now(), 1), _status, body.decode().strip())

            time.sleep(max(0.0, args.before - 4))
            publish("faults-before", "故障前岗位")  # takes a few seconds: Django starts
            time.sleep(max(0.0, args.before - timeline.now()))
            if "postgres" in phases:
                mark("stop")
                cluster.stop_server("fast")
                mark("stopped")
                time.sleep(args.outage)
                mark("start")
                cluster.start_server()
                mark("started")
            time.sleep(args.after / 3)
            publish("faults-after", "故障后岗位")
            time.sleep(max(0.0, marks.get("started", 0.0) + args.after - timeline.now()))
            if "redis" in phases:
                mark("redis phase")
                time.sleep(args.redis_before)
                healthz("before")
                mark("redis stop")
                redis.stop()
                mark("redis stopped")
                time.sleep(min(2.0, args.redis_outage / 2))
                healthz("during")
                time.sleep(max(0.0, marks["redis stopped"] + args.redis_outage - timeline.now()))
                mark("redis start")
                redis.start()
                mark("redis started")
                time.sleep(args.redis_after)
                healthz("after")
            stop_event.deadline = time.monotonic() + 30
            stop_event.set()
            for thread in threads:
                thread.join()
            # Let the workers finish what is owed.
            deadline = time.monotonic() + 60
            report = json.loads(shell(env, REPORT.format(slugs=["faults-before", "faults-after"])))
            while report["pending"] and time.monotonic() < deadline:
                time.sleep(1)
                report = json.loads(
                    shell(env, REPORT.format(slugs=["faults-before", "faults-after"]))
                )
            time.sleep(1)
        finally:
            stop_event.set()
            for process in processes:
                stop(process)
            cluster.stop()
            redis.stop()

    if "postgres" in phases:
        print_report(args, timeline, marks, answered, confirmed, report, sink, logs)
    if "redis" in phases:
        print_redis_report(args, timeline, marks, health)


def print_report(args, timeline, marks, answered, confirmed, report, sink, logs):
    events = sorted(e for e in timeline.events if e[0] < marks.get("redis phase", float("inf")))
    down, up = marks["stop"], marks["started"]
    print()
    print(
        f"PostgreSQL stopped (pg_ctl stop -m fast) at {marks['stop']:.1f} s, down at "
        f"{marks['stopped']:.1f} s, started at {marks['start']:.1f} s, ready at {up:.1f} s; "
        f"{args.concurrency} browsing clients, one subscriber stream, "
        f"gunicorn {args.workers} workers, 2 task workers"
    )
    print(f"{'phase':<34}{'requests':>9}  status codes")
    phases = [
        ("before the outage", lambda s, f: f < down),
        ("during (answered while stopped)", lambda s, f: s >= down and f <= up),
        ("across (began before, ended after)", lambda s, f: s < down <= f or s < up < f),
        ("after the database is back", lambda s, f: s >= up),
    ]
    for label, where in phases:
        codes = Counter(status for s, f, _k, status, _fr, _x in events if where(s, f))
        print(f"{label:<34}{sum(codes.values()):>9}  {dict(sorted(codes.items(), key=str))}")
    outage = [e for e in events if e[0] >= down and e[1] <= up]
    unfriendly = [e for e in outage if e[3] == 503 and not e[4]]
    errors_500 = [e for e in events if e[3] == 500]
    print(f"503 answers during the outage without the friendly page: {len(unfriendly)}")
    print(f"500 answers in the whole run: {len(errors_500)}")
    by_kind = Counter(kind for _s, _f, kind, status, _fr, _x in outage if status == 503)
    print("503 during the outage by page:", dict(by_kind))
    first_ok = next((e for e in events if e[0] >= up and e[3] == 200), None)
    print(
        "recovery: first 200 begun after the database was ready: "
        + (f"{first_ok[1] - up:.2f} s after it was ready" if first_ok else "none")
    )
    last_bad = max((e[1] for e in events if e[0] >= up and e[3] not in (200, 302)), default=None)
    print(
        "last error answer begun after the database was ready: "
        + (f"{last_bad - up:.2f} s after" if last_bad is not None else "none")
    )

    subscribers = report["subscribers"]
    missing = [email for email in answered if email not in subscribers]
    print()
    print(
        f"subscriptions answered with success: {len(answered)}; missing afterwards: "
        f"{len(missing)}; confirmed by link: {len(confirmed)}"
    )
    not_confirmed = [e for e in confirmed if subscribers.get(e, [None])[0] != "confirmed"]
    print(f"confirm links answered 200 but subscriber not confirmed: {len(not_confirmed)}")

    print()
    header = (
        f"{'role':<16}{'published at':>13}{'owed':>6}{'ledger':>8}{'sent':>6}{'mails':>7}"
        f"{'lost':>6}{'dup':>5}{'extra':>7}{'retried':>9}"
    )
    print(header)
    print("-" * len(header))
    for slug, role in report["roles"].items():
        published = role["published"]
        owed = {
            email
            for email, (status, when) in subscribers.items()
            if status == "confirmed" and when is not None and when < published
        }
        ledger = {email: (status, attempts) for email, status, attempts in role["ledger"]}
        mails = Counter(
            m["To"] for m in sink.messages if m["Subject"].startswith(f"新岗位：{role['title']}")
        )
        lost = owed - set(mails)
        duplicated = [email for email, count in mails.items() if count > 1]
        extra = set(mails) - set(ledger)
        sent = sum(1 for status, _a in ledger.values() if status == "sent")
        retried = sum(1 for _s, attempts in ledger.values() if attempts > 1)
        at = marks.get(f"published {slug}", float("nan"))
        print(
            f"{pad(slug, 16)}{at:>12.1f}s{len(owed):>6}{len(ledger):>8}{sent:>6}"
            f"{sum(mails.values()):>7}{len(lost):>6}{len(duplicated):>5}{len(extra):>7}"
            f"{retried:>9}"
        )
    print(f"deliveries still pending at the end: {report['pending']}")
    for log in sorted(logs.glob("w*.log")):
        lines = log.read_text().splitlines()
        waits = sum("database unavailable" in line for line in lines)
        requeued = sum(int(m.group(1)) for m in map(REQUEUED.search, lines) if m)
        print(f"task worker {log.stem}: waited out {waits} database errors, requeued {requeued}")
    print(
        "\nowed: subscribers confirmed before the role's first publication; ledger: Delivery rows;"
        "\nmails: messages at the sink; lost: owed but no mail; dup: more than one mail;"
        f"\nextra: a mail with no ledger row. Logs: {logs}"
    )


def print_redis_report(args, timeline, marks, health):
    start = marks["redis phase"]
    events = sorted(e for e in timeline.events if e[0] >= start)
    down, up = marks["redis stop"], marks["redis started"]
    print()
    print(
        f"Redis stopped at {down:.1f} s (down at {marks['redis stopped']:.1f} s), started again "
        f"(empty) at {marks['redis start']:.1f} s, ready at {up:.1f} s; the same traffic"
    )
    phases = [
        ("before the Redis outage", lambda s, f: f < down),
        ("during (answered while stopped)", lambda s, f: s >= down and f <= up),
        ("across (began before, ended after)", lambda s, f: s < down <= f or s < up < f),
        ("after Redis is back", lambda s, f: s >= up),
    ]
    columns = f"{'requests':>9}{'p50 ms':>8}{'p95 ms':>8}{'uncached p50':>13}{'X-Cache HIT':>12}"
    print(f"{'phase':<36}{columns}  status codes")
    for label, where in phases:
        chosen = [e for e in events if where(e[0], e[1])]
        codes = Counter(e[3] for e in chosen)
        times = sorted((e[1] - e[0]) * 1000 for e in chosen)
        # Rendered pages only (not from the cache): what an outage costs beyond lost hits.
        rendered = sorted((e[1] - e[0]) * 1000 for e in chosen if e[3] == 200 and e[5] != "HIT")
        hits = sum(1 for e in chosen if e[5] == "HIT")
        share = f"{hits / len(chosen):.0%}" if chosen else "-"
        print(
            f"{label:<36}{len(chosen):>9}{percentile(times, 0.5):>8.0f}"
            f"{percentile(times, 0.95):>8.0f}{percentile(rendered, 0.5):>13.0f}{share:>12}"
            f"  {dict(sorted(codes.items(), key=str))}"
        )
    during = [e for e in events if e[0] >= down and e[1] <= up]
    print("status codes per page while Redis was down:")
    for kind in sorted({e[2] for e in during}):
        chosen = [e for e in during if e[2] == kind]
        codes = Counter(e[3] for e in chosen)
        slowest = max((e[1] - e[0]) * 1000 for e in chosen)
        print(f"  {pad(kind, 24)}{len(chosen):>6}  slowest {slowest:>6.0f} ms  {dict(codes)}")
    print(f"503 answers while Redis was down: {sum(1 for e in during if e[3] == 503)}")
    print(f"500 answers in the Redis phase: {sum(1 for e in events if e[3] == 500)}")
    first_hit = next((e for e in events if e[0] >= up and e[5] == "HIT"), None)
    print(
        "recovery: first page served from the cache after Redis was ready: "
        + (f"{first_hit[1] - up:.2f} s after" if first_hit else "none")
    )
    for label in ("before", "during", "after"):
        if label in health:
            at, status, body = health[label]
            print(f"/healthz {label:<7} (at {at:.1f} s): {status} {body!r}")


if __name__ == "__main__":
    main()
