from django.core.management.base import BaseCommand

from roles.subscriptions.tasks import send_weekly_digest


class Command(BaseCommand):
    help = (
        "Queue this ISO week's digest for every confirmed weekly subscriber (run it weekly, "
        "e.g. from cron); each address gets at most one digest a week however often it runs."
    )

    def handle(self, *args, **options):
        result = send_weekly_digest.enqueue()
        self.stdout.write(f"weekly digest queued ({result.status})")
