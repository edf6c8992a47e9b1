from django.core.management.base import BaseCommand, CommandError

from roles.datafile import catalogue


class Command(BaseCommand):
    help = "Write the catalogue out in the format of fixtures/catalogue.json."

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="file to write (default: standard output)", default="-"
        )
        parser.add_argument(
            "--format",
            choices=["json", "csv"],
            help="json (the data file's format) or csv (one row per role); "
            "default: from the output file's extension, else json",
        )

    def handle(self, *args, output, format, **options):
        format = format or ("csv" if output.lower().endswith(".csv") else "json")
        dumps = catalogue.dumps_csv if format == "csv" else catalogue.dumps
        try:
            text = dumps(catalogue.export_catalogue())
        except catalogue.CatalogueError as error:
            raise CommandError(str(error)) from error
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            with open(output, "w", encoding="utf-8", newline="") as file:
                file.write(text)
            self.stderr.write(f"wrote {output}")
