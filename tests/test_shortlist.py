"""The shortlist (/shortlist/?roles=…), the share control and its QR code (/qr/<path>), and the
finder's folded form: server side. The browser side is in test_browser_shortlist.py."""

import io
import re
from html import unescape

import pytest
import segno

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail.models import PageViewRestriction

from roles.discovery.matching import MAX_SHORTLIST
from roles.models import RoleCategoryPage, RolePage, RoleSkill, Skill

from .factories import RolePageFactory, growing_catalogue

pytestmark = pytest.mark.django_db

THREE = ["prompt-engineer", "data-scientist", "ai-product-manager"]


def html(response):
    assert response.status_code == 200
    return unescape(response.content.decode())


def card_slugs(text):
    """The roles of the page's cards, in order, read from their 收藏 toggles."""
    return re.findall(r'class="shortlist-toggle[^"]*"[^>]*data-shortlist-slug="([^"]+)"', text)


def all_slugs():
    return list(RolePage.objects.visible().order_by("path").values_list("slug", flat=True))


# The list from the URL.


def test_a_shared_link_opens_the_same_list_in_its_order(client):
    page = html(client.get("/shortlist/?roles=" + ",".join(THREE)))
    assert card_slugs(page) == THREE
    assert page.count("<h1") == 1 and "我的收藏" in page
    assert "共 3 个岗位" in page
    # Its canonical address is the list itself; the share control and the QR code carry it.
    canonical = "http://testserver/shortlist/?roles=" + ",".join(THREE)
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'data-share-url="{canonical}"' in page
    assert 'src="/qr/shortlist/?roles=' + ",".join(THREE) + '"' in page
    # Two or more roles can be compared from here (at most four).
    assert 'href="/compare/?roles=' + ",".join(THREE) + '"' in page


def test_without_javascript_a_saved_roles_toggle_is_the_list_without_it(client):
    page = html(client.get("/shortlist/?roles=" + ",".join(THREE)))
    hrefs = re.findall(r'class="shortlist-toggle is-added" href="([^"]+)"', page)
    assert hrefs == [
        "/shortlist/?roles=data-scientist,ai-product-manager",
        "/shortlist/?roles=prompt-engineer,ai-product-manager",
        "/shortlist/?roles=prompt-engineer,data-scientist",
    ]


def test_every_card_and_role_page_links_to_the_shortlist_with_that_role(client):
    listing = html(client.get("/roles/"))
    toggles = re.findall(
        r'class="shortlist-toggle" href="([^"]+)" data-shortlist-slug="([^"]+)"', listing
    )
    assert len(toggles) == 20
    for href, slug in toggles:
        assert href == f"/shortlist/?roles={slug}"
    role = html(client.get("/tech-rnd/prompt-engineer/"))
    assert 'href="/shortlist/?roles=prompt-engineer" data-shortlist-slug="prompt-engineer"' in role


def test_an_empty_shortlist_says_how_to_fill_it(client):
    page = html(client.get("/shortlist/"))
    assert "还没有收藏岗位" in page
    assert card_slugs(page) == []
    assert "data-share-url" not in page  # nothing to share yet
    assert "data-requested" not in page  # shortlist.js shows this browser's list instead


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?roles=no-such-role", []),
        ("?roles=<script>alert(1)</script>", []),
        ("?roles=%00", []),
        ("?roles=%FF%FE", []),
        ("?roles=" + "a" * 5000, []),
        ("?roles=prompt-engineer,No_Such,data-scientist", ["prompt-engineer", "data-scientist"]),
        ("?roles=prompt-engineer&roles=../../etc/passwd", ["prompt-engineer"]),
    ],
)
def test_unknown_or_malformed_slugs_are_named_and_ignored(client, query, shown):
    response = client.get("/shortlist/" + query)
    page = html(response)
    assert "找不到这些岗位，已忽略：" in page
    assert card_slugs(page) == shown
    assert "<script>alert" not in response.content.decode()


def test_the_message_speaks_the_visitors_language(client):
    page = html(client.get("/shortlist/?roles=nope", HTTP_ACCEPT_LANGUAGE="en"))
    assert "找不到" not in page
    assert "nope" in page
    assert '<html lang="en">' in page


def test_repeats_are_shown_once(client):
    page = html(client.get("/shortlist/?roles=data-scientist,data-scientist，prompt-engineer"))
    assert card_slugs(page) == ["data-scientist", "prompt-engineer"]
    assert "重复的岗位只显示一次。" in page


def test_the_list_is_capped(client):
    slugs = all_slugs()
    assert len(slugs) > MAX_SHORTLIST
    page = html(client.get("/shortlist/?roles=" + ",".join(slugs)))
    assert card_slugs(page) == slugs[:MAX_SHORTLIST]
    assert f"收藏最多 {MAX_SHORTLIST} 个岗位，只显示了前 {MAX_SHORTLIST} 个。" in page
    assert 'href="/compare/?roles=' + ",".join(slugs[:4]) + '"' in page


def test_a_private_or_unpublished_role_is_not_listed(client):
    private = RolePage.objects.get(slug="data-scientist")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    RolePage.objects.get(slug="prompt-engineer").unpublish()
    page = html(client.get("/shortlist/?roles=" + ",".join(THREE)))
    assert card_slugs(page) == ["ai-product-manager"]
    assert "找不到这些岗位，已忽略：prompt-engineer、data-scientist" in page


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_list_or_the_catalogue(client):
    slugs = all_slugs()
    client.get("/")
    two = query_count(client, "/shortlist/?roles=" + ",".join(slugs[:2]))
    twenty = query_count(client, "/shortlist/?roles=" + ",".join(slugs[:MAX_SHORTLIST]))
    assert two == twenty
    qr = query_count(client, "/qr/shortlist/?roles=" + ",".join(slugs))
    role_qr = query_count(client, "/qr/tech-rnd/prompt-engineer/")
    category = RoleCategoryPage.objects.get(slug="data-engineering")
    skills = list(Skill.objects.filter(slug__in=["python", "statistics"]))
    with growing_catalogue():
        for i in range(20):
            extra = RolePageFactory(parent=category, slug=f"extra-{i}")
            extra.skill_links = [RoleSkill(skill=skill) for skill in skills]
            extra.save_revision().publish()
    everything = ",".join([f"extra-{i}" for i in range(20)])
    assert query_count(client, "/shortlist/?roles=" + everything) == twenty
    assert query_count(client, "/qr/shortlist/?roles=" + everything) == qr
    assert query_count(client, "/qr/tech-rnd/prompt-engineer/") == role_qr


def test_the_page_cache_keys_the_shortlist_by_its_roles(client, settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    try:
        first = client.get("/shortlist/?roles=prompt-engineer,data-scientist")
        assert first["X-Cache"] == "MISS"
        again = client.get("/shortlist/?utm_source=wechat&roles=prompt-engineer,data-scientist")
        assert again["X-Cache"] == "HIT" and again.content == first.content
        other = client.get("/shortlist/?roles=prompt-engineer")
        assert other["X-Cache"] == "MISS" and card_slugs(html(other)) == ["prompt-engineer"]
        assert client.get("/shortlist/?roles=data-scientist,prompt-engineer")["X-Cache"] == "MISS"
        assert client.get("/qr/compare/?roles=prompt-engineer,data-scientist")["X-Cache"] == "MISS"
        qr = client.get("/qr/compare/?roles=prompt-engineer,data-scientist&z=1")
        assert qr["X-Cache"] == "HIT"
    finally:
        cache.clear()


# The QR code.


def drawn(address):
    svg = io.BytesIO()
    segno.make(address, error="m").save(
        svg,
        kind="svg",
        xmldecl=False,
        scale=1,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        title=address,
    )
    return svg.getvalue()


def qr_address(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    address = re.search(r"<title>([^<]+)</title>", response.content.decode()).group(1)
    assert response.content == drawn(unescape(address))
    return unescape(address)


def test_a_role_pages_qr_code_is_its_canonical_address(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    page = html(client.get(role.url))
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', page).group(1)
    assert f'data-share-url="{canonical}"' in page
    assert 'src="/qr/tech-rnd/prompt-engineer/"' in page
    assert qr_address(client.get("/qr/tech-rnd/prompt-engineer/")) == canonical


def test_compare_and_shortlist_qr_codes_keep_only_real_roles(client):
    assert (
        qr_address(client.get("/qr/compare/?roles=data-scientist,visit-evil-example,data-engineer"))
        == "http://testserver/compare/?roles=data-scientist,data-engineer"
    )
    assert (
        qr_address(client.get("/qr/shortlist/?roles=Hello%20World,prompt-engineer&text=hi"))
        == "http://testserver/shortlist/?roles=prompt-engineer"
    )
    assert qr_address(client.get("/qr/shortlist/?roles=anything-you-like")) == (
        "http://testserver/shortlist/"
    )
    slugs = all_slugs()
    compare = qr_address(client.get("/qr/compare/?roles=" + ",".join(slugs)))
    assert compare == "http://testserver/compare/?roles=" + ",".join(slugs[:4])
    page = html(client.get("/compare/?roles=data-scientist,data-engineer"))
    assert 'src="/qr/compare/?roles=data-scientist,data-engineer"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/qr/",
        "/qr/https://example.com/",
        "/qr//example.com/",
        "/qr/tech-rnd/",  # a category: not a shared page
        "/qr/roles/",
        "/qr/tech-rnd/no-such-role/",
        "/qr/tech-rnd/prompt-engineer",
        "/qr/match/?skill=python",
        "/qr/admin/",
        "/qr/hello world/",
        "/qr/%00/",
    ],
)
def test_the_qr_code_draws_nothing_but_this_sites_shared_pages(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_no_qr_code_for_a_private_role(client):
    role = RolePage.objects.get(slug="prompt-engineer")
    PageViewRestriction.objects.create(page=role, restriction_type="password", password="x")
    assert client.get("/qr/tech-rnd/prompt-engineer/").status_code == 404


# The share control and print address on each shared page.


@pytest.mark.parametrize(
    "url",
    [
        "/tech-rnd/prompt-engineer/",
        "/compare/?roles=data-scientist,data-engineer",
        "/shortlist/?roles=data-scientist,data-engineer",
    ],
)
def test_each_shared_page_has_a_share_control_and_prints_its_address(client, url):
    page = html(client.get(url))
    assert page.count("data-share-button") == 1
    assert 'src="/static/roles/share.js"' in page or "roles/share." in page
    address = re.search(r'data-share-url="([^"]+)"', page).group(1)
    assert f"<span data-share-address>{address}</span>" in page
    assert 'value="' + address + '"' in page  # the link itself, without JavaScript
    assert " style=" not in page  # CSP: style-src 'self', no style attributes


# The finder folds its form into what was ticked.


def test_the_finder_folds_its_form_once_there_are_results(client):
    asked = html(client.get("/match/?skill=python&skill=statistics&company_type=tech-company"))
    edit = re.search(r'<details class="finder__edit"([^>]*)>', asked).group(1)
    assert "open" not in edit
    summary = re.search(r'<summary class="finder__summary">(.*?)</summary>', asked, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", summary)
    assert "Python" in text and "统计" in text and "修改" in text
    assert 'action="/match/#results"' in asked
    empty = html(client.get("/match/"))
    assert '<details class="finder__edit" open>' in empty
