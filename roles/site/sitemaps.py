"""The sitemap's entries beyond Wagtail's pages: a skill page for each skill a live role needs."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.urls import reverse

from wagtail.contrib.sitemaps import Sitemap as PageSitemap

from roles.models import Skill


class SkillSitemap(Sitemap):
    def items(self):
        live = Q(role_links__page__live=True, role_links__page__view_restrictions__isnull=True)
        return (
            Skill.objects.annotate(lastmod=Max("role_links__page__last_published_at", filter=live))
            .filter(lastmod__isnull=False)
            .order_by("slug")
        )

    def location(self, skill):
        return reverse("skill_detail", args=[skill.slug])

    def lastmod(self, skill):
        return skill.lastmod


SITEMAPS = {"pages": PageSitemap, "skills": SkillSitemap}
