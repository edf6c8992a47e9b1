"""Only public roles are announced and counted (issue 12, item 3).

A role that is published but private — behind a password on its own page, or under a category
page with a restriction (restrictions apply to everything below) — is never mailed, in a digest,
feed, count, facet, listing, search, sitemap, download, related-roles list, comparison or finder
result. One rule does it: RolePage.objects.visible() (live and public).
"""

import csv
import datetime
import io
from email.utils import format_datetime, parsedate_to_datetime
from io import StringIO

import feedparser
import pytest

from django.core.management import call_command
from django.utils import timezone

from wagtail.models import ModelLogEntry, Page, PageLogEntry, PageViewRestriction

from roles.choices import Frequency, SubscriberStatus
from roles.discovery.matching import related_roles
from roles.models import (
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RoleIndexPage,
    RolePage,
    RoleSkill,
    Skill,
    Subscriber,
)
from roles.subscriptions import notifications

from .smtp import body

pytestmark = pytest.mark.django_db

TEMPLATE = "prompt-engineer"  # the private roles copy its skills, so they would be its relatives


@pytest.fixture(autouse=True)
def secret_terms():
    """A skill and a company type that only the private roles (and a control role) use."""
    Skill.objects.create(name="机密技能", english_name="Secret skill", slug="secret-skill")
    CompanyType.objects.create(
        name="机密公司", english_name="Secret company", slug="secret-company"
    )


def restrict(page):
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )


def make_role(parent, slug, title, *, private=False):
    """Create and publish a role the way an editor does; with `private`, the page gets a password
    restriction before its first publication."""
    template = RolePage.objects.get(slug=TEMPLATE)
    role = RolePage(
        title=title,
        slug=slug,
        definition=f"{title}的机密定义。",
        skills_text="同提示工程师。",
        company_types_text="机密公司。",
    )
    role.skill_links = [
        RoleSkill(skill_id=link.skill_id, level=link.level) for link in template.skill_links.all()
    ] + [RoleSkill(skill=Skill.objects.get(slug="secret-skill"))]
    role.company_type_links = [
        RoleCompanyType(company_type=CompanyType.objects.get(slug="secret-company"))
    ]
    parent.add_child(instance=role)
    if private:
        restrict(role)
    role.save_revision().publish()
    return RolePage.objects.get(pk=role.pk)


@pytest.fixture
def private_roles(django_capture_on_commit_callbacks):
    """A password-protected role in a public category, and a role under a restricted category;
    both published (their first publication runs the notification task)."""
    index = RoleIndexPage.objects.get()
    hidden = RoleCategoryPage(
        title="机密类别",
        english_name="Secret category",
        slug="secret-category",
        intro="机密。",
        suits="机密。",
        threshold_text="机密。",
    )
    index.add_child(instance=hidden)
    hidden.save_revision().publish()
    restrict(hidden)
    with django_capture_on_commit_callbacks(execute=True):
        protected = make_role(
            RoleCategoryPage.objects.get(slug="data-engineering"),
            "password-role",
            "密码保护岗位",
            private=True,
        )
        below = make_role(hidden, "restricted-category-role", "受限类别岗位")
    assert protected.live and below.live
    return [protected, below]


@pytest.fixture
def subscribers():
    everything = Subscriber.objects.create(
        email="all@example.com", status=SubscriberStatus.CONFIRMED
    )
    scoped = Subscriber.objects.create(
        email="scoped@example.com", status=SubscriberStatus.CONFIRMED
    )
    scoped.company_types.set(CompanyType.objects.filter(slug="secret-company"))
    weekly = Subscriber.objects.create(
        email="weekly@example.com", status=SubscriberStatus.CONFIRMED, frequency=Frequency.WEEKLY
    )
    return everything, scoped, weekly


SECRET_SLUGS = {"password-role", "restricted-category-role"}
SECRET_TITLES = {"密码保护岗位", "受限类别岗位"}


def test_visible_is_live_and_public(private_roles):
    visible = set(RolePage.objects.visible().values_list("slug", flat=True))
    assert len(visible) == 45 and not visible & SECRET_SLUGS
    assert set(RolePage.objects.live().values_list("slug", flat=True)) >= SECRET_SLUGS
    assert not RoleCategoryPage.objects.visible().filter(slug="secret-category").exists()
    # The same pages as Wagtail's own rule, which the sitemap uses.
    for model in (RolePage, RoleCategoryPage, RoleIndexPage):
        assert set(model.objects.visible()) == set(model.objects.live().public())


def test_private_roles_are_not_mailed_but_a_public_one_is(
    smtp_server, subscribers, django_capture_on_commit_callbacks
):
    # The subscribers exist before the private roles are published.
    category = RoleCategoryPage.objects.get(slug="data-engineering")
    with django_capture_on_commit_callbacks(execute=True):
        make_role(category, "password-role", "密码保护岗位", private=True)
    assert smtp_server.messages == []

    with django_capture_on_commit_callbacks(execute=True):
        make_role(category, "public-role", "公开岗位")
    mails = {message["To"]: message for message in smtp_server.messages}
    assert set(mails) == {"all@example.com", "scoped@example.com"}  # a control: mail works
    for message in mails.values():
        assert "公开岗位" in message["Subject"]
        assert "密码保护岗位" not in body(message)


def test_a_role_made_private_after_it_was_queued_is_not_sent(smtp_server, subscribers, publish):
    role = publish()
    assert smtp_server.messages == []  # queued, not sent yet: see the `publish` fixture below
    restrict(role)
    notifications.send_due_deliveries()
    assert smtp_server.messages == []


@pytest.fixture
def publish():
    """A public role published with its notification queued but not yet sent."""

    def publish():
        role = make_role(RoleCategoryPage.objects.get(slug="data-engineering"), "later", "稍后")
        notifications.create_role_deliveries(role)
        return role

    return publish


def test_private_roles_are_not_in_the_weekly_digest(smtp_server, subscribers, private_roles):
    everything, scoped, weekly = subscribers
    since = timezone.now() - datetime.timedelta(days=7)
    assert not {r.slug for r in notifications.digest_roles(weekly, since)} & SECRET_SLUGS
    assert not {r.slug for r in notifications.digest_roles(scoped, since)} & SECRET_SLUGS
    call_command("send_weekly_digest", stdout=StringIO())
    for message in smtp_server.messages:
        assert not any(title in body(message) for title in SECRET_TITLES)


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/roles/",
        "/feeds/roles/atom/",
        "/feeds/categories/data-engineering/",
        "/feeds/company-types/secret-company/",
        "/feeds/company-types/secret-company/atom/",
    ],
)
def test_private_roles_are_not_in_the_feeds(client, private_roles, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not {entry.title for entry in feed.entries} & SECRET_TITLES
    if "secret-company" in url:
        assert feed.entries == []
    assert "机密定义" not in response.content.decode()


def test_a_restricted_category_has_no_feed(client, private_roles):
    assert client.get("/feeds/categories/secret-category/").status_code == 404


def test_the_api_neither_counts_nor_lists_private_roles(client, private_roles):
    for kind, slug in (("skills", "secret-skill"), ("company-types", "secret-company")):
        detail = client.get(f"/api/v3/{kind}/{slug}/").json()
        assert detail["role_count"] == 0 and detail["roles"] == []
        listed = {term["slug"]: term for term in client.get(f"/api/v3/{kind}/").json()["items"]}
        assert listed[slug]["role_count"] == 0
    # A skill shared with public roles counts only those.
    shared = RolePage.objects.get(slug=TEMPLATE).skill_links.first().skill
    public = RolePage.objects.visible().filter(skill_links__skill=shared).count()
    assert client.get(f"/api/v3/skills/{shared.slug}/").json()["role_count"] == public

    roles = client.get("/api/v3/roles/?limit=100").json()
    assert roles["count"] == 45 and not {r["slug"] for r in roles["items"]} & SECRET_SLUGS
    assert client.get("/api/v3/roles/password-role/").status_code == 404
    categories = {c["slug"]: c for c in client.get("/api/v3/categories/").json()["items"]}
    assert "secret-category" not in categories
    data_engineering = client.get("/api/v3/categories/data-engineering/").json()
    assert data_engineering["role_count"] == len(data_engineering["roles"])
    assert "password-role" not in {r["slug"] for r in data_engineering["roles"]}


def test_listing_facets_company_types_home_and_search_leave_them_out(client, private_roles):
    listing = client.get("/roles/")
    assert listing.context["result_count"] == 45
    counts = {
        facet.name: {option.value: option.count for option in facet.options}
        for facet in listing.context["facets"]
    }
    assert counts["company_type"]["secret-company"] == 0
    assert counts["skill"]["secret-skill"] == 0
    assert "secret-category" not in counts["category"]
    assert counts["category"]["data-engineering"] == (
        RolePage.objects.visible().filter(category__slug="data-engineering").count()
    )

    company_types = {ct.slug: ct for ct in client.get("/company-types/").context["company_types"]}
    assert company_types["secret-company"].role_count == 0
    assert client.get("/company-types/secret-company/").context["result_count"] == 0

    home = client.get("/")
    assert home.context["home"].role_total == 45
    assert "secret-category" not in {c.slug for c in home.context["home"].categories}
    page = home.content.decode()
    assert not any(title in page for title in SECRET_TITLES)
    for cells in home.context["home"].overview["rows"]:
        assert all(company_type.slug != "secret-company" for company_type, *_ in cells[1])

    category = client.get(RoleCategoryPage.objects.get(slug="data-engineering").url)
    assert "密码保护岗位" not in category.content.decode()

    for query in ("密码保护岗位", "受限类别岗位", "机密"):
        assert client.get("/roles/", {"q": query}).context["result_count"] == 0

    subscribe = client.get("/subscribe/").content.decode()
    assert "secret-category" not in subscribe and "机密类别" not in subscribe


def test_private_roles_are_not_in_the_sitemap(client, private_roles):
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/data-engineering/" in sitemap  # a control
    for slug in (*SECRET_SLUGS, "secret-category"):
        assert slug not in sitemap


def test_private_roles_are_not_in_the_downloads(client, private_roles):
    text = client.get("/data/roles.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 45 and not {row["slug"] for row in rows} & SECRET_SLUGS
    data = client.get("/data/roles.json").json()
    assert len(data["roles"]) == 45 and not {r["slug"] for r in data["roles"]} & SECRET_SLUGS
    assert "secret-category" not in {c["slug"] for c in data["categories"]}
    assert "45" in client.get("/data/").content.decode()


def test_a_new_restriction_changes_the_downloads_last_modified(client):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Page.objects.update(last_published_at=long_ago)
    PageLogEntry.objects.update(timestamp=long_ago)
    ModelLogEntry.objects.update(timestamp=long_ago)
    before = parsedate_to_datetime(client.get("/data/roles.json")["Last-Modified"])
    restrict(RolePage.objects.get(slug=TEMPLATE))  # logged, as when done in the admin
    after = client.get("/data/roles.json", HTTP_IF_MODIFIED_SINCE=format_datetime(before, True))
    assert after.status_code == 200  # not 304: a cached copy would still list the role
    assert parsedate_to_datetime(after["Last-Modified"]) > before
    assert TEMPLATE not in {r["slug"] for r in after.json()["roles"]}


def test_related_roles_compare_and_finder_leave_them_out(client, private_roles):
    template = RolePage.objects.get(slug=TEMPLATE)
    assert not {r.role.slug for r in related_roles(template)} & SECRET_SLUGS
    page = client.get(template.url).content.decode()
    assert not any(title in page for title in SECRET_TITLES)

    compare = client.get("/compare/", {"roles": f"password-role,{TEMPLATE}"})
    assert [role.slug for role in compare.context["comparison"].roles] == [TEMPLATE]
    assert not any(title in compare.content.decode() for title in SECRET_TITLES)
    suggestions = client.get("/compare/", {"roles": TEMPLATE}).content.decode()
    assert not any(title in suggestions for title in SECRET_TITLES)

    finder = client.get("/match/", {"skill": "secret-skill"})
    found = [
        fit.role.slug for _label, fits, _hidden in finder.context.get("groups", []) for fit in fits
    ]
    assert not set(found) & SECRET_SLUGS
    assert not any(title in finder.content.decode() for title in SECRET_TITLES)
