#!/usr/bin/env python
"""The judged set's figures: the role finder's precision@3 and NDCG@5 per persona and their mean,
and the precision of related roles, for the scoring before issue #13 and now.

The personas and the acceptable related roles are in tests/judged/ (see tests/evaluation.py);
"before" is the earlier scoring, kept here only to measure against (the finder grouped by
threshold level, then ordered by the share of essential×2 + preferred skills; related roles by
Jaccard similarity of skills 0.7 + company types 0.3). The script loads the catalogue into a
throwaway SQLite database, prints figures and never passes or fails.

    .venv/bin/python bench/answers.py [--verbose]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_database(folder):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/answers.sqlite3",
        "DJANGO_SETTINGS_MODULE": "airoles.settings.dev",
        "TASKS_BACKEND": "immediate",
        "PYTHONWARNINGS": "ignore",
    }
    for command in (["migrate", "--noinput"], ["load_catalogue"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    os.environ.update(env)


# The scoring before issue #13, to measure against.


def old_rank_by_fit(skill_ids):
    from roles.choices import SkillLevel, ThresholdLevel
    from roles.discovery.matching import Fit, Ranking
    from roles.models import RolePage, RoleSkill

    roles = RolePage.objects.visible()
    links = defaultdict(list)
    for page_id, skill_id, level in RoleSkill.objects.filter(
        page__in=roles.values("pk")
    ).values_list("page_id", "skill_id", "level"):
        links[page_id].append((skill_id, level))
    weight = {SkillLevel.ESSENTIAL: 2, SkillLevel.PREFERRED: 1}
    scores = {}
    for page_id, page_links in links.items():
        total = sum(weight[level] for _skill, level in page_links)
        have = sum(weight[level] for skill, level in page_links if skill in skill_ids)
        scores[page_id] = round(100 * have / total) if total else 0
    matched = {pk: score for pk, score in scores.items() if score > 0}
    levels = dict(roles.values_list("pk", "category__threshold_level"))
    full = {role.pk: role for role in roles.filter(pk__in=matched).for_listing()}
    order = [ThresholdLevel.HIGH, ThresholdLevel.FAIRLY_HIGH, ThresholdLevel.MODERATE, ""]
    ranked = sorted(
        (pk for pk in matched if pk in full),
        key=lambda pk: (order.index(levels.get(pk, "")), -matched[pk], full[pk].path),
    )
    return Ranking([Fit(full[pk], matched[pk], 0.0, [], []) for pk in ranked], 0, 0)


def old_related_roles(role, limit=5):
    from roles.discovery.matching import Related
    from roles.models import RolePage

    my_skills = {link.skill_id for link in role.skills}
    my_companies = {ct.pk for ct in role.company_types}
    others = {
        other.pk: other for other in RolePage.objects.visible().exclude(pk=role.pk).for_listing()
    }
    jaccard = {}
    for pk, other in others.items():
        skills = {link.skill_id for link in other.skills}
        if skills & my_skills:
            jaccard[pk] = len(skills & my_skills) / len(skills | my_skills)
    # The 30 candidates with the highest Jaccard similarity of skills, as the SQL query took them.
    candidates = sorted(jaccard, key=lambda pk: (-jaccard[pk], pk))[:30]
    related = []
    for pk in candidates:
        companies = {ct.pk for ct in others[pk].company_types}
        union = companies | my_companies
        company_score = len(companies & my_companies) / len(union) if union else 0
        related.append(Related(others[pk], 0.7 * jaccard[pk] + 0.3 * company_score, [], []))
    related.sort(key=lambda r: (-r.score, r.role.path))
    return related[:limit]


def specific_or_same_category(figures):
    """How many related links share neither a specific skill nor the category."""
    from roles.discovery.matching import GENERIC_SHARE
    from roles.models import RolePage, RoleSkill

    roles = {r.slug: r for r in RolePage.objects.live().for_listing()}
    df = defaultdict(int)
    for skill_id in RoleSkill.objects.filter(page__live=True).values_list("skill_id", flat=True):
        df[skill_id] += 1
    bad = 0
    for slug, items in figures.items():
        mine = {link.skill_id for link in roles[slug].skills}
        for other, _ok in items:
            shared = mine & {link.skill_id for link in roles[other].skills}
            specific = any(df[pk] <= GENERIC_SHARE * len(roles) for pk in shared)
            if not specific and roles[other].category_id != roles[slug].category_id:
                bad += 1
    return bad


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="list every persona's top 3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_database(folder)
        import django

        django.setup()
        from tests import evaluation

        print("Role finder (judged personas: tests/judged/finder_personas.json)")
        print(f"{'persona':32} {'P@3 before':>10} {'after':>6} {'NDCG@5 before':>14} {'after':>6}")
        before = evaluation.finder_figures(old_rank_by_fit)
        after = evaluation.finder_figures()
        for (name, top_b, p_b, n_b), (_n, top_a, p_a, n_a) in zip(before, after, strict=True):
            print(f"{name:32} {p_b:10.2f} {p_a:6.2f} {n_b:14.2f} {n_a:6.2f}")
            if args.verbose:
                print(f"    before: {', '.join(top_b)}\n    after:  {', '.join(top_a)}")
        for label, rows in (("before", before), ("after", after)):
            mean_p = sum(r[2] for r in rows) / len(rows)
            mean_n = sum(r[3] for r in rows) / len(rows)
            perfect = sum(1 for r in rows if r[2] == 1)
            print(
                f"mean {label:6}: P@3 {mean_p:.3f}  NDCG@5 {mean_n:.3f}  "
                f"personas with an acceptable top 3: {perfect}/{len(rows)}"
            )

        print("\nRelated roles (judged: tests/judged/related_roles.json)")
        for label, related in (("before", old_related_roles), ("after", None)):
            figures = (
                evaluation.related_figures(related) if related else evaluation.related_figures()
            )
            micro, per_role = evaluation.related_precision(figures)
            links = sum(len(items) for items in figures.values())
            print(
                f"{label:6}: {links} links on {len(figures)} role pages, precision {micro:.3f} "
                f"(mean per role {per_role:.3f}); links with neither a specific skill nor the "
                f"category in common: {specific_or_same_category(figures)}"
            )
            if args.verbose:
                for slug, items in figures.items():
                    wrong = [other for other, ok in items if not ok]
                    if wrong:
                        print(f"    {slug}: not acceptable {', '.join(wrong)}")


if __name__ == "__main__":
    main()
