import factory
import wagtail_factories

from roles.models import (
    CompanyType,
    RoleCategoryPage,
    RoleCompanyType,
    RoleIndexPage,
    RolePage,
    RoleSkill,
    Skill,
)


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
