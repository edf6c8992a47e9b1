import datetime
import json
from contextlib import contextmanager

import factory
import wagtail_factories

from wagtail.signal_handlers import disable_reference_index_auto_update

from roles.catalogue.search import search_index_deferred
from roles.models import (
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RoleIndexPage,
    RolePage,
    RoleSkill,
    Skill,
)


@contextmanager
def growing_catalogue():
    """For a test that adds many roles only to see that a page's query count stays the same, as
    generate_roles does: the search index is filled once at the end, in bulk, and Wagtail's
    reference index (the admin's "usage" of a term, which no public page reads) is not kept.
    Thirty roles take 1.0 s instead of 2.4 s."""
    with disable_reference_index_auto_update(), search_index_deferred():
        yield


class SkillFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"技能{n}")
    slug = factory.Sequence(lambda n: f"skill-{n}")
    english_name = factory.Sequence(lambda n: f"Skill {n}")

    class Meta:
        model = Skill


class CompanyTypeFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"公司类型{n}")
    slug = factory.Sequence(lambda n: f"company-type-{n}")
    english_name = factory.Sequence(lambda n: f"Company type {n}")

    class Meta:
        model = CompanyType


class RoleIndexPageFactory(wagtail_factories.PageFactory):
    title = "AI岗位图谱"

    class Meta:
        model = RoleIndexPage


class RoleCategoryPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"类别{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    english_name = factory.Sequence(lambda n: f"Category {n}")
    intro = "类别概述。"
    suits = "适合有相关经验的人转型。"
    threshold_text = "门槛适中。"

    class Meta:
        model = RoleCategoryPage


class RolePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"岗位{n}")
    slug = factory.Sequence(lambda n: f"role-{n}")
    definition = "负责某项 AI 工作。"
    skills_text = "技能一、技能二。"
    company_types_text = "科技公司等。"

    class Meta:
        model = RolePage
        skip_postgeneration_save = True

    @factory.post_generation
    def links(self, create, extracted, **kwargs):
        """links=(skills, company_types): link the role to these terms and save."""
        if not extracted:
            return
        skills, company_types = extracted
        self.skill_links = [RoleSkill(skill=skill, sort_order=i) for i, skill in enumerate(skills)]
        self.company_type_links = [
            RoleCompanyType(company_type=ct, sort_order=i) for i, ct in enumerate(company_types)
        ]
        if create:
            self.save()


# Role page sections (RolePage.body), as the stored (raw) stream data. Test content only: the
# shipped fixture stays the article.


def source(n=1, consulted=None):
    consulted = consulted or datetime.date.today()
    return {
        "title": f"测试来源{n}",
        "url": f"https://example.org/source-{n}",
        "consulted": consulted.isoformat(),
    }


SECTION_VALUES = {
    "daily_work": lambda: {
        "tasks": ["与业务方确认需求", "设计评测集并记录结果"],
        "sources": [source(1)],
    },
    "entry_routes": lambda: {
        "routes": [
            {"kind": "education", "text": "计算机或统计相关专业。"},
            {"kind": "portfolio", "text": "两三个能公开演示的小项目。"},
        ],
        "sources": [source(2)],
    },
    "career_path": lambda: {"next_roles": [], "sources": [source(3)]},
    "learning_resources": lambda: {
        "resources": [
            {
                "title": "测试课程",
                "url": "https://example.org/course",
                "kind": "course",
                "free": True,
                "language": "zh",
                "checked_on": datetime.date.today().isoformat(),
            }
        ]
    },
    "salary": lambda: {
        "rows": [
            {
                "city": "北京",
                "minimum": 20000,
                "maximum": 35000,
                "currency": "CNY",
                "period": "month",
                "as_of": datetime.date.today().isoformat(),
            }
        ],
        "sources": [source(4)],
    },
    "faq": lambda: {
        "questions": [{"question": "需要会编程吗？", "answer": "需要基本的脚本能力。"}],
        "sources": [source(5)],
    },
}


def section(kind, **value):
    """One section of `kind` with test defaults, `value` replacing some of its fields."""
    return {"type": kind, "value": {**SECTION_VALUES[kind](), **value}}


def next_roles(*roles, note=""):
    return [{"role": role.pk, "note": note} for role in roles]


def role_body(*kinds, **values):
    """A body with a section of each of `kinds`, in that order (`values[kind]` overrides), as
    the JSON text a StreamField takes as stored data."""
    return json.dumps([section(kind, **values.get(kind, {})) for kind in kinds])
