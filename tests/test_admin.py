"""Editing the catalogue in the Wagtail admin (roles/editorial/wagtail_hooks.py and the page
panels)."""

import pytest

from django.contrib.auth import get_user_model

from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    streamfield,
)

from roles.choices import SkillLevel
from roles.models import CompanyType, Delivery, RoleCategoryPage, RolePage, Skill, Subscriber


def role_form(**overrides):
    python = Skill.objects.get(slug="python")
    statistics = Skill.objects.get(slug="statistics")
    tech = CompanyType.objects.get(slug="tech-company")
    data = {
        "title": "AI测试工程师",
        "slug": "ai-test-engineer",
        "english_name": "AI Test Engineer",
        "synonyms": "",
        "definition": "负责测试 AI 系统。",
        "skills_text": "熟悉Python、统计学。",
        "company_types_text": "科技公司等。",
        "skill_links": inline_formset(
            [
                {"skill": python.pk, "level": SkillLevel.ESSENTIAL},
                {"skill": statistics.pk, "level": SkillLevel.PREFERRED},
            ]
        ),
        "company_type_links": inline_formset([{"company_type": tech.pk}]),
        "body": streamfield([]),  # no sections; the browser always sends the stream's count
    }
    data.update(overrides)
    return nested_form_data(data)


class RoleAdminTest(WagtailPageTestCase):
    def setUp(self):
        self.user = get_user_model().objects.create_superuser("editor", password="pw")
        self.client.force_login(self.user)
        self.category = RoleCategoryPage.objects.get(slug="tech-rnd")

    def test_an_editor_can_create_a_role_with_skills_and_company_types(self):
        self.assertCanCreate(self.category, RolePage, role_form())
        role = RolePage.objects.get(slug="ai-test-engineer")
        self.assertEqual(role.category, self.category)
        self.assertEqual(
            [(link.skill.slug, link.level) for link in role.skills],
            [("python", "essential"), ("statistics", "preferred")],
        )
        self.assertEqual([ct.slug for ct in role.company_types], ["tech-company"])

    def test_a_role_needs_an_essential_skill(self):
        python = Skill.objects.get(slug="python")
        statistics = Skill.objects.get(slug="statistics")
        data = role_form(
            skill_links=inline_formset(
                [
                    {"skill": python.pk, "level": SkillLevel.PREFERRED},
                    {"skill": statistics.pk, "level": SkillLevel.PREFERRED},
                ]
            )
        )
        url = f"/admin/pages/add/roles/rolepage/{self.category.pk}/"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "至少需要一项必备技能。")
        self.assertFalse(RolePage.objects.filter(slug="ai-test-engineer").exists())

    def test_a_role_needs_a_company_type(self):
        url = f"/admin/pages/add/roles/rolepage/{self.category.pk}/"
        response = self.client.post(url, role_form(company_type_links=inline_formset([])))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(RolePage.objects.filter(slug="ai-test-engineer").exists())

    def test_the_role_editor_has_tabs_and_choosers(self):
        role = RolePage.objects.get(slug="prompt-engineer")
        response = self.client.get(f"/admin/pages/{role.pk}/edit/")
        self.assertContains(response, "技能与公司类型")
        self.assertContains(response, "自然语言处理")  # a chosen skill
        self.assertContains(response, "/admin/snippets/choose/roles/skill/")
        self.assertContains(response, "/admin/snippets/choose/roles/companytype/")

    def test_role_and_category_pages_preview(self):
        role = RolePage.objects.get(slug="prompt-engineer")
        html = self.client.get(f"/admin/pages/{role.pk}/edit/").content.decode()
        data = querydict_from_html(html, form_id="page-edit-form")
        data["body-count"] = "0"  # the sections' inputs are drawn by Wagtail's script
        self.assertPageIsPreviewable(role, post_data=data)
        self.assertPageIsPreviewable(RoleCategoryPage.objects.get(slug="design"))

    def test_a_new_role_previews_before_it_is_saved(self):
        url = f"/admin/pages/add/roles/rolepage/{self.category.pk}/preview/"
        response = self.client.post(url, role_form())
        self.assertEqual(response.json(), {"is_valid": True, "is_available": True})
        response = self.client.get(url)
        self.assertContains(response, "负责测试 AI 系统。")
        self.assertContains(response, "Python")

    def test_skills_and_company_types_are_listed_and_searchable(self):
        response = self.client.get("/admin/snippets/roles/skill/", {"q": "Python"})
        self.assertContains(response, "Python")
        self.assertNotContains(response, "品牌策划")
        response = self.client.get("/admin/snippets/roles/companytype/", {"q": "金融"})
        self.assertContains(response, "金融机构")
        self.assertNotContains(response, "科技公司")
        self.assertContains(response, "岗位数")


@pytest.mark.django_db
def test_anonymous_visitors_cannot_reach_the_admin(client):
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


class SubscriptionAdminTest(WagtailPageTestCase):
    def setUp(self):
        self.client.force_login(get_user_model().objects.create_superuser("staff", password="pw"))
        data = RoleCategoryPage.objects.get(slug="data-engineering")
        for email, categories in [("a@example.com", [data]), ("b@example.com", [])]:
            subscriber = Subscriber.objects.create(email=email, status="confirmed")
            subscriber.categories.set(categories)
        Subscriber.objects.create(email="c@example.com", status="pending")

    def test_subscribers_are_listed_filtered_and_exported_as_csv(self):
        response = self.client.get("/admin/subscriber/", {"status": "pending"})
        self.assertContains(response, "c@example.com")
        self.assertNotContains(response, "a@example.com")
        response = self.client.get("/admin/subscriber/", {"export": "csv"})
        self.assertTrue(response["Content-Type"].startswith("text/csv"))
        csv = b"".join(response.streaming_content).decode("utf-8")
        self.assertIn("a@example.com", csv)
        self.assertIn("数据工程类", csv)
        self.assertEqual(len(csv.strip().splitlines()), 4)  # a header and three subscribers

    def test_deliveries_are_listed(self):
        subscriber = Subscriber.objects.get(email="a@example.com")
        Delivery.objects.create(
            subscriber=subscriber, role=RolePage.objects.get(slug="data-engineer")
        )
        response = self.client.get("/admin/delivery/")
        self.assertContains(response, "a@example.com")

    def test_a_new_roles_editor_sees_how_many_subscribers_it_will_notify(self):
        category = RoleCategoryPage.objects.get(slug="data-engineering")
        response = self.client.get(f"/admin/pages/add/roles/rolepage/{category.pk}/")
        self.assertContains(response, "首次发布后，将通知 2 位订阅者")
        published = RolePage.objects.get(slug="data-engineer")
        response = self.client.get(f"/admin/pages/{published.pk}/edit/")
        self.assertNotContains(response, "首次发布后")


class DashboardTest(WagtailPageTestCase):
    def test_the_dashboard_shows_the_catalogue_at_a_glance(self):
        self.client.force_login(get_user_model().objects.create_superuser("boss", password="pw"))
        Subscriber.objects.create(email="a@example.com", status="confirmed")
        response = self.client.get("/admin/")
        self.assertContains(response, "岗位图谱")
        self.assertContains(response, "订阅者 1 位（另有 0 位待确认）")
        self.assertRegex(response.content.decode(), r"技术研发类</a></td><td>8</td>")
        self.assertContains(response, "最近发布的岗位")
