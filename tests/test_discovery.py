"""What search engines and link previews read: sitemap, robots.txt, JSON-LD, Open Graph."""

import json
import re
from xml.etree import ElementTree

import pytest

from roles.models import RolePage, Skill

pytestmark = pytest.mark.django_db

# Properties of schema.org/Occupation (and Thing) that the role pages may use.
OCCUPATION_PROPERTIES = {
    "@context",
    "@type",
    "name",
    "alternateName",
    "description",
    "occupationalCategory",
    "skills",
    "qualifications",
    "responsibilities",
    "url",
}


def test_sitemap_lists_every_live_page_with_lastmod(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    tree = ElementTree.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    entries = {
        url.find("s:loc", ns).text: url.find("s:lastmod", ns) for url in tree.findall("s:url", ns)
    }
    roles = RolePage.objects.live()
    assert roles.count() == 45
    for role in roles:
        loc = role.full_url
        assert loc in entries, role.title
        assert entries[loc] is not None and entries[loc].text
    # And a page for each skill that a live role needs.
    skills = Skill.objects.filter(role_links__page__live=True).distinct()
    assert skills.count() == 90
    for skill in skills:
        loc = f"http://testserver/skills/{skill.slug}/"
        assert loc in entries, skill.name
        assert entries[loc] is not None and entries[loc].text
    assert len(entries) == 1 + 10 + 45 + 90


def test_robots_txt_points_at_the_sitemap_and_keeps_admin_out(client):
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in text.splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in text.splitlines()


def structured_data(page):
    block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


def test_role_pages_describe_an_occupation(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    data = structured_data(client.get(role.url).content.decode())
    assert data["@type"] == "Occupation" and data["@context"] == "https://schema.org"
    assert data["name"] == "提示工程师"
    assert data["alternateName"] == ["Prompt Engineer", "提示词工程师"]
    assert data["description"] == role.definition
    assert data["occupationalCategory"] == "技术研发类"
    assert "自然语言处理" in data["skills"]
    assert set(data) <= OCCUPATION_PROPERTIES


def test_structured_data_cannot_close_its_script_element(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    role.definition = "</script><script>alert(1)</script>"
    role.save_revision().publish()
    page = client.get(role.url).content.decode()
    assert "<script>alert(1)" not in page
    assert structured_data(page)["description"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize("url", ["/", "/design/", "/tech-rnd/prompt-engineer/"])
def test_pages_have_a_title_description_canonical_and_open_graph(client, url):
    page = client.get(url).content.decode()
    assert re.search(r"<title>[^<]*AI岗位图谱[^<]*</title>", page)
    assert re.search(r'<meta name="description" content="[^"]{10,}">', page)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', page).group(1)
    assert canonical.startswith("http") and canonical.endswith(url)
    for prop in ["og:title", "og:description", "og:url", "og:site_name"]:
        assert re.search(rf'<meta property="{prop}" content="[^"]+">', page), prop
