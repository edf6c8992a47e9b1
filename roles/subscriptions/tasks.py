"""Background tasks (django.tasks). With the database backend, `manage.py db_worker` runs them."""

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


@task
def notify_new_role(role_id):
    """Email every matching subscriber about a role published for the first time."""
    # A private role (password, login or group restriction, here or above) is not announced.
    role = RolePage.objects.visible().filter(pk=role_id).first()
    if role is None:
        return 0
    notifications.create_role_deliveries(role)
    return deliver()


@task
def send_deliveries():
    return deliver()


@task
def send_weekly_digest():
    notifications.create_digest_deliveries()
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
