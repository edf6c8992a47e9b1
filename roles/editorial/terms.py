"""Taxonomy upkeep: who may change a term in live use, which roles use a term, and merging one
term into another."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Value
from django.utils.translation import gettext_lazy as _

from wagtail.log_actions import log

from roles.choices import SkillLevel
from roles.models import (
    Background,
    CompanyType,
    RoleCompanyType,
    RoleIndexPage,
    RolePage,
    RoleSkill,
    Skill,
    SkillResource,
    Subscriber,
)

MERGE_ACTION = "roles.merge_term"


# Who may change a term. A term has no draft: renaming, editing, merging or deleting it changes
# at once every live page that shows it. So a change to a term in live use is for those who may
# publish (审核, superusers); editors may create terms and change those nothing live uses.


def may_publish(user):
    """Whether `user` may publish the catalogue: the 审核 group (publish permission on the tree)
    and superusers."""
    cached = getattr(user, "_roles_may_publish", None)  # asked once per row of a listing
    if cached is None:
        index = RoleIndexPage.objects.first()
        if index is None:
            cached = bool(user.is_active and user.is_superuser)
        else:
            cached = index.permissions_for_user(user).can_publish()
        user._roles_may_publish = cached
    return cached


def live_use(model):
    """An expression: whether a term of `model` is in live use. A skill or company type is when
    a published role (public or not) links to it in its live version — a draft's links live in
    its revision — and a skill also when a background lists it. Backgrounds are always: each one
    is offered on the public finder as soon as it is saved."""
    if model is Background:
        return Value(True)
    if model is Skill:
        in_background = Background.skills.through.objects.filter(skill_id=OuterRef("pk"))
        return Exists(RoleSkill.objects.filter(skill=OuterRef("pk"), page__live=True)) | Exists(
            in_background
        )
    if model is CompanyType:
        return Exists(RoleCompanyType.objects.filter(company_type=OuterRef("pk"), page__live=True))
    return Value(False)


def in_live_use(term):
    """Whether `term` is in live use (read from the `in_live_use` annotation when present)."""
    if hasattr(term, "in_live_use"):
        return term.in_live_use
    if term.pk is None:
        return False
    model = type(term)
    rows = model.objects.filter(pk=term.pk).annotate(used=live_use(model))
    return bool(rows.values_list("used", flat=True).first())


def may_change_term(user, term):
    """Whether `user` may edit, merge or delete `term`: anyone with the snippet permission for a
    term nothing live uses; only those who may publish for one in live use."""
    return not in_live_use(term) or may_publish(user)


def live_roles_using(term):
    """The published roles whose live version links to `term` (for the refusal page)."""
    link_model, field = term_links(term)
    if link_model is None:
        return RolePage.objects.none()
    # Published, public or not: changing the term changes each of these pages.
    pages = link_model.objects.filter(**{field: term}, page__live=True).values("page_id")
    return RolePage.objects.filter(pk__in=pages).order_by("path")


# Taxonomy upkeep.


def term_links(term):
    """The link model and field through which roles use `term` (a Skill or a CompanyType)."""
    if isinstance(term, Skill):
        return RoleSkill, "skill"
    if isinstance(term, CompanyType):
        return RoleCompanyType, "company_type"
    return None, None


def roles_using(term):
    """The roles (live or draft) whose saved content or latest draft uses `term`."""
    link_model, field = term_links(term)
    if link_model is None:
        return RolePage.objects.none()
    pks = set(link_model.objects.filter(**{field: term}).values_list("page_id", flat=True))
    pks.update(
        page.pk
        for page in RolePage.objects.filter(has_unpublished_changes=True)
        if _uses(page.get_latest_revision_as_object(), term)
    )
    return RolePage.objects.filter(pk__in=pks).order_by("path")


def _relation(term):
    _link_model, field = term_links(term)
    return ("skill_links" if field == "skill" else "company_type_links"), field


def _uses(page, term):
    relation, field = _relation(term)
    return any(getattr(link, f"{field}_id") == term.pk for link in getattr(page, relation).all())


def _relink(page, source, target):
    """Point `page`'s links from `source` to `target` in memory. A role that already has the
    target keeps one link; for skills it keeps the stronger level (essential wins)."""
    relation, field = _relation(source)
    links = list(getattr(page, relation).all())
    kept_target = next((link for link in links if getattr(link, f"{field}_id") == target.pk), None)
    result = []
    for link in links:
        if getattr(link, f"{field}_id") != source.pk:
            result.append(link)
            continue
        if kept_target is None:
            setattr(link, field, target)
            kept_target = link
            result.append(link)
        elif field == "skill" and link.level == SkillLevel.ESSENTIAL:
            kept_target.level = SkillLevel.ESSENTIAL
    setattr(page, relation, result)


def merge_terms(source, target, user=None):
    """Merge `source` into `target` (same vocabulary): every role, background and subscription
    that used `source` uses `target` instead, each changed role gets a new revision (published
    where the role was live, so the live page changes too; a pending draft keeps its place as
    the latest revision), the merge is logged on `target`, and `source` is deleted.

    Returns the roles that were changed. Raises PermissionDenied if `user` may not change
    `source` (see may_change_term)."""
    if type(source) is not type(target) or source.pk == target.pk:
        raise ValueError("merge a term into another term of the same vocabulary")
    if user is not None and not may_change_term(user, source):
        raise PermissionDenied
    with transaction.atomic():
        changed = []
        for page in roles_using(source):
            page = RolePage.objects.get(pk=page.pk)
            draft = page.get_latest_revision_as_object() if page.has_unpublished_changes else None
            if _uses(page, source):
                _relink(page, source, target)
                revision = page.save_revision(user=user, log_action=MERGE_ACTION, clean=False)
                if page.live:
                    revision.publish(user=user, skip_permission_checks=True)
                else:
                    page.save()  # a page that was never published keeps its content here
            if draft is not None and _uses(draft, source):
                _relink(draft, source, target)
                draft.save_revision(user=user, log_action=MERGE_ACTION, clean=False)
            changed.append(page)
        if isinstance(source, Skill):
            for background in Background.objects.filter(skills=source):
                background.skills.add(target)
            # Its learning resources are still ways to learn the merged skill.
            SkillResource.objects.filter(skill=source).update(skill=target)
        else:
            for subscriber in Subscriber.objects.filter(company_types=source):
                subscriber.company_types.add(target)
        log(
            instance=target,
            action=MERGE_ACTION,
            user=user,
            data={"source": source.name, "source_slug": source.slug, "roles": len(changed)},
        )
        log(instance=source, action="wagtail.delete", user=user)
        source.delete()
    return changed


MERGE_LABEL = _("合并分类词")
