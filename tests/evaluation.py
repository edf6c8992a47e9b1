"""The judged set (tests/judged/) and the measures computed over it, shared by
tests/test_answers.py (which asserts thresholds) and bench/answers.py (which prints figures).

Everything runs through the site's own functions over the catalogue loaded in the database: the
finder's form (MatchForm, which folds backgrounds that are plain skills into the skill list),
brought_skills() and rank_by_fit(); related_roles() for each live role."""

import json
import math
from pathlib import Path

from django.http import QueryDict

from roles.discovery.forms import MatchForm
from roles.discovery.matching import brought_skills, rank_by_fit, related_roles
from roles.models import RolePage

JUDGED = Path(__file__).resolve().parent / "judged"


def personas():
    return json.loads((JUDGED / "finder_personas.json").read_text())["personas"]


def acceptable_related():
    return json.loads((JUDGED / "related_roles.json").read_text())["acceptable"]


def persona_query(persona):
    query = QueryDict(mutable=True)
    query.setlist("background", persona["backgrounds"])
    query.setlist("skill", persona["skills"])
    return query


def persona_skill_ids(persona):
    """The skills the finder counts for a persona, as the /match/ page reads its query."""
    form = MatchForm(persona_query(persona))
    form.is_valid()
    assert not form.notices(), (persona["name"], form.notices())
    data = form.cleaned_data
    return brought_skills(data["background"], data["skill"])[1]


def finder_ranking(persona, rank=rank_by_fit):
    """The slugs of the roles the finder lists for a persona, best first."""
    return [fit.role.slug for fit in rank(persona_skill_ids(persona)).fits]


def precision_at(ranked, accepted, k):
    return sum(1 for slug in ranked[:k] if slug in accepted) / k


def ndcg_at(ranked, accepted, k):
    """Binary-relevance NDCG@k: 1 when the first min(k, |accepted|) places are all acceptable."""
    gain = sum(1 / math.log2(i + 2) for i, slug in enumerate(ranked[:k]) if slug in accepted)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(accepted))))
    return gain / ideal if ideal else 0.0


def finder_figures(rank=rank_by_fit):
    """[(persona name, top 3, P@3, NDCG@5)] for every judged persona."""
    rows = []
    for persona in personas():
        ranked = finder_ranking(persona, rank)
        accepted = set(persona["accept"])
        precision, ndcg = precision_at(ranked, accepted, 3), ndcg_at(ranked, accepted, 5)
        rows.append((persona["name"], ranked[:3], precision, ndcg))
    return rows


def related_figures(related=related_roles):
    """{role slug: [(related slug, acceptable?)]} for every live role, as its page lists them."""
    acceptable = acceptable_related()
    out = {}
    for role in RolePage.objects.live().public().for_listing():
        accepted = set(acceptable.get(role.slug, []))
        out[role.slug] = [(item.role.slug, item.role.slug in accepted) for item in related(role)]
    return out


def related_precision(figures):
    """(micro precision over all links, mean per-role precision over roles that list any)."""
    links = [ok for items in figures.values() for _slug, ok in items]
    per_role = [sum(ok for _s, ok in items) / len(items) for items in figures.values() if items]
    micro = sum(links) / len(links) if links else 0.0
    return micro, (sum(per_role) / len(per_role) if per_role else 0.0)
