"""`manage.py task_worker`: django-tasks-db's `db_worker` that outlives a database outage.

`db_worker` exits on the first database error it cannot ignore, and the task it was running
stays RUNNING for ever: it failed while the database was away, so it could not even be marked
failed. This command runs the same worker in a loop: on a database error it waits (1, 2, 4 … up
to 30 s) and starts again, and before each start it records as sent the mail it sent just before
the outage, and puts back to READY the tasks still marked RUNNING under its own worker id — they
died with the previous attempt. Re-running them is safe
here: new-role notifications and deliveries go through the ledger
(roles/subscriptions/notifications.py), a confirmation mail claims its send time first, and
Wagtail's index updates are idempotent.

Give each worker a stable, unique --worker-id (e.g. host and slot) and a restarted process also
recovers what a killed one left behind.

Signals (SIGTERM, SIGINT, SIGQUIT) are the command's, not the worker's, so that they hold across
restarts and outages: the first lets the running task finish, then the worker exits (at once when
no task is running, and without waiting for the database to come back); the second exits at once.
db_worker's own second signal raises SystemExit inside the task, where db_worker catches it to
record the failure; with the database down that record fails too, the error looked like an
outage, and the loop carried on. Here the process ends instead, and its task, left RUNNING under
its worker id, is requeued by the next start. (--reload is not supported: it would take the
signals away.)
"""

import logging
import os
import signal
import sys
import time

from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from django.core.management.base import CommandError
from django.db import close_old_connections, connections, transaction

from airoles.outage import DATABASE_ERRORS
from roles.subscriptions import notifications

logger = logging.getLogger("django_tasks_db")
MAX_WAIT = 30.0


def requeue_orphans(worker_id, backend_name):
    """Put the tasks that `worker_id` claimed and never finished back in the queue."""
    with transaction.atomic():
        orphans = [
            task.pk
            for task in DBTaskResult.objects.running()
            .filter(backend_name=backend_name)
            .select_for_update(skip_locked=True)
            if task.worker_ids and task.worker_ids[-1] == worker_id
        ]
        DBTaskResult.objects.filter(pk__in=orphans).update(status="READY", started_at=None)
    if orphans:
        logger.warning("worker %s: requeued %s interrupted task(s)", worker_id, len(orphans))
    return len(orphans)


STOP_SIGNALS = [signal.SIGTERM, signal.SIGINT] + (
    [signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else []
)


class Worker(db_worker.Worker):
    """db_worker's worker; the command keeps the signal handlers (see Command.stop)."""

    def configure_signals(self):
        pass


class Command(db_worker.Command):
    help = "Run a database background worker that waits out database outages"

    def handle(self, *args, **options):
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = [name for name in options["exclude_queues"].split(",") if name]
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker_id, backend_name = options["worker_id"], options["backend_name"]
        self.signals = 0
        self.worker = None
        previous = {signum: signal.signal(signum, self.stop) for signum in STOP_SIGNALS}
        try:
            wait = 1.0
            while True:
                started = time.monotonic()
                try:
                    # Mail sent just before the outage, before it could be marked sent.
                    notifications.record_unrecorded()
                    requeue_orphans(worker_id, backend_name)
                    self.worker = Worker(
                        queue_names=queue_names,
                        interval=options["interval"],
                        batch=options["batch"],
                        backend_name=backend_name,
                        startup_delay=options["startup_delay"],
                        max_tasks=options["max_tasks"],
                        worker_id=worker_id,
                        excluded_queue_names=excluded,
                    )
                    if self.signals:
                        return  # asked to stop while the worker was starting
                    return self.worker.run()
                except DATABASE_ERRORS as error:
                    if self.signals:
                        # Asked to stop: the task that was running ended with the database
                        # gone; it stays RUNNING, and the next start requeues it.
                        logger.warning(
                            "worker %s: database unavailable (%s) while stopping; exiting",
                            worker_id,
                            type(error).__name__,
                        )
                        return
                    logger.warning(
                        "worker %s: database unavailable (%s); retrying in %g s",
                        worker_id,
                        type(error).__name__,
                        wait,
                    )
                finally:
                    self.worker = None
                for connection in connections.all(initialized_only=True):
                    try:
                        connection.close()
                    except DATABASE_ERRORS:
                        pass
                if time.monotonic() - started > MAX_WAIT:
                    wait = 1.0  # a new outage, not the same one going on
                time.sleep(wait)
                wait = min(wait * 2, MAX_WAIT)
                close_old_connections()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self, signum, frame):
        """First signal: finish the running task, then exit (now, if none is running).
        Second: exit now."""
        self.signals += 1
        name = signal.strsignal(signum)
        worker = self.worker
        if self.signals == 1:
            if worker is not None and worker.running_task:
                logger.warning(
                    "Received %s - finishing the current task, then exiting "
                    "(send it again to stop at once)",
                    name,
                )
                worker.running = False
                return
            logger.warning("Received %s - exiting", name)
            raise SystemExit(0)
        logger.warning(
            "Received %s again - exiting now, leaving the current task for requeue", name
        )
        # Not SystemExit: the task, db_worker and its retry helper catch BaseException to record
        # the interruption in the database, which may be the very thing that is down.
        for stream in (sys.stdout, sys.stderr, self.stdout, self.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(1)
