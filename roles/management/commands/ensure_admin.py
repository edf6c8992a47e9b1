import secrets
import string

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a local admin account if no superuser exists, and print its credentials."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        credentials = settings.VAR_DIR / "admin-credentials.txt"
        if User.objects.filter(is_superuser=True).exists():
            where = f" (saved in {credentials})" if credentials.exists() else ""
            self.stdout.write(f"An admin account already exists{where}.")
            return
        alphabet = string.ascii_letters + string.digits
        password = "".join(secrets.choice(alphabet) for _ in range(16))
        User.objects.create_superuser(username=username, email="", password=password)
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(f"username: {username}\npassword: {password}\n", encoding="utf-8")
        credentials.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the local admin account — username: {username}  password: {password}\n"
                f"(also saved in {credentials}); sign in at /admin/"
            )
        )
