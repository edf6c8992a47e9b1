import random
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from wagtail.search.backends import get_search_backend
from wagtail.signal_handlers import disable_reference_index_auto_update

from roles.catalogue.search import search_index_deferred
from roles.choices import SkillLevel
from roles.models import RoleCategoryPage, RoleCompanyType, RolePage, RoleSkill

PREFIX = "synthetic-"
LEVELS = ["初级", "中级", "高级", "资深", "实习", "专家", "主管", "外包"]


class Command(BaseCommand):
    help = (
        "Add synthetic, published roles for benchmarks: titles, definitions and taxonomy links "
        "drawn from the catalogue's own roles with their real frequencies. Their slugs start "
        f"with '{PREFIX}'; --delete removes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--delete", action="store_true", help="remove the synthetic roles")

    def handle(self, *args, count, seed, delete, **options):
        if delete:
            removed = RolePage.objects.filter(slug__startswith=PREFIX)
            total = removed.count()
            for role in removed:
                role.delete()
            self.stdout.write(f"removed {total} synthetic roles")
            return
        if count < 1:
            raise CommandError("--count must be at least 1")
        models = list(RolePage.objects.visible().exclude(slug__startswith=PREFIX).for_listing())
        categories = list(RoleCategoryPage.objects.visible())
        if not models or not categories:
            raise CommandError("load the catalogue first (manage.py load_catalogue)")
        made = self.generate(count, random.Random(seed), models, categories)
        self.stdout.write(f"added {made} synthetic roles; {RolePage.objects.count()} in all")

    def generate(self, count, rng, models, categories):
        skills = Counter(link.skill_id for role in models for link in role.skill_links.all())
        company_types = Counter(
            link.company_type_id for role in models for link in role.company_type_links.all()
        )
        skill_ids, skill_weights = zip(*skills.items(), strict=True)
        company_ids, company_weights = zip(*company_types.items(), strict=True)
        start = RolePage.objects.filter(slug__startswith=PREFIX).count()
        now = timezone.now()

        # Indexing one page at a time would dominate; the search index is filled in bulk below.
        with (
            search_index_deferred(index_when_done=False),
            transaction.atomic(),
            disable_reference_index_auto_update(),
        ):
            created = []
            for n in range(start, start + count):
                model = rng.choice(models)
                category = rng.choice(categories)
                role = RolePage(
                    title=f"{model.title}（{rng.choice(LEVELS)}·{n}）",
                    slug=f"{PREFIX}{n}",
                    english_name=model.english_name,
                    definition=model.definition,
                    skills_text=model.skills_text,
                    company_types_text=model.company_types_text,
                    first_published_at=now,
                    last_published_at=now,
                )
                picked = _sample(rng, skill_ids, skill_weights, rng.randint(2, 6))
                role.skill_links = [
                    RoleSkill(
                        skill_id=skill_id,
                        level=SkillLevel.PREFERRED if i and rng.random() < 0.1 else "essential",
                        sort_order=i,
                    )
                    for i, skill_id in enumerate(picked)
                ]
                picked = _sample(rng, company_ids, company_weights, rng.randint(1, 4))
                role.company_type_links = [
                    RoleCompanyType(company_type_id=company_id, sort_order=i)
                    for i, company_id in enumerate(picked)
                ]
                category.add_child(instance=role)
                created.append(role.pk)
        backend = get_search_backend()
        for batch in range(0, len(created), 500):
            pages = RolePage.objects.filter(pk__in=created[batch : batch + 500]).for_listing()
            backend.add_bulk(RolePage, list(pages))
        return len(created)


def _sample(rng, population, weights, k):
    """k distinct items, drawn with the given weights."""
    chosen = []
    while len(chosen) < min(k, len(population)):
        item = rng.choices(population, weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen
