"""The delivery ledger under real `manage.py db_worker` processes on PostgreSQL: two workers at
once, and a worker killed mid-batch."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from django.core.management import call_command
from django.db import OperationalError, connection

from roles import notifications
from roles.management.commands import task_worker
from roles.models import Delivery, DeliveryStatus, RolePage, Subscriber, SubscriberStatus
from roles.tasks import notify_new_role, send_deliveries

ROOT = Path(__file__).resolve().parent.parent
WORKER_OPTIONS = ["--no-startup-delay", "--interval", "0.2"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")


def worker(smtp_server, tmp_path, name, *args):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "airoles.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_URL": smtp_server.url,
        "TASKS_BACKEND": "database",
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--backend", "database", *WORKER_OPTIONS, *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def owed(count):
    """`count` confirmed subscribers, each owed a mail about one role."""
    role = RolePage.objects.get(slug="data-scientist")
    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{i}@example.com", status=SubscriberStatus.CONFIRMED)
        for i in range(count)
    )
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


def test_a_worker_killed_mid_batch_resumes_without_loss_or_duplicates(
    postgres, committed_catalogue, smtp_server, tmp_path
):
    owed(30)
    smtp_server.rcpt_delay = 0.2
    send_deliveries.using(backend="database").enqueue()
    first = worker(smtp_server, tmp_path, "first")
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
    time.sleep(0.5)

    # The next run picks up where the dead one stopped.
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
