"""Subscriptions (roles/notifications.py, roles/tasks.py, the subscribe views and feeds), with
mail going through Django's SMTP backend to a real SMTP server on loopback."""

import datetime
import re
import time
from io import StringIO

import feedparser
import pytest

from django.core import signing
from django.core.management import call_command
from django.utils import timezone

from roles import notifications
from roles.models import (
    CompanyType,
    Delivery,
    DeliveryStatus,
    Frequency,
    RoleCategoryPage,
    RoleCompanyType,
    RolePage,
    RoleSkill,
    Skill,
    Subscriber,
    SubscriberStatus,
)

from .smtp import body

pytestmark = pytest.mark.django_db


def subscriber(email, status=SubscriberStatus.CONFIRMED, categories=(), company_types=(), **kw):
    sub = Subscriber.objects.create(email=email, status=status, **kw)
    sub.categories.set(RoleCategoryPage.objects.filter(slug__in=categories))
    sub.company_types.set(CompanyType.objects.filter(slug__in=company_types))
    return sub


def new_role(slug="ai-data-steward", category="data-engineering", company_types=("bank",)):
    """Publish a new role (its first publication) the way an editor does."""
    parent = RoleCategoryPage.objects.get(slug=category)
    role = RolePage(
        title="AI数据治理专员",
        slug=slug,
        definition="负责数据治理。",
        skills_text="数据处理、沟通能力。",
        company_types_text="金融机构等。",
    )
    role.skill_links = [
        RoleSkill(skill=Skill.objects.get(slug="data-processing")),
        RoleSkill(skill=Skill.objects.get(slug="communication")),
    ]
    role.company_type_links = [
        RoleCompanyType(company_type=ct)
        for ct in CompanyType.objects.filter(slug__in=company_types)
    ]
    parent.add_child(instance=role)
    role.save_revision().publish()
    return role


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish a new role and run what its commit set off (the notification task)."""

    def publish(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return new_role(**kwargs)

    return publish


def confirm_link(message):
    return re.search(r"http://[^/]+(/subscribe/confirm/[^/\s]+/)", body(message)).group(1)


# Subscribing: double opt-in.


def test_subscribe_confirm_then_hear_about_a_new_data_role(
    client, smtp_server, publish, django_capture_on_commit_callbacks
):
    page = client.get("/subscribe/?email=li%40example.com&category=data-engineering")
    assert 'value="li@example.com"' in page.content.decode()
    assert re.search(r'value="data-engineering"[^>]*checked', page.content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/subscribe/",
            {
                "email": "Li@Example.com ",
                "categories": ["data-engineering"],
                "frequency": "immediate",
            },
        )
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    [mail] = smtp_server.messages
    assert mail["To"] == "li@example.com"
    assert mail["Subject"] == "请确认订阅 · AI岗位图谱"
    sub = Subscriber.objects.get(email="li@example.com")
    assert sub.status == SubscriberStatus.PENDING

    # Until confirmed, nothing else is sent.
    publish(slug="first-role")
    assert len(smtp_server.messages) == 1

    page = client.get(confirm_link(mail))
    assert "订阅已确认" in page.content.decode()
    sub.refresh_from_db()
    assert sub.status == SubscriberStatus.CONFIRMED

    role = publish(slug="second-role")
    assert len(smtp_server.messages) == 2
    note = smtp_server.messages[1]
    assert note["Subject"] == "新岗位：AI数据治理专员 · AI岗位图谱"
    assert "负责数据治理。" in body(note) and "数据工程类" in body(note)
    assert "负责数据治理。" in body(note, "html")
    assert role.url in body(note)
    assert (
        note["List-Unsubscribe"].startswith("<http://")
        and "/subscribe/unsubscribe/" in note["List-Unsubscribe"]
    )
    assert note["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Delivery.objects.get(subscriber=sub, role=role).status == DeliveryStatus.SENT


def test_the_answer_is_the_same_for_known_and_unknown_addresses(
    client, smtp_server, django_capture_on_commit_callbacks
):
    subscriber("known@example.com")
    answers = []
    for address in ["known@example.com", "new@example.com"]:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/subscribe/", {"email": address, "frequency": "immediate"})
        answers.append((response.status_code, response["Location"]))
    assert answers[0] == answers[1]
    # The known address is not re-scoped by a stranger; it is told how to change its settings.
    assert smtp_server.to("known@example.com")[0]["Subject"] == "你的订阅设置 · AI岗位图谱"
    assert Subscriber.objects.get(email="known@example.com").status == "confirmed"


def test_confirmation_mails_are_rate_limited(
    client, smtp_server, django_capture_on_commit_callbacks
):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/subscribe/", {"email": "a@example.com", "frequency": "weekly"})
    assert len(smtp_server.to("a@example.com")) == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "", "frequency": "immediate"}, "请填写邮箱地址。"),
        ({"email": "not-an-address", "frequency": "immediate"}, "这不是有效的邮箱地址"),
        ({"email": "x@example.com", "frequency": "hourly"}, "选择一个有效的选项"),
        ({"email": "x@example.com", "frequency": "immediate", "categories": ["nope"]}, "nope"),
    ],
)
def test_bad_subscribe_input_is_explained_and_kept(client, data, error):
    response = client.post("/subscribe/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert "请修改下面标出的问题后重新提交。" in page
    if data["email"]:
        assert f'value="{data["email"]}"' in page
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["garbage", signing.dumps({"s": 1, "a": "confirm"}, salt="wrong"), "x" * 3000],
)
def test_a_bad_confirm_link_says_so(client, token):
    response = client.get(f"/subscribe/confirm/{token}/")
    assert response.status_code == 400
    assert "链接无效或已过期" in response.content.decode()


def test_a_confirm_link_expires(client, settings):
    sub = subscriber("late@example.com", status=SubscriberStatus.PENDING)
    token = notifications.make_token(sub, "confirm")
    settings.SUBSCRIBE_CONFIRM_MAX_AGE = -1
    assert client.get(f"/subscribe/confirm/{token}/").status_code == 400
    # A link made for one purpose does not serve another.
    assert client.get(f"/subscribe/unsubscribe/{token}/").status_code == 400


# What is sent, and to whom.


def test_scope_decides_who_hears_about_a_role(smtp_server, publish):
    subscriber("all@example.com")
    subscriber("data@example.com", categories=["data-engineering"])
    subscriber("bank@example.com", company_types=["financial-institution"])
    subscriber("design@example.com", categories=["design"])
    subscriber("games@example.com", company_types=["game-company"])
    subscriber("weekly@example.com", frequency=Frequency.WEEKLY)
    subscriber("gone@example.com", status=SubscriberStatus.UNSUBSCRIBED)
    publish(company_types=("financial-institution",))
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "all@example.com",
        "bank@example.com",
        "data@example.com",
    ]


def test_only_the_first_publication_is_news(
    smtp_server, publish, django_capture_on_commit_callbacks
):
    subscriber("all@example.com")
    role = publish()
    assert len(smtp_server.messages) == 1
    role.definition = "改写后的定义。"
    with django_capture_on_commit_callbacks(execute=True):
        role.save_revision().publish()
        role.unpublish()
        RolePage.objects.get(pk=role.pk).save_revision().publish()
    assert len(smtp_server.messages) == 1
    # Loading the catalogue again publishes nothing new either.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_catalogue", stdout=StringIO())
    assert len(smtp_server.messages) == 1


def test_a_scheduled_role_is_announced_when_it_goes_live(
    smtp_server, django_capture_on_commit_callbacks
):
    subscriber("all@example.com")
    parent = RoleCategoryPage.objects.get(slug="design")
    role = RolePage(
        title="AI动效设计师",
        slug="ai-motion",
        definition="做动效。",
        skills_text="设计。",
        company_types_text="游戏公司等。",
        live=False,
    )
    role.skill_links = [RoleSkill(skill=Skill.objects.get(slug="design-tools"))]
    role.company_type_links = [
        RoleCompanyType(company_type=CompanyType.objects.get(slug="game-company"))
    ]
    parent.add_child(instance=role)
    role.go_live_at = timezone.now() + datetime.timedelta(seconds=2)
    with django_capture_on_commit_callbacks(execute=True):
        role.save_revision().publish()  # scheduled, not yet live
    assert not RolePage.objects.get(pk=role.pk).live
    assert smtp_server.messages == []

    time.sleep(2.5)  # until the go-live time has passed
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_scheduled", stdout=StringIO())
    assert RolePage.objects.get(pk=role.pk).live
    assert [m["Subject"] for m in smtp_server.messages] == ["新岗位：AI动效设计师 · AI岗位图谱"]


def test_an_smtp_failure_is_retried_and_recorded_and_sent_once(smtp_server, publish):
    sub = subscriber("all@example.com")
    smtp_server.fail_first = 1
    role = publish()
    assert len(smtp_server.messages) == 1
    delivery = Delivery.objects.get(subscriber=sub, role=role)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
    assert "451" in delivery.last_error


def test_a_delivery_that_keeps_failing_is_marked_failed(smtp_server, publish, settings):
    sub = subscriber("all@example.com")
    smtp_server.fail_first = 99
    role = publish()
    delivery = Delivery.objects.get(subscriber=sub, role=role)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == settings.DELIVERY_MAX_ATTEMPTS
    assert smtp_server.messages == []


def test_a_delivery_is_owed_once(publish):
    sub = subscriber("all@example.com")
    role = publish()
    notifications.create_role_deliveries(role)
    notifications.create_role_deliveries(role)
    assert Delivery.objects.filter(subscriber=sub, role=role).count() == 1


# Leaving, and changing one's mind.


def test_one_click_unsubscribe_by_post_cancels_pending_mail(client, smtp_server):
    sub = subscriber("bye@example.com")
    role = RolePage.objects.get(slug="data-scientist")
    pending = Delivery.objects.create(subscriber=sub, role=role)
    url = f"/subscribe/unsubscribe/{notifications.make_token(sub, 'unsubscribe')}/"

    page = client.get(url).content.decode()  # a link scanner's GET changes nothing
    assert "确认退订" in page
    assert Subscriber.objects.get(pk=sub.pk).status == SubscriberStatus.CONFIRMED

    # RFC 8058: the mail client POSTs, with no session and no CSRF token.
    strict = client.__class__(enforce_csrf_checks=True)
    response = strict.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Subscriber.objects.get(pk=sub.pk).status == SubscriberStatus.UNSUBSCRIBED
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.CANCELLED
    assert notifications.send_due_deliveries() == 0
    assert smtp_server.messages == []


def test_preferences_page_changes_scope_and_frequency(client):
    sub = subscriber("me@example.com", categories=["design"])
    url = f"/subscribe/manage/{notifications.make_token(sub, 'manage')}/"
    page = client.get(url).content.decode()
    assert re.search(r'value="design"[^>]*checked', page)
    response = client.post(
        url, {"categories": ["brand"], "company_types": ["game-company"], "frequency": "weekly"}
    )
    assert "已保存。" in response.content.decode()
    sub.refresh_from_db()
    assert sub.frequency == "weekly"
    assert [c.slug for c in sub.categories.all()] == ["brand"]
    assert [c.slug for c in sub.company_types.all()] == ["game-company"]


# Weekly digests.


def test_weekly_digest_lists_the_weeks_new_roles_once(smtp_server, publish):
    weekly = subscriber(
        "weekly@example.com", frequency=Frequency.WEEKLY, categories=["data-engineering"]
    )
    publish()
    RolePage.objects.exclude(slug="ai-data-steward").update(
        first_published_at=timezone.now() - datetime.timedelta(days=60)
    )
    assert smtp_server.messages == []  # weekly subscribers are not told at once
    call_command("send_weekly_digest", stdout=StringIO())
    call_command("send_weekly_digest", stdout=StringIO())
    [digest] = smtp_server.to("weekly@example.com")
    assert digest["Subject"] == "本周新岗位（1 个）· AI岗位图谱"
    assert "AI数据治理专员" in body(digest) and "负责数据治理。" in body(digest, "html")
    assert Delivery.objects.get(subscriber=weekly).digest == notifications.week_key(
        timezone.localdate()
    )


# Feeds.


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/roles/",
        "/feeds/roles/atom/",
        "/feeds/categories/data-engineering/",
        "/feeds/categories/data-engineering/atom/",
        "/feeds/company-types/financial-institution/",
        "/feeds/company-types/financial-institution/atom/",
    ],
)
def test_feeds_are_valid_and_list_new_roles(client, url, publish):
    role = publish(company_types=("financial-institution",))
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version in {"rss20", "atom10"}
    assert feed.entries[0].title == "AI数据治理专员"
    assert feed.entries[0].link.endswith(role.url)
    titles = {entry.title for entry in feed.entries}
    if "categories" in url:
        assert titles <= set(
            RolePage.objects.filter(category__slug="data-engineering").values_list(
                "title", flat=True
            )
        )


def test_pages_announce_their_feeds(client):
    home = client.get("/").content.decode()
    assert (
        '<link rel="alternate" type="application/rss+xml"' in home
        and 'href="/feeds/roles/"' in home
    )
    category = client.get("/data-engineering/").content.decode()
    assert 'href="/feeds/categories/data-engineering/"' in category
    company = client.get("/company-types/financial-institution/").content.decode()
    assert 'href="/feeds/company-types/financial-institution/atom/"' in company
    assert client.get("/feeds/categories/nope/").status_code == 404
