"""`manage.py task_worker`: django-tasks-db's `db_worker` that outlives a database outage.

`db_worker` exits on the first database error it cannot ignore, and the task it was running
stays RUNNING for ever: it failed while the database was away, so it could not even be marked
failed. This command runs the same worker in a loop: on a database error it waits (1, 2, 4 … up
to 30 s) and starts again, and before each start it puts back to READY the tasks still marked
RUNNING under its own worker id — they died with the previous attempt. Re-running them is safe
here: new-role notifications and deliveries go through the ledger (roles/notifications.py), a
confirmation mail claims its send time first, and Wagtail's index updates are idempotent.

Give each worker a stable, unique --worker-id (e.g. host and slot) and a restarted process also
recovers what a killed one left behind.
"""

import logging
import time

from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from django.db import close_old_connections, connections, transaction

from airoles.outage import DATABASE_ERRORS

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


class Command(db_worker.Command):
    help = "Run a database background worker that waits out database outages"

    def handle(self, *args, **options):
        wait = 1.0
        while True:
            started = time.monotonic()
            try:
                requeue_orphans(options["worker_id"], options["backend_name"])
                return super().handle(*args, **options)
            except DATABASE_ERRORS as error:
                logger.warning(
                    "worker %s: database unavailable (%s); retrying in %g s",
                    options["worker_id"],
                    type(error).__name__,
                    wait,
                )
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
