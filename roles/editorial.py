"""The editorial setup (groups, permissions, the moderation workflow) and taxonomy upkeep.

`ensure_editorial_setup` takes an app registry so that the data migration (historical models)
and `load_catalogue` (real models, after a test framework emptied the database) share it.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Value
from django.utils.translation import gettext_lazy as _

from wagtail.log_actions import log

EDITORS = "编辑"
MODERATORS = "审核"
WORKFLOW = "审核发布"
MERGE_ACTION = "roles.merge_term"

TAXONOMY_MODELS = ("skill", "companytype", "background")
# Page permissions on the tree root, and so on the whole catalogue.
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
MODERATOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def ensure_editorial_setup(apps):
    """Create (or complete) the 编辑 and 审核 groups and the 审核发布 workflow on the page tree.
    Idempotent; returns the workflow, or None while there is no page tree yet."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")

    def permission(app_label, model, codename, name):
        # Permissions are normally created after migrating; a data migration must make its own.
        content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
        return Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]

    editors = Group.objects.get_or_create(name=EDITORS)[0]
    moderators = Group.objects.get_or_create(name=MODERATORS)[0]
    admin_access = permission("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
    taxonomy = [
        permission("roles", model, f"{action}_{model}", f"Can {action} {model}")
        for model in TAXONOMY_MODELS
        for action in ("add", "change", "delete", "view")
    ]
    for group in (editors, moderators):
        group.permissions.add(admin_access, *taxonomy)

    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return None
    for group, codenames in (
        (editors, EDITOR_PAGE_PERMISSIONS),
        (moderators, MODERATOR_PAGE_PERMISSIONS),
    ):
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root,
                permission=permission("wagtailcore", "page", codename, f"Can {codename}"),
            )

    task_type = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )[0]
    task = GroupApprovalTask.objects.filter(name=MODERATORS).first()
    if task is None:
        task = GroupApprovalTask.objects.create(
            name=MODERATORS, content_type=task_type, active=True
        )
    task.groups.set([moderators])
    workflow = Workflow.objects.get_or_create(name=WORKFLOW, defaults={"active": True})[0]
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    return workflow


# Who may change a term. A term has no draft: renaming, editing, merging or deleting it changes
# at once every live page that shows it. So a change to a term in live use is for those who may
# publish (审核, superusers); editors may create terms and change those nothing live uses.


def may_publish(user):
    """Whether `user` may publish the catalogue: the 审核 group (publish permission on the tree)
    and superusers."""
    from .models import RoleIndexPage

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
    from .models import Background, CompanyType, RoleCompanyType, RoleSkill, Skill

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
    from .models import RolePage

    link_model, field = term_links(term)
    if link_model is None:
        return RolePage.objects.none()
    # Published, public or not: changing the term changes each of these pages.
    pages = link_model.objects.filter(**{field: term}, page__live=True).values("page_id")
    return RolePage.objects.filter(pk__in=pages).order_by("path")


# Taxonomy upkeep.


def term_links(term):
    """The link model and field through which roles use `term` (a Skill or a CompanyType)."""
    from .models import CompanyType, RoleCompanyType, RoleSkill, Skill

    if isinstance(term, Skill):
        return RoleSkill, "skill"
    if isinstance(term, CompanyType):
        return RoleCompanyType, "company_type"
    return None, None


def roles_using(term):
    """The roles (live or draft) whose saved content or latest draft uses `term`."""
    from .models import RolePage

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
    from .models import SkillLevel

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
    from .models import Background, RolePage, Skill, SkillResource, Subscriber

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
