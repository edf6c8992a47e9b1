"""roles/catalogue/filters.py: the role listing's facets, keyword search and their counts."""

import pytest

from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from roles.catalogue.filters import RoleFilterSet
from roles.models import RolePage, RoleSkill
from roles.models.expressions import AmongIds

pytestmark = pytest.mark.django_db

# Which roles the article lists for a company type (its 可应聘的公司类型 lines).
ARTICLE_HIRERS = {
    "financial-institution": {  # 金融机构
        "机器学习工程师",
        "数据科学家",
        "数据工程师",
        "AI数据分析师",
        "AI产品经理",
        "AI客户服务代表",
        "AI销售代表",
        "AI数据隐私保护专员",
    },
    "research-institute": {"深度学习算法工程师", "AI研究科学家", "提示工程师", "AI伦理师"},
    "ecommerce-company": {  # 电商企业
        "自然语言处理（NLP）工程师",
        "AI数据分析师",
        "AI产品运营",
        "AI商务拓展专员",
        "AI售前/售后支持",
        "AI销售与营销专家",
        "AI客服代表",
    },
    "internet-company": {  # 互联网企业 (互联网公司 is the article's word for one more: below)
        "AI软件工程师",
        "数据工程师",
        "AI产品经理",
        "AI用户体验研究员",
        "AI产品运营",
        "AI客户服务代表",
        "AI社群运营师",
        "AI销售代表",
        "AI商务拓展专员",
        "AI售前/售后支持",
        "AI销售与营销专家",
        "AI设计师",
    },
    # The article's own words are company types of their own, not merged into the nearest one.
    "internet-firm": {"AI视觉设计师"},  # 互联网公司
    "advertising-company": {  # 广告公司
        "AI内容创作者",
        "AI品牌策划师",
        "AI设计师",
        "AI视觉设计师",
        "AI创意设计师",
    },
    "advertising-art-company": {"AI美术设计师"},  # 广告艺术公司
    "consulting-company": {"AI市场分析师", "AI企业培训师"},  # 咨询公司
    "consulting-institution": {"AI解决方案顾问"},  # 咨询机构
    "game-company": {"AI设计师", "AI原画设计师", "AI美术设计师"},
    # 科技公司: every role but three (including 科技公司（…）with a qualifier).
    "tech-company": "all but AI内容创作者, AI美术设计师, AI创业公司创始人",
}


def filterset(query=""):
    return RoleFilterSet(QueryDict(query), queryset=RolePage.objects.live().public().for_listing())


def titles(query):
    return [role.title for role in filterset(query).qs]


@pytest.mark.parametrize("slug", ARTICLE_HIRERS)
def test_company_type_filter_gives_exactly_the_articles_roles(slug):
    expected = ARTICLE_HIRERS[slug]
    if slug == "tech-company":
        everyone = set(RolePage.objects.values_list("title", flat=True))
        expected = everyone - {"AI内容创作者", "AI美术设计师", "AI创业公司创始人"}
        assert len(expected) == 42
    found = titles(f"company_type={slug}")
    assert set(found) == expected
    assert len(found) == len(expected)  # each role once


def test_values_within_a_facet_are_alternatives():
    found = titles("company_type=game-company&company_type=research-institute")
    assert set(found) == ARTICLE_HIRERS["game-company"] | ARTICLE_HIRERS["research-institute"]


def test_facets_narrow_each_other():
    assert set(titles("company_type=financial-institution&category=data-engineering")) == {
        "数据科学家",
        "数据工程师",
        "AI数据分析师",
    }
    assert titles("company_type=game-company&skill=python") == []


def test_skill_filter():
    python_roles = set(
        RolePage.objects.filter(skill_links__skill__slug="python").values_list("title", flat=True)
    )
    assert python_roles >= {"深度学习算法工程师", "数据科学家", "数据工程师", "AI培训师"}
    assert set(titles("skill=python")) == python_roles


def test_threshold_filter_including_unstated():
    assert len(titles("threshold=moderate")) == 10  # 市场与销售类 5 + 设计类 5
    assert len(titles("threshold=high")) == 8
    assert len(titles("threshold=unstated")) == 4 + 4 + 3 + 8
    assert len(titles("threshold=high&threshold=moderate")) == 18


def test_default_order_is_the_catalogue_order():
    found = titles("")
    assert found[:2] == ["深度学习算法工程师", "机器学习工程师"]
    assert found[-1] == "AI数据隐私保护专员"


def test_sort_by_name_and_newest():
    assert titles("sort=name") == sorted(titles(""))
    RolePage.objects.filter(slug="ai-ethicist").update(first_published_at="2030-01-01T00:00Z")
    assert titles("sort=newest")[0] == "AI伦理师"


def option_counts(fs):
    return {facet.name: {o.value: o.count for o in facet.options} for facet in fs.facets()}


@pytest.mark.parametrize(
    "query", ["", "company_type=financial-institution", "skill=data-analysis&threshold=high"]
)
def test_each_option_count_is_what_choosing_it_would_give(query):
    """Counts are disjunctive: within a facet, an option counts as if it were the facet's only
    choice, with the other facets' filters applied."""
    fs = filterset(query)
    for facet in fs.facets():
        others = "&".join(p for p in query.split("&") if p and not p.startswith(facet.name + "="))
        for option in facet.options:
            chosen = f"{others}&{facet.name}={option.value}".lstrip("&")
            assert len(titles(chosen)) == option.count, (chosen, option.count)


def test_single_valued_facets_add_up_to_the_result_count():
    for query in ["", "company_type=internet-company", "skill=communication"]:
        fs = filterset(query)
        total = fs.qs.count()
        counts = option_counts(fs)
        assert sum(counts["category"].values()) == total, query
        assert sum(counts["threshold"].values()) == total, query


def test_zero_count_options_are_kept():
    fs = filterset("company_type=game-company")
    categories = option_counts(fs)["category"]
    assert len(categories) == 10
    assert categories["design"] == 3 and categories["tech-rnd"] == 0


def test_unknown_and_repeated_slugs_are_dropped_with_a_notice():
    fs = filterset(
        "company_type=financial-institution&company_type=financial-institution"
        "&company_type=nope&skill=%27%20OR%201%3D1--"
    )
    assert fs.values["company_type"] == ["financial-institution"]
    assert set(titles("company_type=financial-institution")) == {r.title for r in fs.qs}
    assert "未知的公司类型已忽略：nope" in fs.notices()
    assert "未知的技能已忽略：' OR 1=1--" in fs.notices()


# Chinese keyword search through Wagtail's search backend, segmented with jieba.


def test_search_data_finds_every_role_that_mentions_it_names_first():
    found = titles("q=数据")
    assert {"数据科学家", "数据工程师", "AI数据分析师", "AI数据标注员"} <= set(found)
    named = [title for title in found if "数据" in title]
    assert found[: len(named)] == named  # name matches rank above body-text matches
    assert len(found) > len(named)  # and roles whose text mentions 数据 follow
    assert "AI品牌分析师" in found  # its definition says 分析品牌数据
    assert "AI设计师" not in found


def test_search_finds_a_role_by_its_synonym():
    assert titles("q=提示词") == ["提示工程师"]
    assert "AI培训师" in titles("q=AI训练师")


def test_search_in_english_and_for_a_skill():
    assert titles("q=prompt") == ["提示工程师"]
    assert titles("q=PROMPT") == ["提示工程师"]
    python = titles("q=Python")
    assert {"深度学习算法工程师", "数据科学家", "数据工程师", "AI培训师"} <= set(python)


def test_several_words_narrow_the_result():
    data = set(titles("q=数据"))
    data_analysis = set(titles("q=数据 分析"))
    assert data_analysis and data_analysis < data
    assert "AI数据分析师" in data_analysis
    assert set(titles("q=数据分析")) == data_analysis  # unsplit, it is segmented the same way


def test_search_combines_with_facets():
    found = titles("q=数据&company_type=financial-institution")
    named = {"数据科学家", "数据工程师", "AI数据分析师", "AI数据隐私保护专员"}
    assert set(found[:4]) == named
    assert named < set(found) <= ARTICLE_HIRERS["financial-institution"]


def test_a_query_of_punctuation_or_control_characters_is_no_filter():
    assert len(titles("q=%00%01%E3%80%82%EF%BC%8C")) == 45


def test_an_over_long_query_is_cut_with_a_notice():
    fs = filterset("q=" + "数据" * 300)
    assert len(fs.values["q"]) == 100
    assert "搜索词太长，只使用了前 100 个字。" in fs.notices()


def test_among_ids_selects_what_pk_in_selects_with_one_parameter():
    """A search's ids reach each query of its page as one array parameter, not one per id."""
    ids = list(RolePage.objects.order_by("pk").values_list("pk", flat=True)[::2])
    assert len(ids) > 10
    with CaptureQueriesContext(connection) as captured:
        among = set(RolePage.objects.filter(AmongIds("pk", ids)).values_list("pk", flat=True))
    assert among == set(ids)
    sql = captured.captured_queries[0]["sql"]
    assert " = ANY(" in sql and " IN (" not in sql, sql  # one array, not a placeholder per id
    links = RoleSkill.objects.filter(AmongIds("page_id", ids))
    assert set(links.values_list("page_id", flat=True)) == set(ids)
    assert RolePage.objects.filter(AmongIds("pk", [])).count() == 0
    assert not RolePage.objects.filter(AmongIds("pk", [])).exists()
