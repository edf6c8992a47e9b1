"""Discovery pages: skills (/skills/), compare (/compare/) and the role finder (/match/)."""

from collections import defaultdict

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.generic import TemplateView

from roles.catalogue.fragments import related_ids
from roles.models import RoleCategoryPage, RolePage, Skill
from roles.site.caching import until_changed

from .forms import MatchForm
from .matching import MAX_COMPARED, brought_skills, compare, rank_by_fit
from .sharing import share_links
from .skills import skill_overview, skill_profile

SUGGESTIONS_PER_CATEGORY = 12


class SkillListView(TemplateView):
    """Every skill, grouped, with how many live roles need it, at /skills/."""

    template_name = "roles/skill_list.html"

    def get_context_data(self, **kwargs):
        groups = skill_overview()
        return {
            **super().get_context_data(**kwargs),
            "groups": groups,
            "skill_count": sum(len(group.skills) for group in groups),
        }


class SkillDetailView(TemplateView):
    """One skill at /skills/<slug>/: the roles that need it, where, with what, and how to
    learn it."""

    template_name = "roles/skill_detail.html"

    def get_context_data(self, slug, **kwargs):
        skill = get_object_or_404(Skill, slug=slug)
        # Computed only if the page's content is rendered: it is kept ({% kept %}), and a page
        # rendered from there reads no profile, only its role count (kept as well). Reading a
        # profile reads every role that needs the skill (hundreds in a large catalogue).
        profile = SimpleLazyObject(lambda: skill_profile(skill))
        return {
            **super().get_context_data(**kwargs),
            "skill": skill,
            "profile": profile,
            "role_count": until_changed(f"skill-role-count:{skill.pk}", lambda: profile.role_count),
        }


class CompareView(TemplateView):
    """2–4 roles side by side at /compare/?roles=<slug>,<slug>…"""

    template_name = "roles/compare.html"

    def get_context_data(self, **kwargs):
        comparison = compare(self.request.GET.getlist("roles"))
        slugs = [role.slug for role in comparison.roles]
        context = {
            **super().get_context_data(**kwargs),
            "comparison": comparison,
            "slugs": ",".join(slugs),
            "can_add": len(slugs) < MAX_COMPARED,
            "remove_urls": {slug: compare_url([s for s in slugs if s != slug]) for slug in slugs},
            "share": share_links(self.request, compare_url(slugs)),
        }
        if comparison.ready:
            context["columns"] = comparison.columns()
            for column in context["columns"]:
                column["remove_url"] = compare_url(
                    [slug for slug in slugs if slug != column["role"].slug]
                )
            context["skill_rows"] = comparison.skill_rows()
        if len(slugs) < MAX_COMPARED:
            context["suggestions"] = (
                self.suggestions(comparison.roles, slugs)
                if slugs
                # The page as first opened (no role chosen yet) suggests the same roles to
                # everyone until the catalogue changes.
                else until_changed("compare-suggestions", lambda: self.suggestions([], []))
            )
        return context

    def suggestions(self, chosen, slugs):
        """Roles to add: those related to the first chosen one, then a few of each category."""
        by_category, by_id = defaultdict(list), {}
        roles = (
            RolePage.objects.visible()
            .exclude(slug__in=slugs)
            .order_by("path")
            .values_list("pk", "slug", "title", "english_name", "category_id")
        )
        for pk, slug, title, english_name, category_id in roles:
            # Unsaved pages that carry just the names, for their display_name.
            by_id[pk] = RolePage(slug=slug, title=title, english_name=english_name)
            if len(by_category[category_id]) < SUGGESTIONS_PER_CATEGORY:
                by_category[category_id].append(by_id[pk])
        # Related roles are cached per catalogue generation; their names are read just above.
        related = [by_id[pk] for pk in related_ids(chosen[0]) if pk in by_id] if chosen else []

        def with_urls(roles):
            return [(role, compare_url([*slugs, role.slug])) for role in roles]

        categories = RoleCategoryPage.objects.visible().order_by("sort_order", "path")
        return {
            "related": with_urls(related),
            "categories": [
                (category, with_urls(by_category[category.pk]))
                for category in categories
                if by_category[category.pk]
            ],
        }


def compare_url(slugs):
    return reverse("compare") + (f"?roles={','.join(slugs)}" if slugs else "")


class MatchView(TemplateView):
    """The role finder at /match/: what a visitor brings → every role ranked by fit."""

    template_name = "roles/match.html"

    def get_context_data(self, **kwargs):
        form = MatchForm(self.request.GET)
        form.is_valid()
        data = form.cleaned_data
        backgrounds, skill_ids = brought_skills(data.get("background", []), data.get("skill", []))
        context = {
            **super().get_context_data(**kwargs),
            "form": form,
            "notices": form.notices(),
            "asked": bool(skill_ids),
            "backgrounds": backgrounds,
            "filtered_by_threshold": bool(data.get("threshold")),
        }
        if skill_ids:
            context["ranking"] = rank_by_fit(
                skill_ids, data.get("company_type", []), data.get("threshold", [])
            )
        return context
