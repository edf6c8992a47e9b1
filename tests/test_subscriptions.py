"""Subscriptions (roles/subscriptions/: notifications.py, tasks.py, the subscribe views; and the
feeds), with mail going through Django's SMTP backend to a real SMTP server on loopback."""

import datetime
import re
import time
from io import StringIO

import feedparser
import pytest

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.mail import mailers
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from wagtail.models import ReferenceIndex

from roles.choices import DeliveryStatus, Frequency, SubscriberStatus
from roles.models import (
    CompanyType,
    Delivery,
    RoleCategoryPage,
    RoleCompanyType,
    RolePage,
    RoleSkill,
    Skill,
    Subscriber,
)
from roles.subscriptions import notifications
from roles.subscriptions.forms import SubscribeForm
from roles.templatetags.roles_listing import option_input

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

    page = client.get(confirm_link(mail))  # what a link scanner also fetches: a button
    assert "确认订阅" in page.content.decode()
    sub.refresh_from_db()
    assert sub.status == SubscriberStatus.PENDING
    page = client.post(confirm_link(mail))
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
        answers.append((response.status_code, response["Location"], response.content))
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
    # Fixed ids: the signed token holds a timestamp, and pytest-xdist needs every worker to
    # collect the same test ids.
    ids=["garbage", "wrong-salt", "too-long"],
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


def test_a_role_mail_serialised_once_is_the_mail_emailmessage_writes(smtp_server, publish):
    """Over SMTP, a role's mail is serialised once and each subscriber's values put into the
    bytes (MailTemplate); an address that is not plain ASCII goes through EmailMessage. Both
    arrive as the same mail: the same headers (Date aside) and, decoded, the same bodies."""
    plain = subscriber("reader.one+ai@example.com")
    role = publish()
    delivery = Delivery.objects.select_related("subscriber").get(subscriber=plain, role=role)
    fast = notifications.role_message(delivery, {}, mailer=mailers.default)
    assert isinstance(fast, notifications.RawMail)
    mailers.default.send_messages([notifications.role_message(delivery, {})])  # EmailMessage
    [served, written] = smtp_server.messages  # the first came from publish()'s worker run
    assert served.raw.startswith(b"Date: ") and served["Content-Transfer-Encoding"] is None

    def normalised(message):
        tokens = re.compile(r"/subscribe/(manage|unsubscribe)/[^/\s\"<>]+/")  # signed, timed

        def plain(text):
            return tokens.sub(r"/subscribe/\1/…/", text)

        drop = {"Date", "Content-Type"}  # the time, and the multipart boundary
        headers = sorted((k, plain(str(v))) for k, v in message.items() if k not in drop)
        return headers, [plain(part.get_content()) for part in message.iter_parts()]

    assert normalised(served) == normalised(written)
    assert served["To"] == "reader.one+ai@example.com"
    assert served["Message-ID"] == f"<delivery-{delivery.pk}@airoles>"
    assert served["List-Unsubscribe"].startswith("<http")
    assert [p.get_content_type() for p in served.iter_parts()] == ["text/plain", "text/html"]
    assert served.get_body(preferencelist=("plain",))["Content-Transfer-Encoding"] == "base64"
    assert role.title in body(served) and role.title in body(served, "html")

    # An internationalised address is not written into the bytes: EmailMessage encodes it.
    idn = subscriber("reader@例子.com")
    delivery = Delivery.objects.create(subscriber=idn, role=role)
    message = notifications.role_message(delivery, {}, mailer=mailers.default)
    assert not isinstance(message, notifications.RawMail)
    assert message.to == ["reader@例子.com"]


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


def test_the_ledger_stays_out_of_wagtails_reference_index(smtp_server, publish):
    """A delivery is no content: the admin's "usage" of a role does not count the mails owed
    about it, and sending a mail costs no reference-index task."""
    subscriber("all@example.com")
    role = publish()
    assert len(smtp_server.messages) == 1
    assert not ReferenceIndex.is_indexed(Delivery)
    deliveries = ContentType.objects.get_for_model(Delivery)
    assert not ReferenceIndex.objects.filter(content_type=deliveries).exists()
    assert not ReferenceIndex.get_references_to(role).filter(content_type=deliveries).exists()


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


def test_a_feed_keeps_no_request_on_its_shared_instance(client, publish):
    """urls.py makes one feed instance for all requests: a request kept on it could be read by
    another thread answering another visitor."""
    publish()
    for url in ("/feeds/roles/", "/feeds/categories/data-engineering/atom/"):
        feed = resolve(url).func
        assert client.get(url).status_code == 200
        assert not hasattr(feed, "request")


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


# Subscribing cannot flood an inbox (issue #12, item 5).


@pytest.fixture
def queued(settings):
    """Tasks are queued, not run: what a request does by itself, apart from its task's work.
    `queued.run()` then runs them as a worker would."""
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"},
    }
    from django.tasks import default_task_backend

    default_task_backend.clear()

    def run():
        for result in list(default_task_backend.results):
            result.task.call(*result.args, **result.kwargs)
        default_task_backend.clear()

    default_task_backend.run = run
    return default_task_backend


def post_subscribe(client, email, **extra):
    form = {"email": email, "frequency": "weekly", "categories": ["data-engineering"]}
    return client.post("/subscribe/", form, **extra)


def test_known_and_unknown_addresses_get_identical_answers_from_identical_work(
    client, queued, smtp_server
):
    subscriber("known@example.com", categories=["design"])
    subscriber("pending@example.com", status=SubscriberStatus.PENDING)
    subscriber("gone@example.com", status=SubscriberStatus.UNSUBSCRIBED)
    form = {
        "frequency": "weekly",
        "categories": ["data-engineering"],
        "company_types": ["game-company", "financial-institution"],
    }
    client.post("/subscribe/", {**form, "email": "warm-up@example.com"})
    answers, queries = {}, {}
    addresses = ["known@example.com", "pending@example.com", "gone@example.com", "new@example.com"]
    for address in addresses:
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/subscribe/", {**form, "email": address})
        answers[address] = (response.status_code, sorted(response.items()), response.content)
        queries[address] = [query["sql"] for query in captured.captured_queries]
    status, headers, _body = answers["new@example.com"]
    assert status == 302 and dict(headers)["Location"] == "/subscribe/sent/"
    # Byte for byte the same answer, and the same SQL, whatever the address; the view does not
    # look the address up at all (the task does), so its time does not tell either.
    assert all(answers[address] == answers["new@example.com"] for address in addresses)
    assert all(queries[address] == queries["new@example.com"] for address in addresses)
    assert not any("roles_subscriber" in sql for sql in queries["new@example.com"])

    queued.run()
    subjects = {m["To"]: m["Subject"] for m in smtp_server.messages}
    assert subjects["known@example.com"] == "你的订阅设置 · AI岗位图谱"
    for address in ["pending@example.com", "gone@example.com", "new@example.com"]:
        assert subjects[address] == "请确认订阅 · AI岗位图谱"
    known = Subscriber.objects.get(email="known@example.com")
    assert known.status == SubscriberStatus.CONFIRMED  # not re-scoped by a stranger
    assert [c.slug for c in known.categories.all()] == ["design"]
    new = Subscriber.objects.get(email="new@example.com")
    assert new.frequency == "weekly" and [c.slug for c in new.categories.all()] == [
        "data-engineering"
    ]
    assert sorted(ct.slug for ct in new.company_types.all()) == [
        "financial-institution",
        "game-company",
    ]


def test_plus_addressed_variants_of_one_mailbox_get_one_confirmation_mail(client, smtp_server):
    variants = [f"victim+{n}@example.com" for n in range(1, 8)]
    variants += ["Victim+Upper@Example.COM", "VICTIM@example.com", "victim@example.com"]
    for address in variants:
        assert post_subscribe(client, address).status_code == 302
    assert [m["To"] for m in smtp_server.messages] == ["victim+1@example.com"]
    # Each address is kept as it was given (in lower case, as always); only the limit folds them.
    stored = Subscriber.objects.filter(mailbox="victim@example.com")
    assert sorted(stored.values_list("email", flat=True)) == sorted(
        {address.lower() for address in variants}
    )
    # Another mailbox on the same domain is not held back.
    post_subscribe(client, "someone+news@example.com")
    assert [m["To"] for m in smtp_server.messages][1:] == ["someone+news@example.com"]


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["locmem", "redis"])
def limit_cache(request, settings, tmp_path):
    """The cache the limits count in: each process's memory, or a real redis-server shared by
    every app server (as in production)."""
    import os
    import shutil
    import socket
    import subprocess

    from django.core.cache import cache

    process = None
    if request.param == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    else:
        executable = shutil.which("redis-server")
        if executable is None:
            if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER"):
                pytest.fail("redis-server is required here (apt-get install redis)")
            pytest.skip("no redis-server")
        port = free_port()
        process = subprocess.Popen(
            [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            }
        }
    cache.clear()
    yield request.param
    cache.clear()
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


def test_subscribe_requests_are_limited_per_client_address(client, settings, limit_cache, queued):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "3/hour"
    settings.SUBSCRIBE_RATE_SITE = "100/hour"
    for n in range(3):
        assert post_subscribe(client, f"reader{n}@example.com").status_code == 302
    # A forged X-Forwarded-For is no way around it (no trusted proxy is configured).
    response = post_subscribe(client, "reader3@example.com", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "订阅请求太频繁了，请" in page and "分钟后再提交。你填写的内容都保留在下面。" in page
    assert page.count("<h1") == 1
    # What the visitor typed is all still there.
    assert 'value="reader3@example.com"' in page
    assert re.search(r'value="data-engineering"[^>]*checked', page)
    assert re.search(r'value="weekly"[^>]*checked', page)
    assert len(queued.results) == 3  # nothing was queued for the refused request
    # Another client is not held back.
    response = post_subscribe(client, "other@example.com", REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302


def test_subscribe_requests_are_limited_site_wide(client, settings, limit_cache, queued):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "100/hour"
    settings.SUBSCRIBE_RATE_SITE = "2/hour"
    for n in range(2):
        response = post_subscribe(client, f"r{n}@example.com", REMOTE_ADDR=f"192.0.2.{n + 1}")
        assert response.status_code == 302
    response = post_subscribe(client, "r2@example.com", REMOTE_ADDR="192.0.2.3")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert len(queued.results) == 2


def test_a_cache_that_is_down_does_not_stop_subscribing(client, settings, queued, caplog):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "1/hour"
    settings.SUBSCRIBE_RATE_SITE = "1/hour"
    settings.CACHES = {  # nothing listens there
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    for n in range(3):  # fails open: limits cannot count, subscribing still works
        assert post_subscribe(client, f"r{n}@example.com").status_code == 302
    assert len(queued.results) == 3
    assert "cache unavailable, request let through" in caplog.text


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("10/hour", (10, 3600)), ("200/day", (200, 86400)), ("5/10min", (5, 600)), ("", None)],
)
def test_subscribe_rates_read_like_the_apis(rate, parsed):
    from roles.subscriptions.ratelimit import parse_rate

    assert parse_rate(rate) == parsed


def test_a_malformed_subscribe_rate_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    from roles.subscriptions.ratelimit import parse_rate

    with pytest.raises(ImproperlyConfigured):
        parse_rate("ten per hour")


# List-Unsubscribe is a literal header (issue #12, item 6).

LONG_SITE = "https://notifications.ai-roles-catalogue-with-a-rather-long-domain-name.example.com"


def assert_literal_list_unsubscribe(raw, client):
    """The header as the SMTP server received it: `<https://…>`, never RFC 2047 encoded-words,
    folded (if at all) only at whitespace; and its URL unsubscribes with one POST (RFC 8058)."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii") + "\r\n"
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head
    [folded] = re.findall(r"^List-Unsubscribe: ((?:.*)(?:\r\n[ \t].*)*)$", head, re.M)
    assert "=?" not in folded
    value = re.sub(r"\r\n(?=[ \t])", "", folded).strip()
    assert len("List-Unsubscribe: " + value) > 78  # long enough to have been folded before
    match = re.fullmatch(re.escape(f"<{LONG_SITE}") + r"(/subscribe/unsubscribe/[\w:-]+/)>", value)
    assert match, value
    strict = client.__class__(enforce_csrf_checks=True)
    response = strict.post(match.group(1), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "已退订" in response.content.decode()


def test_the_confirmation_mail_carries_a_literal_list_unsubscribe_header(
    client, smtp_server, settings
):
    settings.WAGTAILADMIN_BASE_URL = LONG_SITE
    post_subscribe(client, "reader@example.com")
    [mail] = smtp_server.messages
    assert_literal_list_unsubscribe(mail.raw, client)
    assert Subscriber.objects.get(email="reader@example.com").status == "unsubscribed"


def test_the_new_role_mail_carries_a_literal_list_unsubscribe_header(
    client, smtp_server, settings, publish
):
    settings.WAGTAILADMIN_BASE_URL = LONG_SITE
    sub = subscriber("reader@example.com")
    publish()
    [mail] = smtp_server.messages
    assert mail["Subject"] == "新岗位：AI数据治理专员 · AI岗位图谱"  # other headers as before
    assert_literal_list_unsubscribe(mail.raw, client)
    sub.refresh_from_db()
    assert sub.status == SubscriberStatus.UNSUBSCRIBED


# Confirmation links: one click by a person, nothing by a scanner, and once (item 9).


def test_a_link_scanner_confirms_nothing_and_a_person_confirms_with_one_click(client, smtp_server):
    post_subscribe(client, "reader@example.com")
    link = confirm_link(smtp_server.messages[0])
    browser = client.__class__(enforce_csrf_checks=True)

    page = browser.get(link)  # what a mail scanner prefetching the link gets
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "还差一步：点击下面的按钮，确认用 reader@example.com 接收新岗位通知。" in html
    form = re.search(
        r'<form method="post" action="([^"]+)">.*?name="csrfmiddlewaretoken" value="([^"]+)"'
        r'.*?<button type="submit"[^>]*>确认订阅</button>',
        html,
        re.S,
    )
    assert form and form.group(1) == link
    assert browser.post(link).status_code == 403  # a POST without the page's token
    assert Subscriber.objects.get(email="reader@example.com").status == "pending"

    page = browser.post(link, {"csrfmiddlewaretoken": form.group(2)})  # the person's click
    assert page.status_code == 200 and "订阅已确认" in page.content.decode()
    assert Subscriber.objects.get(email="reader@example.com").status == "confirmed"

    # Used once: the same link is now refused, whoever follows it.
    for response in (browser.get(link), client.post(link)):
        assert response.status_code == 400
        assert "链接无效或已过期" in response.content.decode()


def test_a_confirm_link_is_refused_after_unsubscribing(client, smtp_server):
    post_subscribe(client, "leaving@example.com")
    [mail] = smtp_server.messages
    link = confirm_link(mail)
    unsubscribe = re.search(r"(/subscribe/unsubscribe/[^>]+/)>", mail["List-Unsubscribe"])
    client.post(unsubscribe.group(1))
    sub = Subscriber.objects.get(email="leaving@example.com")
    assert sub.status == SubscriberStatus.UNSUBSCRIBED
    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400

    # Subscribing again within SUBSCRIBE_RESEND_SECONDS sends no new mail; the old link stays
    # dead all the same.
    post_subscribe(client, "leaving@example.com")
    assert len(smtp_server.messages) == 1
    assert client.post(link).status_code == 400
    sub.refresh_from_db()
    assert sub.status == SubscriberStatus.PENDING


def test_only_the_newest_confirm_link_works(client, smtp_server, settings):
    settings.SUBSCRIBE_RESEND_SECONDS = 0
    post_subscribe(client, "twice@example.com")
    post_subscribe(client, "twice@example.com")
    first, second = (confirm_link(mail) for mail in smtp_server.messages)
    assert first != second
    assert client.get(first).status_code == 400
    assert client.post(first).status_code == 400
    assert Subscriber.objects.get(email="twice@example.com").status == "pending"
    assert "订阅已确认" in client.post(second).content.decode()
    assert Subscriber.objects.get(email="twice@example.com").status == "confirmed"


# NUL bytes in scope parameters are no 500 on PostgreSQL (item 10).


@pytest.mark.parametrize(
    "query",
    [
        "category=%00",
        "company_type=%00",
        "email=%00",
        "category=data%00-engineering&company_type=game-company%00&email=a%00%40example.com",
        "category=data-engineering&category=%00&company_type=%00&company_type=game-company",
    ],
)
def test_nul_bytes_in_the_subscribe_links_query_are_ignored(client, query):
    response = client.get(f"/subscribe/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "\x00" not in page
    if query.startswith("category=data-engineering"):  # the good values still count
        assert re.search(r'value="data-engineering"[^>]*checked', page)
        assert re.search(r'value="game-company"[^>]*checked', page)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("categories", ["\x00"]),
        ("categories", ["data-engineering", "design\x00"]),
        ("company_types", ["\x00"]),
        ("email", "a\x00@example.com"),
        ("email", "\x00"),
        ("frequency", "\x00"),
    ],
)
def test_nul_bytes_in_the_subscribe_form_are_explained(client, queued, field, value):
    data = {"email": "x@example.com", "frequency": "weekly", field: value}
    response = client.post("/subscribe/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "请修改下面标出的问题后重新提交。" in page
    if field != "frequency":
        assert "含有不允许的空字符，请重新填写。" in page
    assert not queued.results and not Subscriber.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("categories", ["\x00"]), ("company_types", ["game-company", "\x00"]), ("frequency", "\x00")],
)
def test_nul_bytes_in_the_preferences_form_are_explained(client, field, value):
    sub = subscriber("me@example.com", categories=["design"])
    url = f"/subscribe/manage/{notifications.make_token(sub, 'manage')}/"
    assert client.get(url + "?category=%00&company_type=%00").status_code == 200
    response = client.post(url, {"frequency": "weekly", "categories": ["brand"], field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert "请修改下面标出的问题后重新提交。" in page and "已保存。" not in page
    sub.refresh_from_db()
    assert sub.frequency == Frequency.IMMEDIATE
    assert [c.slug for c in sub.categories.all()] == ["design"]


@pytest.mark.parametrize("action", ["confirm", "manage", "unsubscribe"])
def test_nul_bytes_in_subscription_links_are_invalid_links(client, action):
    sub = subscriber("me@example.com")
    token = notifications.make_token(sub, action)
    for url in [f"/subscribe/{action}/%00/", f"/subscribe/{action}/{token}%00/"]:
        for response in (client.get(url), client.post(url, {"categories": ["\x00"]})):
            assert response.status_code == 400
            assert "链接无效或已过期" in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        None,  # a blank form
        {"email": "x@example.com", "categories": ["tech-rnd"], "frequency": "weekly"},
        {"email": "", "company_types": ["tech-company", "no-such-type"], "frequency": "?"},
    ],
)
def test_the_scope_forms_option_inputs_are_djangos_own_markup(data):
    """option_input (roles_listing) writes each checkbox and radio itself, for speed: it must
    be exactly what Django's widget templates write, whatever was checked or wrong."""
    form = SubscribeForm(data)
    if data is not None:
        form.is_valid()
    compared = 0
    for name in ("categories", "company_types", "frequency"):
        for choice in form[name]:
            assert option_input(choice) == choice.tag(), (name, choice.data["value"])
            compared += 1
    assert compared > 40
