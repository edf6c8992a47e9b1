from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from roles.datafile import catalogue


class Command(BaseCommand):
    help = (
        "Build and publish the catalogue page tree and taxonomy from a data file, in one "
        "transaction. Running it again changes nothing; pages changed in the admin are kept "
        "unless --update is given. Changes are published at once, without the 审核发布 "
        "moderation that an import in the admin by an editor goes through: this is an "
        "operator's tool."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(catalogue.DEFAULT_PATH),
            help="the data file: JSON, or CSV (one row per role) applied to the current "
            "catalogue (default: fixtures/catalogue.json)",
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="overwrite pages and terms that differ from the data file",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would be created, updated and skipped, and write nothing",
        )

    def handle(self, *args, path, update, dry_run, **options):
        try:
            data = catalogue.read(path)
            report = catalogue.load(data, update=update, source=path, dry_run=dry_run)
        except catalogue.CatalogueError as error:
            raise CommandError(str(error)) from error
        for line in report.lines(detailed=dry_run or options["verbosity"] >= 2):
            self.stdout.write(line)
        if report.created or report.updated:
            # The admin's import submits an editor's changes to 审核发布; this command does not.
            if dry_run:
                message = _("试运行：实际运行时，这些修改会直接发布，不经过审核发布流程。")
            else:
                message = _("已直接发布，没有经过审核发布流程（命令行导入供运维使用）。")
            self.stdout.write(message)
