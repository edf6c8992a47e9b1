"""roles/opendata/downloads.py: /data/ and the catalogue as CSV and JSON."""

import csv
import datetime
import io
import re
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from django.utils import timezone

from wagtail.log_actions import log
from wagtail.models import Page, PageLogEntry

from roles.choices import SkillLevel
from roles.models import CompanyType, RolePage

pytestmark = pytest.mark.django_db


def live_roles():
    return {role.slug: role for role in RolePage.objects.live().for_listing()}


def names(links, level):
    return [link.skill.name for link in links if link.level == level]


def test_csv_has_every_live_role_with_its_skills_and_company_types(client):
    response = client.get("/data/roles.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ai-roles.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    roles = live_roles()
    assert len(rows) == len(roles) == 45
    assert {row["slug"] for row in rows} == set(roles)
    for row in rows:
        role = roles[row["slug"]]
        assert row["name"] == role.title
        assert row["english_name"] == role.english_name
        assert row["synonyms"].split("; ") == role.synonym_list or not role.synonym_list
        assert row["category"] == role.category.title
        assert row["definition"] == role.definition
        assert row["essential_skills"].split("; ") == names(role.skills, SkillLevel.ESSENTIAL)
        preferred = names(role.skills, SkillLevel.PREFERRED)
        assert (row["preferred_skills"].split("; ") if row["preferred_skills"] else []) == preferred
        assert row["company_types"].split("; ") == [c.name for c in role.company_types]
        assert row["url"] == role.get_full_url()
    prompt = next(row for row in rows if row["slug"] == "prompt-engineer")
    assert prompt["name"] == "提示工程师" and prompt["threshold"]


def test_json_has_every_live_role_as_the_api_gives_it(client):
    response = client.get("/data/roles.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["format"] == "ai-roles-open-data" and data["version"] == 1
    assert data["source"]["author"] and data["source"]["url"].startswith("http")
    assert "permission" in data["terms"]
    assert len(data["categories"]) == 10
    roles = live_roles()
    assert {role["slug"] for role in data["roles"]} == set(roles)
    api = client.get("/api/v3/roles/?limit=100").json()["items"]
    by_slug = {role["slug"]: role for role in data["roles"]}
    for role in api:
        assert by_slug[role["slug"]] == role
    prompt = by_slug["prompt-engineer"]
    assert prompt["name"] == "提示工程师"
    assert [s["level"] for s in prompt["skills"]] == [
        link.level for link in roles["prompt-engineer"].skills
    ]
    assert "提示工程师" in response.content.decode("utf-8")  # not \\u escapes


def test_drafts_stay_out_of_the_downloads(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    role.unpublish()
    assert "prompt-engineer" not in client.get("/data/roles.csv").content.decode("utf-8-sig")
    assert "prompt-engineer" not in {
        r["slug"] for r in client.get("/data/roles.json").json()["roles"]
    }


@pytest.mark.parametrize("path", ["/data/roles.csv", "/data/roles.json"])
def test_last_modified_is_the_last_change_to_the_catalogue(client, path):
    latest = max(RolePage.objects.live().values_list("last_published_at", flat=True))
    # From a script on another site: a browser sends Origin, which CORS answers.
    response = client.get(path, HTTP_ORIGIN="https://example.org")
    assert parsedate_to_datetime(response["Last-Modified"]) == latest.replace(microsecond=0)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "origin" in response["Vary"].lower()
    # Unchanged since: 304, no body.
    again = client.get(path, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304

    # Publishing a role moves it on.
    role = RolePage.objects.get(slug="prompt-engineer")
    role.save_revision().publish()
    later = parsedate_to_datetime(client.get(path)["Last-Modified"])
    assert later > latest.replace(microsecond=0) - datetime.timedelta(seconds=1)
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code in (
        200,
        304,  # published within the same second as the catalogue was loaded
    )


def test_an_unpublished_role_or_an_edited_company_type_counts_as_a_change(client, admin_user):
    past = timezone.now() - datetime.timedelta(days=1)
    Page.objects.update(last_published_at=past)
    before = parsedate_to_datetime(client.get("/data/roles.csv")["Last-Modified"])
    assert before == past.replace(microsecond=0)

    company_type = CompanyType.objects.first()
    log(company_type, "wagtail.edit", user=admin_user)
    edited = parsedate_to_datetime(client.get("/data/roles.csv")["Last-Modified"])
    assert edited > before

    RolePage.objects.get(slug="prompt-engineer").unpublish(log_action=True)
    unpublished = PageLogEntry.objects.filter(action="wagtail.unpublish").latest("timestamp")
    modified = parsedate_to_datetime(client.get("/data/roles.csv")["Last-Modified"])
    assert modified == unpublished.timestamp.replace(microsecond=0)
    response = client.get("/data/roles.csv", HTTP_IF_MODIFIED_SINCE=format_datetime(past, True))
    assert response.status_code == 200


def test_open_data_page_links_the_downloads_and_the_api_and_states_the_terms(client):
    response = client.get("/data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    for href in ["/data/roles.csv", "/data/roles.json", "/api/v3/docs/", "/api/v3/openapi.json"]:
        assert f'href="{href}"' in html, href
    assert "版权归原作者所有" in html and "许可" in html
    assert "开放许可" in html  # says that none is granted
    assert "CC BY" not in html
    assert re.search(r"最后更新：<time datetime=\"\d{4}-\d\d-\d\d", html)
    # Every page's footer leads here.
    assert 'href="/data/"' in client.get("/roles/").content.decode()


def test_api_docs_load_nothing_from_another_host(client):
    response = client.get("/api/v3/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), html
    script = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', html).group(1)
    assert client.get(script).status_code == 200


def test_query_count_does_not_grow_with_the_catalogue(client):
    from .test_api import add_roles, query_counts

    paths = ["/data/roles.csv", "/data/roles.json", "/data/"]
    before = query_counts(client, paths, warm=True)
    add_roles(30)
    assert query_counts(client, paths) == before
    assert max(before.values()) <= 15, before
    assert len(client.get("/data/roles.json").json()["roles"]) == 45 + 30
