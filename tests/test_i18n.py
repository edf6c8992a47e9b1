"""The English interface (issue 7): translations complete and compiled, every public page free of
untranslated interface strings in English, the language switcher, and mails in a chosen language.
Chinese stays the default and the source language; catalogue content is not translated."""

import gettext
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import expect

from django.conf import settings
from django.utils import translation
from django.utils.text import Truncator

from roles.choices import SubscriberStatus
from roles.models import (
    Background,
    CompanyType,
    Delivery,
    RoleCategoryPage,
    RoleIndexPage,
    RolePage,
    Skill,
    Subscriber,
)
from roles.subscriptions import notifications

from .browser import browser, catalogue_server, screenshot  # noqa: F401  (fixtures)
from .smtp import body

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
# Han characters plus CJK and full-width punctuation (，。：；（）！？、“” are what untranslated
# Chinese leaves behind even when its words are gone).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
CHECKED_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "value", "content"}
ROLE = "deep-learning-engineer"  # has an English name, synonyms and related roles
OTHER_ROLE = "nlp-engineer"


# The translation files.


def msgfmt():
    path = shutil.which("msgfmt")
    if path is None:
        if os.environ.get("REQUIRE_GETTEXT"):
            pytest.fail("msgfmt (GNU gettext) is required here but was not found")
        pytest.skip("msgfmt is not installed (apt-get install gettext)")
    return path


def test_the_english_catalogue_is_complete():
    """No untranslated and no fuzzy entry: msgfmt counts them (and checks the formats)."""
    result = subprocess.run(
        [msgfmt(), "--check", "--statistics", "-o", "/dev/null", LOCALE / "django.po"],
        capture_output=True,
        text=True,
        check=True,
    )
    statistics = result.stderr.strip()
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text()


def test_the_committed_mo_file_is_compiled_from_the_po_file(tmp_path):
    """`make run` needs no gettext: django.mo is committed, and must match django.po."""
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt(), "-o", compiled, LOCALE / "django.po"], check=True)

    def catalogue(path):
        with open(path, "rb") as file:
            return gettext.GNUTranslations(file)._catalog

    assert catalogue(LOCALE / "django.mo") == catalogue(compiled), "run `make messages`"


def test_translations_are_found_through_locale_paths():
    assert LOCALE.parent.parent in [Path(p) for p in settings.LOCALE_PATHS]
    with translation.override("en"):
        assert translation.gettext("岗位对比") == "Compare roles"
    with translation.override("zh-hans"):
        assert translation.gettext("岗位对比") == "岗位对比"


# Scanning English pages for untranslated interface strings.


class Visible(HTMLParser):
    """The text a visitor sees or hears: text outside <script>/<style>, and the attributes
    that browsers and screen readers show or read out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            # data-label-*: the words compare.js shows in the compare tray.
            if (name in CHECKED_ATTRIBUTES or name.startswith("data-label")) and value:
                self.parts.append(f"<{tag} {name}> {value}")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def catalogue_content():
    """Every piece of catalogue content a page may show, longest first: it stays Chinese on
    the English interface, so the scan removes it before looking for Chinese."""
    texts = set()
    for role in RolePage.objects.all():
        texts.update([role.title, role.english_name, role.definition, role.skills_text])
        texts.update([role.company_types_text, role.seo_title, role.search_description])
        texts.update(role.synonym_list)
        texts.add(Truncator(role.definition).chars(60, truncate="…"))  # role cards
    for category in RoleCategoryPage.objects.all():
        texts.update([category.title, category.english_name, category.intro, category.suits])
        texts.add(category.threshold_text)
    for home in RoleIndexPage.objects.all():
        texts.update([home.title, home.intro, home.source_title, home.source_author])
        texts.add(home.source_publisher)
    for model in (Skill, CompanyType, Background):
        for term in model.objects.all():
            texts.update([term.name, term.description])
    # Each language's own name, as the language switcher shows it.
    texts.update(
        translation.get_language_info(code)["name_local"] for code, _n in settings.LANGUAGES
    )
    return sorted((text.strip() for text in texts if text and text.strip()), key=len, reverse=True)


def untranslated(html, content, extra=()):
    """Lines of visible text that still hold Chinese once the content is removed."""
    parser = Visible()
    parser.feed(re.sub(r"</?mark>", "", html))  # a highlighted search match is part of its text
    texts = sorted([*extra, *content], key=len, reverse=True)
    leftovers = []
    for part in parser.parts:
        for text in texts:
            if text in part:
                part = part.replace(text, " ")
        if CJK.search(part):
            leftovers.append(part)
    return leftovers


@pytest.fixture
def content(db):
    return catalogue_content()


def subscriber_links():
    subscriber = Subscriber.objects.create(
        email="reader@example.com", status=SubscriberStatus.CONFIRMED
    )
    return {
        action: f"/subscribe/{action}/{notifications.make_token(subscriber, action)}/"
        for action in ("confirm", "manage", "unsubscribe")
    }


def english_client(client, how):
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client, {}
    return client, {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def public_urls():
    role = RolePage.objects.get(slug=ROLE)
    category = role.category
    empty = "/roles/?category=tech-rnd&threshold=moderate"  # no role: the empty state
    return [
        "/",
        category.url,
        role.url,
        "/roles/",
        "/roles/?company_type=tech-company&category=tech-rnd&skill=python&threshold=high&sort=name",
        "/roles/?company_type=no-such-type&sort=sideways&page=99&threshold=extreme",
        "/roles/?page=2",
        empty,
        "/roles/?q=数据",
        "/roles/?q=tishi",
        "/roles/?q=区块链",
        "/roles/?q=区块链数据",
        "/skills/",
        "/skills/data-analysis/",
        "/skills/no-such-skill/",
        "/company-types/",
        "/company-types/tech-company/",
        "/company-types/tech-company/?category=tech-rnd&q=%E6%A8%A1%E5%9E%8B",
        "/compare/",
        f"/compare/?roles={ROLE}",
        f"/compare/?roles={ROLE},{OTHER_ROLE}",
        f"/compare/?roles={ROLE},{ROLE},no-such-role",
        "/match/",
        "/match/?background=programming&skill=python&skill=communication&company_type=tech-company",
        "/match/?skill=no-such-skill&background=nobody",
        "/subscribe/",
        "/subscribe/?category=tech-rnd&email=a%40example.com",
        "/subscribe/sent/",
        "/subscribe/confirm/not-a-token/",
        "/no-such-page/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_english_pages_have_no_untranslated_interface_strings(client, content, how):
    client, headers = english_client(client, how)
    links = subscriber_links()
    pages = {url: client.get(url, **headers) for url in public_urls()}
    pages["manage"] = client.get(links["manage"], **headers)
    pages["unsubscribe"] = client.get(links["unsubscribe"], **headers)
    pages["manage (saved)"] = client.post(
        links["manage"], {"frequency": "weekly", "categories": ["tech-rnd"]}, **headers
    )
    pages["subscribe (bad email)"] = client.post(
        "/subscribe/", {"email": "not-an-address", "frequency": "nope"}, **headers
    )
    pages["subscribe (no email)"] = client.post("/subscribe/", {}, **headers)
    pages["confirm"] = client.get(links["confirm"], **headers)
    pages["unsubscribed"] = client.post(links["unsubscribe"], **headers)

    found = {}
    for name, response in pages.items():
        assert response.status_code in (200, 400, 404), (name, response.status_code)
        html = response.content.decode()
        assert '<html lang="en">' in html, name
        leftovers = untranslated(
            html, content, extra=["区块链数据", "区块链", "数据", "模型", "not-an-address"]
        )
        if leftovers:
            found[name] = leftovers
    assert not found, found


@pytest.mark.django_db
def test_the_scan_does_find_untranslated_strings(client, content):
    """The scan above is no stronger than this: Chinese interface text is caught."""
    html = client.get(RolePage.objects.get(slug=ROLE).url).content.decode()
    leftovers = untranslated(html, content)
    assert any("核心技能" in line for line in leftovers)
    assert any("<input placeholder>" in line for line in leftovers)


@pytest.mark.django_db
def test_error_messages_and_notices_are_english(client):
    client, headers = english_client(client, "accept-language")
    html = client.post("/subscribe/", {"email": "nope"}, **headers).content.decode()
    assert "That is not a valid email address" in html
    html = client.get("/roles/?company_type=no-such-type&sort=sideways", **headers).content.decode()
    assert "Unknown Company type ignored: no-such-type" in html
    assert "That sort order is not supported" in html
    html = client.get(f"/compare/?roles={ROLE},no-such-role", **headers).content.decode()
    assert "These roles were not found and were ignored: no-such-role" in html


# The same URL in both languages; Chinese by default.


@pytest.mark.django_db
def test_chinese_is_the_default_and_the_same_url_serves_english(client):
    url = RolePage.objects.get(slug=ROLE).url
    chinese = client.get(url)
    assert chinese["Content-Language"] == "zh-hans"
    html = chinese.content.decode()
    assert '<html lang="zh-Hans">' in html and "核心技能" in html
    assert "<h1>深度学习算法工程师</h1>" in html

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Language"] == "en"
    html = english.content.decode()
    assert '<html lang="en">' in html and "Core skills" in html
    # The role's English name leads, with its Chinese name alongside; so does the <title>.
    assert "<h1>Deep Learning Algorithm Engineer</h1>" in html
    assert '<p class="page-head__other-name" lang="zh-Hans">深度学习算法工程师</p>' in html
    assert "<title>Deep Learning Algorithm Engineer · 深度学习算法工程师 · AI Roles" in html
    # Content stays Chinese.
    assert RolePage.objects.get(slug=ROLE).definition in html

    for response in (chinese, english):
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert {"Accept-Language", "Cookie"} <= vary


@pytest.mark.django_db
def test_role_cards_lead_with_the_english_name_on_the_english_interface(client):
    role = RolePage.objects.get(slug=ROLE)
    html = client.get("/roles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<a href="{role.url}">Deep Learning Algorithm Engineer</a></h3>' in html
    html = client.get("/roles/").content.decode()
    assert f'<a href="{role.url}">深度学习算法工程师</a></h3>' in html


@pytest.mark.django_db
def test_compare_finder_tray_and_sharing_use_english_names_on_the_english_interface(client):
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    compare = client.get("/compare/?roles=data-scientist,data-engineer", **english)
    assert '<th scope="col">Data Scientist</th>' in compare.content.decode()
    assert 'data-compared-title="Data Scientist"' in compare.content.decode()
    finder = client.get("/match/?skill=python", **english).content.decode()
    assert ">Data Scientist</a>" in finder and ">数据科学家</a>" not in finder
    role = client.get("/data-engineering/data-scientist/", **english).content.decode()
    assert 'data-compare-title="Data Scientist"' in role
    assert '<meta property="og:title" content="Data Scientist">' in role
    chinese = client.get("/match/?skill=python").content.decode()
    assert ">数据科学家</a>" in chinese


@pytest.mark.django_db
def test_an_unsupported_accept_language_gets_chinese(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="zh-Hans">' in html


# The language switcher.


@pytest.mark.django_db
def test_the_header_links_to_the_other_language_and_back_to_this_page(client):
    html = client.get("/roles/?category=tech-rnd").content.decode()
    assert 'href="/lang/en/?next=/roles/%3Fcategory%3Dtech-rnd"' in html
    assert '<span aria-current="true" lang="zh-Hans">简体中文</span>' in html
    html = client.get("/roles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/lang/zh-hans/?next=/roles/"' in html
    # No CSRF token, no form: the header stays cacheable.
    assert "csrfmiddlewaretoken" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_switching_sets_the_cookie_and_returns_to_the_page(client):
    response = client.get("/lang/en/?next=/roles/%3Fcategory%3Dtech-rnd")
    assert response.status_code == 302 and response["Location"] == "/roles/?category=tech-rnd"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) > 0
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]

    html = client.get("/roles/?category=tech-rnd").content.decode()  # the cookie is sent back
    assert '<html lang="en">' in html and "Apply filters" in html
    # The cookie wins over Accept-Language.
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in html

    client.get("/lang/zh-hans/?next=/")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-Hans">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "",
    ],
)
def test_switching_never_redirects_off_the_site(client, target):
    response = client.get("/lang/en/", {"next": target})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_switching_to_an_unknown_language_is_a_404(client):
    response = client.get("/lang/fr/?next=/")
    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# Mails.


@pytest.mark.django_db
def test_a_subscription_made_in_english_is_confirmed_in_english(
    client, smtp_server, django_capture_on_commit_callbacks, content
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/subscribe/",
            {"email": "en@example.com", "frequency": "immediate"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Please confirm your subscription · AI Roles Catalogue"
    text, html = body(mail), body(mail, "html")
    assert "Someone (hopefully you) subscribed en@example.com" in text
    assert "valid for 7 days" in text and "Confirm subscription" in html
    assert '<html lang="en">' in html
    assert not untranslated(html, content)
    assert not CJK.search(text)


@pytest.mark.django_db
def test_mails_default_to_chinese_whatever_language_is_active(smtp_server, content):
    subscriber = Subscriber.objects.create(
        email="zh@example.com", status=SubscriberStatus.CONFIRMED
    )
    role = RolePage.objects.get(slug=ROLE)
    delivery = Delivery.objects.create(subscriber=subscriber, role=role)
    with translation.override("en"):  # e.g. an editor publishing from an English admin
        message = notifications.role_message(delivery, {})
    assert message.subject == f"新岗位：{role.title} · AI岗位图谱"
    assert "查看岗位：" in message.body

    english = notifications.role_message(delivery, {}, language="en")
    assert english.subject == f"New role: {role.title} · AI Roles Catalogue"
    assert "See the role: " in english.body and "Change subscription: " in english.body
    assert not untranslated(english.alternatives[0].content, content)
    assert not untranslated(english.body, content)


# In a browser.


@pytest.mark.browser
def test_english_pages_fit_phone_and_desktop_and_the_switcher_works(
    catalogue_server,  # noqa: F811
    browser,  # noqa: F811
):
    paths = [
        "/",
        f"/tech-rnd/{ROLE}/",
        "/roles/?company_type=tech-company&sort=sideways",
        f"/compare/?roles={ROLE},{OTHER_ROLE}",
        "/match/?background=programming&skill=python",
        "/subscribe/",
    ]
    for width in (375, 1280):
        page = browser.new_page(viewport={"width": width, "height": 800}, locale="en-GB")
        for path in paths:
            page.goto(catalogue_server.url + path)
            assert page.locator("html").get_attribute("lang") == "en"
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, width, overflow)
        screenshot(page, f"english-compare-{width}")
        page.close()

    # A Chinese visitor switches to English and back, staying on the same page.
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(catalogue_server.url + "/roles/?category=tech-rnd")
    expect(page.locator(".result-count")).to_have_text("共 8 个岗位")
    # On a phone the language switch sits behind the menu button, with the links.
    page.locator(".site-menu__toggle").click()
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(catalogue_server.url + "/roles/?category=tech-rnd")
    expect(page.locator(".result-count")).to_have_text("8 roles")
    page.locator("[data-compare-slug]").nth(0).click()
    page.locator("[data-compare-slug]").nth(1).click()
    expect(page.locator(".compare-tray__title")).to_have_text("Compare (2/4)")
    page.locator(".site-menu__toggle").click()
    page.get_by_role("link", name="简体中文").click()
    expect(page.locator(".result-count")).to_have_text("共 8 个岗位")
    page.close()


@pytest.mark.django_db
def test_the_breadcrumb_follows_the_interface_language(client):
    english = client.get("/data-engineering/data-scientist/", HTTP_ACCEPT_LANGUAGE="en")
    html = english.content.decode()
    crumbs = html[
        html.index('<nav class="breadcrumb"') : html.index(
            "</nav>", html.index('<nav class="breadcrumb"')
        )
    ]
    assert ">AI Roles Catalogue</a>" in crumbs and ">Data Engineering</a>" in crumbs
    assert ">Data Scientist</li>" in crumbs
    chinese = client.get("/data-engineering/data-scientist/").content.decode()
    assert ">数据工程类</a>" in chinese and ">数据科学家</li>" in chinese


# English pages: every piece of Chinese is the catalogue's and says so (issue 15).


HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class MarkedText(HTMLParser):
    """The visible text of <body> (and the attributes that are shown or read out), each piece
    with the language its element declares (the nearest `lang` around it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, lang)
        self.parts = []  # (text, lang)
        self.in_body = False
        self.skip = 0

    @property
    def lang(self):
        return self.stack[-1][1] if self.stack else ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.in_body = True
        lang = attrs.get("lang") or self.lang
        if tag in ("script", "style"):
            self.skip += 1
        if self.in_body:
            for name, value in attrs.items():
                if (name in CHECKED_ATTRIBUTES or name.startswith("data-label")) and value:
                    if name == "lang" or (tag == "meta"):
                        continue
                    self.parts.append((f"<{tag} {name}> {value}", lang))
                if name == "data-compare-title" and value:
                    self.parts.append((f"<{tag} {name}> {value}", lang))
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        for position in range(len(self.stack) - 1, -1, -1):
            if self.stack[position][0] == tag:
                del self.stack[position:]
                break

    def handle_data(self, data):
        if self.in_body and not self.skip and data.strip():
            self.parts.append((data.strip(), self.lang))


def unmarked_chinese(html, content):
    """What an English page shows in Chinese without saying so: Chinese in an element not marked
    lang="zh-Hans", or marked but not the catalogue's own text (names, the article's sentences,
    the editors' synonyms)."""
    parser = MarkedText()
    parser.feed(html)
    found = []
    for text, lang in parser.parts:
        if lang != "zh-Hans":
            if CJK.search(text):
                found.append(text)
            continue
        rest = text
        for known in content:
            rest = rest.replace(known, " ")
        if HAN_ONLY.search(rest):
            found.append(f"[zh-Hans] {text}")
    return found


def test_the_strict_scan_finds_unmarked_chinese():
    content = ["技术研发类", "深度学习工程师"]
    page = '<html lang="en"><body><p>{}</p></body></html>'
    assert unmarked_chinese(page.format("技术研发类"), content) == ["技术研发类"]
    assert unmarked_chinese(page.format('<span lang="zh-Hans">技术研发类</span>'), content) == []
    # Marked as Chinese, but interface text, not the catalogue's: still found.
    assert unmarked_chinese(page.format('<b lang="zh-Hans">核心技能</b>'), content)
    assert unmarked_chinese(page.format('<a aria-label="核心技能">x</a>'), content)
    assert unmarked_chinese(page.format("Moving into Technical R&amp;D"), content) == []
    # The language's own name in the switcher is marked, so it passes; <title> is not <body>.
    html = '<html lang="en"><head><title>技术研发类</title></head><body></body></html>'
    assert unmarked_chinese(html, content) == []


@pytest.mark.django_db
def test_english_pages_show_chinese_only_as_marked_catalogue_text(client, content):
    """On the English interface, names of categories, skills, company types and backgrounds are
    English in breadcrumbs, badges, headings, facets, the finder and compare; what stays Chinese
    (the article's sentences, the Chinese names beside English ones, synonyms) is marked
    lang="zh-Hans", and the article's sentences are labelled as the original."""
    role = RolePage.objects.get(slug=ROLE)
    urls = [
        "/",
        role.category.url,
        role.url,
        "/roles/",
        "/roles/?company_type=tech-company&category=tech-rnd&skill=python&threshold=high",
        "/match/",
        "/match/?background=programming&skill=python&company_type=tech-company",
        "/compare/",
        f"/compare/?roles={ROLE},{OTHER_ROLE}",
        "/skills/python/",
        "/company-types/",
        "/company-types/tech-company/",
    ]
    found = {}
    for url in urls:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        leftovers = unmarked_chinese(html, content)
        if leftovers:
            found[url] = leftovers
    assert not found, found

    html = client.get(role.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Moving into Technical R&amp;D</h2>" in html
    assert html.count('<span class="original__label">Original (Chinese)</span>') >= 4
    assert f'<span lang="zh-Hans">{role.definition}</span>' in html
    assert ">Technical R&amp;D</a>" in html  # the category badge
    assert "Added by the editors" in html  # the English name and synonyms are the editors'


@pytest.mark.django_db
def test_feeds_titles_use_english_names_on_the_english_interface(client):
    feed = client.get("/feeds/categories/tech-rnd/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>AI Roles Catalogue · New roles in Technical R&amp;D</title>" in feed
    assert "<title>Deep Learning Algorithm Engineer</title>" in feed
    feed = client.get("/feeds/company-types/internet-firm/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Internet companies" in feed.content.decode()
    chinese = client.get("/feeds/categories/tech-rnd/").content.decode()
    assert "<title>AI岗位图谱 · 技术研发类新岗位</title>" in chinese
