"""What keeps uncached pages cheap (issue 16): role cards and related roles from the fragment
cache (roles/catalogue/fragments.py), a constant and small number of SQL queries per public page
however large the catalogue, page weight that does not grow with it, and the per-client limit on
requests the page cache cannot answer (roles/site/caching.py)."""

import re
from types import SimpleNamespace

import pytest

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from roles.discovery.matching import related_roles
from roles.models import CompanyType, RoleCategoryPage, RoleCompanyType, RolePage
from roles.models.pages import CARDS_SHOWN
from roles.site import caching
from roles.site.caching import _end_render, _start_render
from roles.subscriptions import ratelimit

pytestmark = pytest.mark.django_db

PAGES = {
    "home": "/",
    "listing": "/roles/",
    "listing, filtered": "/roles/?company_type=financial-institution&skill=python",
    "listing, search": "/roles/?q=数据",
    "company types": "/company-types/",
    "company type": "/company-types/financial-institution/",
    "category": "/tech-rnd/",
    "role": "/tech-rnd/prompt-engineer/",
    "finder": "/match/?skill=python&skill=statistics&skill=data-analysis&background=programming",
    "compare": "/compare/?roles=machine-learning-engineer,data-scientist,data-engineer",
    "skills": "/skills/",
    "skill": "/skills/python/",
}
MAX_QUERIES = 10
FEEDS = [
    "/feeds/roles/",
    "/feeds/roles/atom/",
    "/feeds/categories/tech-rnd/",
    "/feeds/company-types/financial-institution/atom/",
]


@pytest.fixture
def fragments(settings):
    settings.FRAGMENT_CACHE = True
    cache.clear()
    yield
    cache.clear()


def queries(client, url):
    client.get(url)  # fills the fragment cache, as the first visitor after a publish does
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


def test_public_pages_take_at_most_ten_queries_the_same_at_45_and_200_roles(client, fragments):
    client.get("/")  # Wagtail's per-process site cache
    before = {name: queries(client, url)[0] for name, url in PAGES.items()}
    call_command("generate_roles", count=155, stdout=open("/dev/null", "w"))
    assert RolePage.objects.count() == 200
    after, pages = {}, {}
    for name, url in PAGES.items():
        after[name], pages[name] = queries(client, url)
    assert after == before
    for name, count in after.items():
        assert count <= MAX_QUERIES, (name, count)
    # Page weight stays flat: pages outside the paginated listing show a bounded number of
    # cards and link to the listing for the rest.
    for name in ("category", "skill"):
        assert 0 < pages[name].count('class="role-card"') <= 2 * CARDS_SHOWN, name
    # The largest category (over CARDS_SHOWN roles at 200) links to the listing for the rest.
    largest = max(
        RoleCategoryPage.objects.visible(),
        key=lambda c: RolePage.objects.visible().filter(category=c).count(),
    )
    total = RolePage.objects.visible().filter(category=largest).count()
    assert total > CARDS_SHOWN, total
    page = client.get(largest.url).content.decode()
    assert page.count('class="role-card"') == CARDS_SHOWN
    assert f"/roles/?category={largest.slug}" in page


NONCE = re.compile(r' nonce="[^"]*"')  # the CSP nonce differs on every response


def html(client, url):
    return NONCE.sub("", client.get(url).content.decode())


def test_cards_from_the_fragment_cache_are_the_cards_rendered(client, settings):
    settings.FRAGMENT_CACHE = False
    urls = [*PAGES.values(), "/compare/", "/data/", "/data/roles.json", "/data/roles.csv"]
    urls += ["/sitemap.xml", *FEEDS]
    rendered = {url: html(client, url) for url in urls}
    settings.FRAGMENT_CACHE = True
    cache.clear()
    for _ in range(2):  # stored, then served from the cache
        for url, content in rendered.items():
            assert html(client, url) == content, url
    cache.clear()


def test_publishing_a_role_drops_its_kept_cards_related_roles_home_and_downloads(client, fragments):
    engineer = RolePage.objects.get(slug="machine-learning-engineer")
    role = related_roles(engineer)[0].role
    listing = f"/roles/?category={role.category.slug}"
    skill = role.skill_links.first().skill
    kept = [
        listing,
        engineer.url,
        "/",
        f"/skills/{skill.slug}/",
        "/data/roles.json",
        "/data/roles.csv",
        "/feeds/roles/",
        f"/feeds/categories/{role.category.slug}/atom/",
    ]
    for url in kept:
        client.get(url)
    role.title = "新名称的岗位"
    role.save_revision().publish()
    for url in kept:
        assert "新名称的岗位" in client.get(url).content.decode(), url


def test_a_company_types_kept_facet_counts_change_when_a_role_joins_it(client, fragments):
    """A company type's page keeps its facet counts (the page fixes that facet), and a publish
    drops them with everything else kept."""
    url = "/company-types/financial-institution/"
    finance = CompanyType.objects.get(slug="financial-institution")
    role = RolePage.objects.exclude(company_type_links__company_type=finance).first()
    slug = role.category.slug

    def count():
        page = client.get(url).content.decode()
        option = rf'id="f-category-{slug}">\s*<label for="f-category-{slug}">[^<]*'
        return int(re.search(option + r'<span class="facet__count">(\d+)</span>', page).group(1))

    before = count()
    assert count() == before  # kept
    role.company_type_links.add(RoleCompanyType(company_type=finance))
    role.save_revision().publish()
    assert count() == before + 1


@pytest.fixture
def limited(settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 300
    settings.UNCACHED_RATE = "3/min"
    # The limit counts in fixed windows: a test that straddled a minute's end would start
    # counting again. The limiter's clock stands still half-way through a minute instead.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 60 * 28_333_333 + 30.0))
    cache.clear()
    yield
    cache.clear()


def test_a_client_over_the_uncached_limit_gets_a_friendly_429_and_others_are_served(limited):
    flood = Client(REMOTE_ADDR="203.0.113.7")
    assert flood.get("/roles/")["X-Cache"] == "MISS"
    for _ in range(3):
        assert flood.get("/roles/?utm_source=x")["X-Cache"] == "HIT"  # hits are never limited
    for z in ("tech-rnd", "product"):
        assert flood.get(f"/roles/?category={z}").status_code == 200
    refused = flood.get("/roles/?category=design")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 30  # the rest of the minute
    assert "no-store" in refused["Cache-Control"]
    page = refused.content.decode()
    assert "请求太频繁" in page and len(re.findall(r"<h1[\s>]", page)) == 1
    assert flood.get("/roles/")["X-Cache"] == "HIT"  # what is cached stays open to it
    # Another client is not affected, and the refused URL was not stored.
    other = Client(REMOTE_ADDR="198.51.100.2")
    response = other.get("/roles/?category=design")
    assert response.status_code == 200 and response["X-Cache"] == "MISS"


def test_a_refused_client_s_cache_misses_are_refused_early_until_its_retry_after(
    limited, monkeypatch
):
    """Once refused, a client's cache misses get the 429 from FloodGuardMiddleware, before the
    page cache and the limiter run, for the Retry-After it was told; its cached pages stay
    open, other clients and the admin are not affected, and after the wait it is served."""
    flood = Client(REMOTE_ADDR="203.0.113.7")
    flood.get("/roles/")  # cached now
    for z in ("tech-rnd", "product", "design"):
        flood.get(f"/roles/?category={z}")
    assert flood.get("/roles/?category=operations").status_code == 429
    # The limiter's window moves on (it would count afresh), the client's 30 s have not.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 60 * 28_333_334 + 1.0))
    counted = []
    monkeypatch.setattr(caching.ratelimit, "wait_seconds", lambda *args: counted.append(args))
    refused = flood.get("/roles/?category=brand")
    assert refused.status_code == 429 and int(refused["Retry-After"]) in (29, 30)
    assert "请求太频繁" in refused.content.decode() and counted == []
    assert "default-src" in refused["Content-Security-Policy"]  # the security headers are on
    assert flood.get("/roles/?utm_source=z")["X-Cache"] == "HIT"  # cached stays open
    other = Client(REMOTE_ADDR="198.51.100.2")
    assert other.get("/roles/?category=brand").status_code == 200
    assert flood.get("/admin/login/").status_code == 200  # not a public page: not refused

    later = caching.monotonic() + 31
    monkeypatch.setattr(caching, "monotonic", lambda: later)
    assert flood.get("/roles/?category=brand").status_code == 200  # its wait is over


def test_the_429_page_speaks_the_visitors_language(limited, settings):
    settings.UNCACHED_RATE = "1/min"
    english = Client(REMOTE_ADDR="203.0.113.9")
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english.get("/roles/?category=tech-rnd")
    refused = english.get("/roles/?category=product")
    assert refused.status_code == 429
    assert '<html lang="en">' in refused.content.decode()


def test_a_client_renders_at_most_uncached_concurrency_pages_at_once(limited, settings):
    settings.UNCACHED_CONCURRENCY = 1
    assert _start_render("203.0.113.7")
    assert not _start_render("203.0.113.7")  # its second render at once is refused
    assert _start_render("198.51.100.2")  # another client's is not
    _end_render("203.0.113.7")
    assert _start_render("203.0.113.7")
