"""roles/datafile/catalogue.py and the load_catalogue / export_catalogue commands."""

import copy
import json
from io import StringIO

import pytest

from django.core.management import CommandError, call_command

from wagtail.models import Page, ReferenceIndex, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from roles.choices import SkillLevel
from roles.datafile import catalogue
from roles.editorial.setup import WORKFLOW
from roles.models import Background, CompanyType, RoleCategoryPage, RoleIndexPage, RolePage, Skill

pytestmark = pytest.mark.django_db

# The article's categories, in its order, with the roles it lists under each.
ARTICLE = {
    "技术研发类": [
        "深度学习算法工程师",
        "机器学习工程师",
        "计算机视觉工程师",
        "自然语言处理（NLP）工程师",
        "AI研究科学家",
        "AI软件工程师",
        "提示工程师",
        "AI技术支持工程师",
    ],
    "数据工程类": ["数据科学家", "数据工程师", "AI数据分析师", "AI数据标注员"],
    "产品类": ["AI产品经理", "AI解决方案顾问", "AI用户体验研究员", "AI解决方案架构师"],
    "运营类": ["AI产品运营", "AI客户服务代表", "AI社群运营师"],
    "内容类": ["AI内容创作者", "AI内容审核师"],
    "项目管理类": ["AI项目经理", "AI项目助理", "AI研发项目经理"],
    "市场与销售类": [
        "AI销售代表",
        "AI市场分析师",
        "AI商务拓展专员",
        "AI售前/售后支持",
        "AI销售与营销专家",
    ],
    "品牌类": ["AI品牌策划师", "AI品牌内容创作者", "AI品牌分析师"],
    "设计类": ["AI设计师", "AI原画设计师", "AI美术设计师", "AI视觉设计师", "AI创意设计师"],
    "培训与服务": [
        "AI创业公司创始人",
        "AI企业培训师",
        "AI培训师",
        "AI教育导师",
        "AI教育顾问",
        "AI客服代表",
        "AI伦理师",
        "AI数据隐私保护专员",
    ],
}

# Company types as the article lists them for a few roles (after normalisation).
ARTICLE_COMPANY_TYPES = {
    "机器学习工程师": ["科技公司", "金融机构", "医疗机构"],
    "计算机视觉工程师": ["科技公司", "安防企业", "自动驾驶公司"],
    "AI解决方案架构师": ["科技公司", "行业解决方案提供商", "IT服务公司", "大型企业"],
    "AI原画设计师": ["游戏公司", "动画工作室", "影视制作公司", "科技公司"],
    "AI视觉设计师": ["互联网公司", "科技公司", "广告公司", "品牌策划公司"],
    "AI美术设计师": ["游戏公司", "影视制作公司", "动画工作室", "广告艺术公司"],
    "AI解决方案顾问": ["科技公司", "咨询机构", "行业解决方案提供商"],
    "AI数据隐私保护专员": ["科技公司", "金融机构", "医疗机构", "数据保护咨询公司"],
    "AI培训师": ["AI研发公司", "科技公司", "教育机构"],
}


def load(data=None, **kwargs):
    out = StringIO()
    if data is None:
        call_command("load_catalogue", stdout=out, verbosity=2, **kwargs)
    else:
        call_command("load_catalogue", str(data), stdout=out, verbosity=2, **kwargs)
    return out.getvalue()


def counts():
    return {
        "pages": Page.objects.count(),
        "categories": RoleCategoryPage.objects.count(),
        "roles": RolePage.objects.count(),
        "skills": Skill.objects.count(),
        "company_types": CompanyType.objects.count(),
        "backgrounds": Background.objects.count(),
    }


def empty_database():
    """Everything the catalogue loads, deleted. Wagtail's reference index is emptied in one
    statement at the end instead of row by row as each of the ~440 deleted objects goes (half of
    the time this took)."""
    with disable_reference_index_auto_update():
        RoleIndexPage.objects.get().delete()
        for model in (Background, Skill, CompanyType):
            model.objects.all().delete()
    ReferenceIndex.objects.all().delete()


def test_ten_categories_and_45_roles_each_under_the_articles_category():
    index = RoleIndexPage.objects.get()
    categories = RoleCategoryPage.objects.child_of(index).live().order_by("sort_order")
    assert [c.title for c in categories] == list(ARTICLE)
    for category in categories:
        roles = RolePage.objects.child_of(category).live().order_by("path")
        assert [r.title for r in roles] == ARTICLE[category.title]
        assert all(role.category_id == category.pk for role in roles)
    assert RolePage.objects.live().count() == 45


def test_the_catalogue_home_is_the_sites_root():
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class is RoleIndexPage
    assert Page.objects.filter(depth=2).count() == 1  # Wagtail's placeholder page is gone


def test_thresholds_only_where_the_article_states_one():
    levels = dict(RoleCategoryPage.objects.values_list("title", "threshold_level"))
    assert levels == {
        "技术研发类": "high",
        "数据工程类": "",
        "产品类": "",
        "运营类": "",
        "内容类": "fairly_high",
        "项目管理类": "fairly_high",
        "市场与销售类": "moderate",
        "品牌类": "fairly_high",
        "设计类": "moderate",
        "培训与服务": "",
    }


@pytest.mark.parametrize(("role", "expected"), ARTICLE_COMPANY_TYPES.items())
def test_company_types_match_the_article(role, expected):
    page = RolePage.objects.get(title=role)
    assert [ct.name for ct in page.company_types] == expected


def test_role_keeps_the_articles_wording():
    page = RolePage.objects.get(title="AI原画设计师")
    assert (
        page.company_types_text
        == "游戏公司、动画工作室、影视制作公司、科技公司（有游戏或动画业务）等。"
    )
    assert page.definition == "专注于原画设计，结合AI技术提升创作效率和作品质量。"
    prompt = RolePage.objects.get(slug="prompt-engineer")
    assert (prompt.title, prompt.english_name) == ("提示工程师", "Prompt Engineer")
    assert "提示词工程师" in prompt.synonym_list


def test_the_articles_own_company_type_words_are_kept_apart():
    """The article says 互联网公司 for AI视觉设计师 and 互联网企业 elsewhere, 广告艺术公司 for
    AI美术设计师, 咨询机构 for AI解决方案顾问: each is a company type of its own, so that a filter
    by the nearest one (互联网企业, 广告公司, 咨询公司) gives only the roles the article lists under
    that word."""
    for article_word, nearest, role in [
        ("互联网公司", "互联网企业", "AI视觉设计师"),
        ("广告艺术公司", "广告公司", "AI美术设计师"),
        ("咨询机构", "咨询公司", "AI解决方案顾问"),
    ]:
        own = CompanyType.objects.get(name=article_word)
        assert list(own.role_links.values_list("page__title", flat=True)) == [role]
        assert (
            own.english_name
            and own.english_name != CompanyType.objects.get(name=nearest).english_name
        )
    assert not CompanyType.objects.get(name="互联网企业").role_links.filter(
        page__title="AI视觉设计师"
    )
    assert CompanyType.objects.get(name="互联网企业").role_links.filter(page__title="AI产品经理")


def test_every_role_links_two_skills_one_essential_and_a_company_type():
    for role in RolePage.objects.for_listing():
        assert len(role.skills) >= 2, role.title
        assert any(link.level == SkillLevel.ESSENTIAL for link in role.skills), role.title
        assert role.company_types, role.title


def test_preferred_skill_is_marked_and_listed_after_essential_ones():
    role = RolePage.objects.for_listing().get(title="AI研发项目经理")
    assert [link.skill.name for link in role.skills if link.is_preferred] == ["C++"]
    assert role.skills[-1].skill.name == "C++"


def test_loading_twice_changes_nothing():
    before = counts()
    output = load()
    assert counts() == before
    assert output.strip().splitlines()[-1].startswith("0 created, 0 updated")


def test_a_page_changed_by_an_editor_is_kept_unless_update(catalogue_data):
    role = RolePage.objects.get(slug="data-scientist")
    role.definition = "编辑改写的定义。"
    role.save_revision().publish()

    output = load()
    assert "skipped (changed in the admin; use --update to overwrite): role 数据科学家" in output
    assert RolePage.objects.get(slug="data-scientist").definition == "编辑改写的定义。"

    output = load(update=True)
    assert "updated: role 数据科学家" in output
    role = RolePage.objects.get(slug="data-scientist")
    assert role.definition.startswith("收集、处理和分析大数据")
    assert role.live and not role.has_unpublished_changes


def test_a_draft_is_not_overwritten_either():
    role = RolePage.objects.get(slug="ai-designer")
    role.definition = "草稿中的定义。"
    role.save_revision()
    assert "skipped (changed in the admin; use --update to overwrite): role AI设计师" in load()
    draft = RolePage.objects.get(slug="ai-designer").get_latest_revision_as_object()
    assert draft.definition == "草稿中的定义。"


def test_export_of_the_loaded_catalogue_is_the_data_file():
    exported = catalogue.dumps(catalogue.export_catalogue())
    assert exported == catalogue.DEFAULT_PATH.read_text(encoding="utf-8")


@pytest.mark.django_db(transaction=True)
def test_export_then_load_into_an_empty_database_builds_an_identical_catalogue(
    committed_catalogue, tmp_path
):
    # One load into an emptied database (the slowest step of these tests) checks both that a
    # load builds everything from nothing (a flush empties every table: Wagtail's root page,
    # site and locale, the editors' groups and workflow go too) and that an export, an editor's
    # change included, loads back as it was, from JSON and from CSV. (The session's own
    # database is built from the data file itself.)
    role = RolePage.objects.get(slug="ai-ethicist")
    role.definition = "研究AI伦理问题（编辑修订）。"
    role.save_revision().publish()
    path, csv_path = tmp_path / "export.json", tmp_path / "export.csv"
    call_command("export_catalogue", output=str(path), stderr=StringIO())
    call_command("export_catalogue", output=str(csv_path), stderr=StringIO())
    before = counts()

    call_command("flush", "--noinput")
    assert not Page.objects.exists() and not Skill.objects.exists()
    output = load(path)

    assert counts() == before
    assert "created: role 提示工程师" in output
    assert RolePage.objects.live().count() == 45
    assert catalogue.dumps(catalogue.export_catalogue()) == path.read_text(encoding="utf-8")
    assert RolePage.objects.get(slug="ai-ethicist").definition == "研究AI伦理问题（编辑修订）。"
    assert RoleIndexPage.objects.get().get_workflow().name == WORKFLOW  # set up again
    # Wagtail's reference index (the admin's "usage" of a term) is filled once, at the end.
    python = Skill.objects.get(slug="python")
    users = {ref.object_id for ref in ReferenceIndex.get_references_to(python)}
    needing = RolePage.objects.filter(skill_links__skill=python).values_list("pk", flat=True)
    assert users == {str(pk) for pk in needing}
    assert len(users) == 4
    # The CSV export reads back as the same roles: a dry run finds nothing to change.
    report = catalogue.load(catalogue.read(csv_path), update=True, dry_run=True)
    assert report.of_kind("role")["unchanged"] and not report.updated and not report.created


def write(tmp_path, data):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def mutate(data, change):
    data = copy.deepcopy(data)
    change(data)
    return data


def first_role(data):
    return data["categories"][0]["roles"][0]


# Each problem is named by its place in the file (a JSON path, with the role's name) and
# said in the interface language (roles/rules.py).
ROLE_0 = "categories[0].roles[0]"
BROKEN = {
    "unknown skill": (
        lambda d: first_role(d)["skills"].append({"skill": "telepathy", "level": "essential"}),
        # The role links seven skills (TensorFlow and PyTorch are the article's examples).
        f"{ROLE_0}.skills[7].skill（深度学习算法工程师）：未知的技能“telepathy”",
    ),
    "duplicate role slug": (
        lambda d: d["categories"][1]["roles"][0].update(slug="deep-learning-engineer"),
        "categories[1].roles[0].slug（数据科学家）：岗位的 URL 标识“deep-learning-engineer”重复。",
    ),
    "missing definition": (
        lambda d: first_role(d).pop("definition"),
        f"{ROLE_0}.definition（深度学习算法工程师）：缺少这一项。",
    ),
    "unknown company type": (
        lambda d: first_role(d)["company_types"].append("moon-base"),
        "未知的公司类型“moon-base”",
    ),
    "no essential skill": (
        lambda d: first_role(d).update(skills=[{"skill": "python", "level": "preferred"}]),
        f"{ROLE_0}.skills（深度学习算法工程师）：至少需要一项必备技能。",
    ),
    "bad skill level": (
        lambda d: first_role(d)["skills"][0].update(level="nice-to-have"),
        "应为 'essential'、'preferred' 之一（现在是 nice-to-have）",
    ),
    "bad threshold": (
        lambda d: d["categories"][0].update(threshold_level="很高"),
        "categories[0].threshold_level（技术研发类）：应为 ''、'high'",
    ),
    "non-ascii slug": (
        lambda d: first_role(d).update(slug="深度学习"),
        "URL 标识“深度学习”只能使用小写英文字母、数字和连字符",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_malformed_file_is_refused_naming_file_role_and_problem(tmp_path, catalogue_data, case):
    change, message = BROKEN[case]
    empty_database()
    path = write(tmp_path, mutate(catalogue_data, change))

    with pytest.raises(CommandError) as error:
        load(path)

    assert str(path) in str(error.value)
    assert message in str(error.value)
    assert "没有写入任何内容" in str(error.value)
    assert RolePage.objects.count() == 0
    assert Skill.objects.count() == 0


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "ai-roles-catalogue", ', encoding="utf-8")
    with pytest.raises(CommandError, match=r"(?s)broken.json：.*不是有效的 JSON"):
        load(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        load(tmp_path / "nowhere.json")


def test_a_problem_late_in_the_file_writes_nothing_from_earlier(tmp_path, catalogue_data):
    """Validation runs before writing, and writing is one transaction."""
    empty_database()
    data = mutate(catalogue_data, lambda d: d["categories"][-1]["roles"][-1].pop("title"))
    with pytest.raises(CommandError, match=r"categories\[9\]\.roles\[7\]\.title.*缺少这一项"):
        load(write(tmp_path, data))
    assert counts() == {k: 0 for k in counts()} | {"pages": 1}  # only Wagtail's root


def test_tools_the_article_gives_only_as_examples_are_preferred_skills():
    """ "编程语言（如Python、R等）": the article asks for programming languages and names Python and
    R as examples. Every such example is linked, and linked as preferred, never as essential
    (README, "The catalogue data")."""
    import re

    data = json.loads(catalogue.DEFAULT_PATH.read_text())
    skills = {skill["name"]: skill["slug"] for skill in data["skills"]}
    checked = []
    for category in data["categories"]:
        for role in category["roles"]:
            levels = {link["skill"]: link["level"] for link in role["skills"]}
            for group in re.findall(r"（如([^）]+)）", role["skills_text"]):
                for name in group.removesuffix("等").split("、"):
                    assert levels.get(skills[name]) == "preferred", (role["slug"], name)
                    checked.append(name)
    assert len(checked) == 17, checked
