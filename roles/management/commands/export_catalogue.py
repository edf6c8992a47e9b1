from django.core.management.base import BaseCommand, CommandError

from roles import catalogue


class Command(BaseCommand):
    help = "Write the catalogue out in the format of fixtures/catalogue.json."

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="file to write (default: standard output)", default="-"
        )

    def handle(self, *args, output, **options):
        try:
            text = catalogue.dumps(catalogue.export_catalogue())
        except catalogue.CatalogueError as error:
            raise CommandError(str(error)) from error
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
            self.stderr.write(f"wrote {output}")
