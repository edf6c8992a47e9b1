"""Search that behaves (issue 13): what was searched and how many matched, the query kept in the
header box, highlighted matches with the reason, explainable relevance tiers, pinyin, synonyms and
English names, suggestions for a query that finds nothing; facets in a Chinese reader's order."""

import re
from html import unescape
from urllib.parse import urlencode

import pytest

from django.http import QueryDict
from django.utils import translation

from roles.catalogue import search as search_module
from roles.catalogue.filters import RoleFilterSet
from roles.catalogue.forms import term_choices
from roles.catalogue.text import highlight, pinyin_key, pinyin_spans
from roles.models import CompanyType, RolePage, Skill
from roles.subscriptions.forms import ScopeForm

from .test_views import html

pytestmark = pytest.mark.django_db

DATA_ROLES = {"数据科学家", "数据工程师", "AI数据分析师", "AI数据标注员", "AI数据隐私保护专员"}
# Roles whose core skills include 数据分析 (the article's 核心技能 lines).
NEED_DATA_ANALYSIS = {
    "机器学习工程师",
    "数据科学家",
    "AI数据分析师",
    "AI用户体验研究员",
    "AI产品运营",
    "AI品牌分析师",
}


def search(query):
    filterset = RoleFilterSet(
        QueryDict(urlencode({"q": query})),
        queryset=RolePage.objects.live().public().for_listing(),
    )
    return [role.title for role in filterset.qs], filterset.search


def found(query):
    return search(query)[0]


def plain(fragment):
    return unescape(re.sub(r"<[^>]+>", "", fragment))


# What a person means.


@pytest.mark.parametrize(
    "query, expected_first",
    [
        ("数据", DATA_ROLES),
        ("提示词", {"提示工程师"}),
        ("prompt", {"提示工程师"}),
        ("Prompt Engineer", {"提示工程师"}),
        ("tishi", {"提示工程师"}),
        ("tsgcs", {"提示工程师"}),
        ("tishigongchengshi", {"提示工程师"}),
        ("shujufenxi", {"AI数据分析师"}),
        ("sjfx", {"AI数据分析师"}),
    ],
)
def test_searches_find_the_roles_a_person_means(query, expected_first):
    roles = found(query)
    assert set(roles[: len(expected_first)]) == expected_first, roles


def test_an_edited_role_is_found_by_its_new_words_at_once():
    role = RolePage.objects.get(title="提示工程师")
    role.synonyms = "咒语工匠"
    role.save_revision().publish()
    assert found("咒语工匠") == ["提示工程师"]


def test_inside_a_deferred_block_each_saved_object_is_indexed_once_when_it_ends(monkeypatch):
    indexed = []
    index = search_module._index
    monkeypatch.setattr(search_module, "_index", lambda *key: indexed.append(key) or index(*key))
    role = RolePage.objects.get(title="提示工程师")
    other = RolePage.objects.exclude(pk=role.pk).first()
    skill = Skill.objects.get(name="Python")
    with search_module.search_index_deferred():
        role.synonyms = "咒语工匠"
        role.save_revision().publish()
        role.save()
        skill.description = "蟒蛇语言"
        skill.save()
        other.synonyms = "算盘先生"
        other.save()
        assert found("咒语工匠") == [] and indexed == []  # not yet
    assert indexed == [  # one task per model, each object once
        ("roles", "rolepage", [str(role.pk), str(other.pk)]),
        ("roles", "skill", [str(skill.pk)]),
    ]
    assert found("咒语工匠") == ["提示工程师"] and found("算盘先生") == [other.title]


def test_a_deferred_block_that_fails_indexes_nothing(monkeypatch):
    indexed = []
    monkeypatch.setattr(search_module, "_index", lambda *key: indexed.append(key))
    role = RolePage.objects.get(title="提示工程师")
    with pytest.raises(RuntimeError), search_module.search_index_deferred():
        role.save()
        raise RuntimeError("the load failed")
    role.save()  # and outside a block, a save is indexed at once again
    assert indexed == [("roles", "rolepage", [str(role.pk)])]


def test_pinyin_of_a_skill_finds_the_roles_that_need_it():
    for query in ("shujufenxi", "sjfx"):
        assert set(found(query)) == NEED_DATA_ANALYSIS, query
    # Two words: every role with both, wherever they are (市场分析 and 数据敏感度 too).
    assert set(found("shuju fenxi")) >= NEED_DATA_ANALYSIS
    assert set(found("shuju")) >= DATA_ROLES  # names and skills spelt 数据


def test_pinyin_initials_need_three_letters_and_nonsense_finds_nothing():
    assert found("zzzxq") == []
    assert "提示工程师" not in found("ts")  # two initials say too little


def test_relevance_is_names_then_definition_then_skills():
    roles, result = search("数据")
    tiers = []
    for pk in result.ids:
        fields = {reason.field for reason in result.reasons[pk]}
        tiers.append(
            0
            if fields & {"title", "synonym", "english_name"}
            else 1
            if "definition" in fields
            else 2
        )
    assert tiers == sorted(tiers), list(zip(roles, tiers, strict=True))
    assert set(roles[:5]) == DATA_ROLES
    assert tiers.count(1) and tiers.count(2)  # definitions, then skills alone: e.g. 机器学习工程师
    assert roles.index("AI品牌分析师") < roles.index("机器学习工程师")


def test_each_result_says_why_it_matched():
    _roles, result = search("提示词")
    role = RolePage.objects.get(slug="prompt-engineer")
    reasons = [(r.field, r.detail) for r in result.reasons[role.pk]]
    assert ("title", "") in reasons and ("synonym", "提示词工程师") in reasons
    _roles, result = search("prompt")
    assert [r.field for r in result.reasons[role.pk]] == ["english_name"]
    _roles, result = search("sjfx")
    scientist = RolePage.objects.get(slug="data-scientist")
    assert [(r.field, r.detail) for r in result.reasons[scientist.pk]] == [("skill", "数据分析")]


def test_the_heading_title_and_header_box_say_what_was_searched(client):
    page = html(client, "/roles/?q=数据")
    count = len(found("数据"))
    assert f"<h1>搜索“数据”：找到 {count} 个岗位</h1>" in page
    assert f"<title>搜索“数据”：找到 {count} 个岗位 · AI岗位图谱</title>" in page
    assert re.search(r'<input id="site-search-q" type="search" name="q" value="数据"', page)
    # Without a query the heading is the listing's own, and the box is empty.
    page = html(client, "/roles/")
    assert "<h1>全部 AI 岗位</h1>" in page
    assert re.search(r'<input id="site-search-q" type="search" name="q" value=""', page)
    english = client.get("/roles/?q=tishi", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Search “tishi”: 1 role found</h1>" in english


def test_cards_highlight_the_matches_and_say_why(client):
    page = html(client, "/roles/?q=提示词")
    assert '<a href="/tech-rnd/prompt-engineer/"><mark>提示</mark>工程师</a>' in page
    why = re.search(r'<p class="role-card__why">(.*?)</p>', page).group(1)
    assert plain(why) == "匹配：名称、别名“提示词工程师”、角色定义"
    definition = re.search(r'<p class="role-card__definition"[^>]*>(.*?)</p>', page).group(1)
    assert "<mark>提示</mark>" in definition

    page = html(client, "/roles/?q=tsgcs")
    assert "<mark>提示工程师</mark>" in page
    page = html(client, "/roles/?q=prompt")
    assert '<p class="role-card__other-name" lang="en"><mark>Prompt</mark> Engineer</p>' in page
    page = html(client, "/roles/?q=sjfx")
    assert "AI<mark>数据分析</mark>师" in page
    assert "匹配：技能“数据分析”" in plain(page)


def test_highlighting_escapes_the_text_first():
    assert highlight("<b>提示</b> & Prompt", ["prompt", "tishi"]) == (
        "&lt;b&gt;<mark>提示</mark>&lt;/b&gt; &amp; <mark>Prompt</mark>"
    )
    # A query that spells markup or an entity is text, never HTML.
    assert highlight("a<b>&amp;", ["<b>", "amp"]) == "a<mark>&lt;b&gt;</mark>&amp;<mark>amp</mark>;"
    assert highlight("数据", []) == "数据"


def test_a_query_with_markup_is_escaped_on_the_page(client):
    page = html(client, "/roles/?q=<script>alert(1)</script>数据")
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_pinyin_spans_map_back_to_the_characters():
    assert pinyin_spans("AI数据分析师", "sjfx") == [(2, 6)]
    assert pinyin_spans("AI数据分析师", "shujufenxi") == [(2, 6)]
    assert pinyin_spans("银行", "yinhang") == [(0, 2)]
    assert pinyin_spans("行业", "xingye") == [(0, 2)]  # any reading of a heteronym
    assert pinyin_spans("提示工程师", "ts") == []  # initials need three characters


def test_a_query_with_no_results_suggests_close_terms_and_categories(client):
    page = html(client, "/roles/?q=区块链")
    assert "共 0 个岗位" in page
    # Nothing in the catalogue is close to 区块链: every category is offered as a way in.
    block = page.split('<div class="empty">')[1].split("</section>")[0]
    assert "按类别浏览：" in block
    assert block.count('href="/tech-rnd/"') == 1 and 'href="/design/"' in block
    assert "data-listing-link>去掉“关键词：区块链”" in block

    page = html(client, "/roles/?q=区块链数据")
    block = page.split('<div class="empty">')[1].split("</section>")[0]
    assert "和“区块链数据”相近的：" in block
    assert 'href="/skills/data-analysis/"' in block
    assert "相近的类别：" in block and 'href="/data-engineering/"' in block
    assert 'href="/design/"' not in block


def test_the_api_searches_the_same_way(client):
    for query in ("tishi", "sjfx", "prompt", "数据"):
        items = client.get("/api/v3/roles/", {"q": query, "limit": 100}).json()["items"]
        assert [item["name"] for item in items] == found(query), query


# Facets in a Chinese reader's order.


def test_pinyin_order_is_what_a_chinese_reader_expects():
    names = ["互联网企业", "AI研发公司", "科技公司", "IT服务公司", "电商企业", "金融机构"]
    assert sorted(names, key=pinyin_key) == [
        "AI研发公司",
        "电商企业",
        "互联网企业",
        "IT服务公司",
        "金融机构",
        "科技公司",
    ]
    assert pinyin_key("长城") < pinyin_key("重庆")  # chang < chong
    assert pinyin_key("西安") < pinyin_key("先")  # xi an < xian, syllable by syllable


def facet_options(page, name):
    return [
        (unescape(label.strip()), int(count))
        for label, count in re.findall(
            rf'<label for="f-{name}-[^"]+">([^<]+)<span class="facet__count">(\d+)</span>', page
        )
    ]


@pytest.mark.parametrize("name", ["company_type", "skill", "category"])
def test_listing_facets_are_ordered_by_count_then_pinyin(client, name):
    options = facet_options(html(client, "/roles/"), name)
    assert len(options) > 5
    keys = [(-count, pinyin_key(label)) for label, count in options]
    assert keys == sorted(keys)
    assert len({count for _label, count in options}) < len(options)  # there are ties to order


def test_on_the_english_interface_ties_are_alphabetical_by_english_name(client):
    page = client.get("/roles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    options = facet_options(page, "company_type")
    assert ("Technology companies", 42) == options[0]
    keys = [(-count, label.casefold()) for label, count in options]
    assert keys == sorted(keys)


def test_threshold_facet_keeps_its_scale_order(client):
    page = html(client, "/roles/")
    labels = [label for label, _count in facet_options(page, "threshold")]
    assert labels == ["较高", "相对较高", "适中", "未注明"]


def test_a_long_facet_shows_its_top_entries_and_the_rest_as_plain_html(client):
    page = html(client, "/roles/")
    fieldset = re.search(
        r'<fieldset class="facet facet--long" data-facet-filter="筛选公司类型".*?</fieldset>',
        page,
        re.S,
    ).group(0)
    top, rest = fieldset.split('<details class="facet__more">')
    assert len(facet_options(top, "company_type")) == 8
    assert len(facet_options(rest, "company_type")) == CompanyType.objects.count() - 8
    assert f"显示全部 {CompanyType.objects.count()} 项" in rest
    assert 'data-keys="互联网企业 hulianwangqiye hlwqy"' in top
    assert "facet__options--long" not in fieldset  # no clipped scroll box
    # A chosen option behind "显示全部" keeps the list open.
    page = html(client, "/roles/?company_type=game-company")
    assert '<details class="facet__more" open>' in page
    # Short facets have no "显示全部" and no filter box.
    category = re.search(r'<fieldset class="facet">\s*<legend[^>]*>类别.*?</fieldset>', page, re.S)
    assert "facet__more" not in category.group(0)


def test_finder_and_subscribe_options_are_in_pinyin_order():
    for model in (Skill, CompanyType):
        labels = [label for _slug, label in term_choices(model)()]
        assert labels == sorted(labels, key=pinyin_key)
        assert len(labels) == model.objects.count()
    form = ScopeForm()
    labels = [str(label) for _value, label in form.fields["company_types"].choices]
    assert labels == sorted(labels, key=pinyin_key)
    with translation.override("en"):
        labels = [label for _slug, label in term_choices(CompanyType)()]
        assert labels == sorted(labels, key=str.casefold) and labels[0].isascii()
