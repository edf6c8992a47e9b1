"""The one way this site writes (and reads back) spreadsheet cells.

A spreadsheet runs a cell that starts with =, +, -, @, a tab or a carriage return as a formula
("CSV injection"): a visitor who subscribes as `=1+2@formula.example` would otherwise put a
formula in staff's spreadsheet. Following OWASP, such a cell is written with a leading `'`, which
spreadsheets show as text. Every export goes through `safe_cell`: /data/roles.csv, the admin's
catalogue CSV, and the admin's subscriber export (CSV and XLSX).

The catalogue's CSV is read back by `load_catalogue` and the import view, so `read_cell` undoes
exactly what `safe_cell` did. A cell that already starts with `'`s followed by a trigger gets one
more `'` too, so that the pair is lossless: read_cell(safe_cell(value)) == value for any value.
"""

import csv
import io
import re

TRIGGERS = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def safe_cell(value):
    """`value` as a spreadsheet will take it for text. Only strings can be formulas; numbers,
    dates and None pass unchanged."""
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def read_cell(value):
    """The original of a cell written by `safe_cell`."""
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


class SafeWriter:
    """csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """csv.DictWriter whose every cell (the header row too) goes through `safe_cell`."""

    def writeheader(self):
        return super().writerow({name: safe_cell(name) for name in self.fieldnames})

    def writerow(self, rowdict):
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for rowdict in rowdicts:
            self.writerow(rowdict)


def dict_rows(text):
    """(fieldnames, rows) of CSV `text` written by SafeDictWriter, each cell as it was before
    `safe_cell`. Short rows keep None and long rows their None key, as csv.DictReader gives."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = (
        {
            key: ([read_cell(v) for v in value] if isinstance(value, list) else read_cell(value))
            for key, value in row.items()
        }
        for row in reader
    )
    return reader.fieldnames, rows


class SafeSpreadsheetExportMixin:
    """For Wagtail's listing and report views (SpreadsheetExportMixin): their CSV and XLSX
    export with every cell, headings too, through `safe_cell`."""

    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(super().preprocess_field_value(field, value, export_format))

    def get_heading(self, queryset, field):
        return safe_cell(super().get_heading(queryset, field))
