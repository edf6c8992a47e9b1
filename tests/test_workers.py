"""The delivery ledger under real `manage.py db_worker` processes on PostgreSQL: two workers at
once, and a worker killed mid-batch."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.models import Max
from django.utils.timezone import now

from roles.choices import DeliveryStatus, SubscriberStatus
from roles.management.commands import task_worker
from roles.models import Delivery, RolePage, Subscriber
from roles.subscriptions import notifications
from roles.subscriptions.tasks import notify_new_role, send_deliveries

from .postgres import Cluster, find_bin_dir

ROOT = Path(__file__).resolve().parent.parent
WORKER_OPTIONS = ["--no-startup-delay", "--interval", "0.2"]
LEASE = 2  # seconds the task_worker processes here lease what they claim (DELIVERY_LEASE_SECONDS)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")


def worker(smtp_server, tmp_path, name, *args, **settings):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "airoles.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_URL": smtp_server.url,
        "TASKS_BACKEND": "database",
        **settings,
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--backend", "database", *WORKER_OPTIONS, *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def confirmed_readers(count):
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{i}@example.com", status=SubscriberStatus.CONFIRMED)
        for i in range(count)
    )


def owed(count):
    """`count` confirmed subscribers, each owed a mail about one role."""
    role = RolePage.objects.get(slug="data-scientist")
    confirmed_readers(count)
    notifications.create_role_deliveries(role)
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == count
    return role


def assert_each_sent_once(smtp_server, count):
    recipients = [message["To"] for message in smtp_server.messages]
    assert len(recipients) == count, sorted(recipients)
    assert len(set(recipients)) == count  # nobody twice
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == count


def test_two_workers_at_once_never_send_a_delivery_twice_even_after_a_failure(
    postgres, committed_catalogue, smtp_server, tmp_path
):
    role = owed(40)
    smtp_server.rcpt_delay = 0.05
    smtp_server.fail_first = 1  # and the SMTP server refuses the first attempt
    notify_new_role.using(backend="database").enqueue(role.pk)
    send_deliveries.using(backend="database").enqueue()
    send_deliveries.using(backend="database").enqueue()
    workers = [worker(smtp_server, tmp_path, f"w{i}", "--batch") for i in range(2)]
    for process in workers:
        assert process.wait(timeout=120) == 0, (tmp_path / "w0.log").read_text()
    assert_each_sent_once(smtp_server, 40)
    sent_by = {message["Message-ID"] for message in smtp_server.messages}
    assert len(sent_by) == 40
    retried = Delivery.objects.get(attempts=2)
    assert "451" in retried.last_error and retried.status == DeliveryStatus.SENT


def test_a_large_run_is_shared_by_two_workers_and_each_mail_goes_once(
    postgres, committed_catalogue, smtp_server, tmp_path, settings
):
    """A new role owed to many subscribers: its task queues a send task for a second worker
    (DELIVERY_SENDERS = 2), and both send, each over its own SMTP connection."""
    assert settings.DELIVERY_SENDERS == 2
    role = RolePage.objects.get(slug="data-scientist")
    confirmed_readers(200)
    smtp_server.rcpt_delay = 0.01  # a run of a second or two: time for the helper to join
    notify_new_role.using(backend="database").enqueue(role.pk)
    workers = [worker(smtp_server, tmp_path, f"w{i}") for i in range(2)]
    try:
        assert smtp_server.wait_for(200, timeout=120) == 200
        time.sleep(0.5)  # a mail sent twice would arrive now
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=30)
    assert_each_sent_once(smtp_server, 200)
    connections = {message.peer for message in smtp_server.messages}
    assert len(connections) == 2, (tmp_path / "w1.log").read_text()


def test_only_rows_no_other_worker_holds_count_as_unclaimed(postgres, committed_catalogue):
    owed(60)
    assert notifications.unclaimed_due()
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with psycopg.connect(url, autocommit=True) as other:  # another worker's session
        other.execute(
            "SELECT pg_advisory_lock(%s, mod(id, 2147483647)::integer) FROM roles_delivery",
            [notifications.LOCK_NAMESPACE],
        )
        assert not notifications.unclaimed_due()
        assert notifications.claim_deliveries(50) == []
        backend = other.info.backend_pid
    # Its locks go with its session, which the server ends a moment after the client closes
    # it (on a busy machine, after this process's next query: a run failed so).
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend])
            if cursor.fetchone() is None:
                break
            time.sleep(0.05)
    assert notifications.unclaimed_due()


def test_a_worker_that_loses_the_race_for_a_batch_tries_again(
    postgres, committed_catalogue, smtp_server, monkeypatch
):
    """Two workers can pick the same candidates at the same instant, and the one that loses
    every advisory lock gets an empty claim while rows remain. That race cannot be staged on
    demand, so its outcome is: the first claim comes back empty."""
    owed(30)
    claim = notifications.claim_deliveries
    answers = iter([[]])
    monkeypatch.setattr(
        notifications, "claim_deliveries", lambda size: next(answers, None) or claim(size)
    )
    assert notifications.send_due_deliveries() == 30
    assert_each_sent_once(smtp_server, 30)


def test_a_worker_killed_mid_batch_resumes_without_loss_or_duplicates(
    postgres, committed_catalogue, smtp_server, tmp_path
):
    owed(30)
    smtp_server.rcpt_delay = 0.2
    send_deliveries.using(backend="database").enqueue()
    first = worker(smtp_server, tmp_path, "first", DELIVERY_LEASE_SECONDS="5")
    assert smtp_server.wait_for(5, timeout=60) >= 5
    # Kill it while it is sending the next mail (waiting on the server), not in the instant
    # between the server accepting a mail and the worker recording it: no ledger can tell
    # "sent" from "not sent" across a crash there (each mail's Message-ID lets a receiver
    # drop such a duplicate).
    time.sleep(smtp_server.rcpt_delay / 2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_after = len(smtp_server.messages)
    assert killed_after < 30  # it really was stopped mid-batch
    # What it had claimed and not sent is leased to it for a while: not due for anyone else.
    leased = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__gt=now())
    until = leased.aggregate(until=Max("next_attempt_at"))["until"]
    assert until is not None
    time.sleep((until - now()).total_seconds() + 0.2)

    # The next run picks up where the dead one stopped, once the lease is over.
    send_deliveries.using(backend="database").enqueue()
    second = worker(smtp_server, tmp_path, "second", "--batch")
    assert second.wait(timeout=120) == 0, (tmp_path / "second.log").read_text()
    assert_each_sent_once(smtp_server, 30)


def test_task_worker_waits_out_a_database_error_and_reruns_the_interrupted_task(
    postgres, committed_catalogue, smtp_server, monkeypatch
):
    """`manage.py task_worker`: db_worker exits on a database error and leaves its task RUNNING;
    this one requeues the task it was running and starts again (bench/faults.py stops a real
    PostgreSQL under it)."""
    owed(3)
    result = send_deliveries.using(backend="database").enqueue()
    # The previous attempt of this worker claimed the task, then the database went away.
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim("w1")
    run = db_worker.Worker.run
    attempts = []

    def flaky_run(self):
        attempts.append(self.worker_id)
        if len(attempts) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return run(self)

    monkeypatch.setattr(db_worker.Worker, "run", flaky_run)
    monkeypatch.setattr(task_worker.time, "sleep", lambda seconds: None)
    call_command(
        "task_worker", "--backend", "database", "--batch", "--worker-id", "w1",
        "--no-startup-delay", verbosity=0,
    )  # fmt: skip
    assert attempts == ["w1", "w1"]
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.worker_ids == ["w1", "w1"]
    assert_each_sent_once(smtp_server, 3)


@contextlib.contextmanager
def copy_on_own_server():
    """The test database as it is now (committed), copied to a PostgreSQL server of its own that
    the test may stop."""
    cluster = Cluster(find_bin_dir())
    cluster.start()
    try:
        cluster.create_database()
        db = connection.settings_dict
        source = ["-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], db["NAME"]]
        dump = subprocess.run(
            [cluster.bin_dir / "pg_dump", "--no-owner", *source], check=True, capture_output=True
        )
        subprocess.run(
            [cluster.bin_dir / "psql", "-q", "-v", "ON_ERROR_STOP=1", cluster.url],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # where the test stopped it
            cluster.stop()


def task_worker_process(cluster, smtp_server, log_path, *args):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "airoles.settings.test",
        "DATABASE_URL": cluster.url,
        "EMAIL_URL": smtp_server.url,
        "TASKS_BACKEND": "database",
        "DELIVERY_LEASE_SECONDS": str(LEASE),
    }
    log = open(log_path, "a")  # noqa: SIM115  (closed with the process)
    command = ["manage.py", "task_worker", "--backend", "database", "--worker-id", "w-stop"]
    return subprocess.Popen(
        [sys.executable, *command, *WORKER_OPTIONS, *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_running(cluster, process, timeout=60):
    """Until the worker has claimed the task (and so is sending its mail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with psycopg.connect(cluster.url) as db:
            running = db.execute(
                "SELECT 1 FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            ).fetchone()
        if running:
            return
        time.sleep(0.1)
    raise AssertionError("the worker never started the task")


@pytest.mark.parametrize("signals", [2, 1])
def test_task_worker_stops_on_sigterm_while_postgresql_is_down(
    postgres, committed_catalogue, smtp_server, tmp_path, signals
):
    """docs/deploy.md: SIGTERM lets the running task finish, then the worker exits; a second
    SIGTERM stops it at once. Both hold with PostgreSQL down (the worker used to go back to
    waiting for the database), and the next start requeues the interrupted task: the mail is
    sent, and not lost."""
    owed(1)
    send_deliveries.using(backend="database").enqueue()
    smtp_server.rcpt_delay = 6  # the relay is slow: the mail is in flight when the signals come
    log = tmp_path / "worker.log"
    with copy_on_own_server() as cluster:
        process = task_worker_process(cluster, smtp_server, log)
        try:
            wait_until_running(cluster, process)
            time.sleep(0.5)
            cluster.stop_server("fast")
            process.send_signal(signal.SIGTERM)
            if signals == 2:
                time.sleep(0.5)
                process.send_signal(signal.SIGTERM)
                limit = 5  # at once (Python's start-up aside, well under a second)
            else:
                limit = smtp_server.rcpt_delay + 5  # the mail in flight, then no retry loop
            try:
                process.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"still running {limit} s later:\n{log.read_text()}") from None
            assert "Received Terminated" in log.read_text()
            sent_before = len(smtp_server.messages)
            assert sent_before == (0 if signals == 2 else 1)  # killed mid-send, or sent

            # The database is back, and the lease of the delivery it had claimed is over: the
            # next start with the same id finishes the work.
            time.sleep(LEASE)
            cluster.start_server()
            smtp_server.rcpt_delay = 0
            again = task_worker_process(cluster, smtp_server, log, "--batch")
            assert again.wait(timeout=120) == 0, log.read_text()
        finally:
            if process.poll() is None:
                process.kill()
    assert "requeued 1 interrupted task" in log.read_text()
    ids = [message["Message-ID"] for message in smtp_server.messages]
    # Sent once; or, where the relay took it as the database went, again with the same
    # Message-ID for the receiver to drop (docs/deploy.md).
    assert len(ids) == sent_before + 1 and len(set(ids)) == 1


def test_a_mail_sent_just_before_the_database_went_away_is_recorded_not_sent_again(
    postgres, committed_catalogue, smtp_server, monkeypatch
):
    """The database goes away between the SMTP server accepting a mail and the SENT mark (that
    instant cannot be staged with a real PostgreSQL, so the mark's UPDATE fails once here). The
    worker remembers the mail; when it starts again (task_worker does this before anything
    else) it records it, and the next run does not send it again."""
    owed(3)
    save = Delivery.save
    failures = iter([OperationalError("the database went away")])

    def save_once_failing(delivery, *args, **kwargs):
        if delivery.status == DeliveryStatus.SENT and (error := next(failures, None)):
            raise error
        return save(delivery, *args, **kwargs)

    monkeypatch.setattr(Delivery, "save", save_once_failing)
    with pytest.raises(OperationalError):
        notifications.send_due_deliveries()
    assert len(smtp_server.messages) == 1
    [first] = Delivery.objects.filter(subscriber__email=smtp_server.messages[0]["To"])
    assert first.status == DeliveryStatus.PENDING  # as the ledger saw it during the outage
    # Another worker back with the database before this one finds the batch leased (the
    # advisory locks went with the session): it cannot send that mail again.
    assert notifications.claim_deliveries(50) == []

    notifications.record_unrecorded()
    first.refresh_from_db()
    assert first.status == DeliveryStatus.SENT and first.attempts == 1 and first.sent_at
    assert notifications.send_due_deliveries() == 2
    assert_each_sent_once(smtp_server, 3)
