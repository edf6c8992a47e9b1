"""Background tasks (django.tasks). With the database backend, `manage.py db_worker` runs them."""

from django.conf import settings
from django.tasks import default_task_backend, task
from django.utils import timezone

from roles.models import RolePage, Subscriber

from . import notifications


def deliver():
    """Send what is due; if failed sends wait for a retry, come back when the first is due."""
    sent = notifications.send_due_deliveries()
    due = notifications.next_retry()
    if due is not None and due > timezone.now() and default_task_backend.supports_defer:
        send_deliveries.using(run_after=due).enqueue()
    return sent


def share(owed, context):
    """Let other workers help with a large run: one more send_deliveries task per further sender
    (DELIVERY_SENDERS), if there are at least two claim batches for each, on the backend this
    task came from. The claims keep them from ever sending the same delivery; a helper that
    finds nothing left simply ends."""
    helpers = min(settings.DELIVERY_SENDERS, owed // (2 * notifications.CLAIM_BATCH)) - 1
    for _ in range(helpers):
        send_deliveries.using(backend=context.task_result.backend).enqueue()


@task(takes_context=True)
def notify_new_role(context, role_id):
    """Email every matching subscriber about a role published for the first time."""
    # A private role (password, login or group restriction, here or above) is not announced.
    role = RolePage.objects.visible().filter(pk=role_id).first()
    if role is None:
        return 0
    share(notifications.create_role_deliveries(role), context)
    return deliver()


@task
def send_deliveries():
    return deliver()


@task(takes_context=True)
def send_weekly_digest(context):
    share(notifications.create_digest_deliveries(), context)
    return deliver()


@task
def subscribe(email, frequency, category_ids=(), company_type_ids=(), language=None):
    """A valid subscribe form: record it, then mail the confirmation (or, to a confirmed address,
    its preferences link). All of a subscribe request's database work is done here, so the form
    answers the same, in content and in time, whether the address is known or not.
    `language`: the interface language the form was sent in (default: the site's)."""
    subscriber = notifications.record_subscription(email, frequency, category_ids, company_type_ids)
    return notifications.send_confirmation(subscriber, language)


@task
def send_confirmation(subscriber_id, language=None):
    """`language`: the interface language the subscribe form was sent in (default: the site's)."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    return bool(subscriber) and notifications.send_confirmation(subscriber, language)
