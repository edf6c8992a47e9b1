from django.db import migrations

# roles.editorial.setup.ensure_editorial_setup as it was when this migration was written: a
# migration keeps its own copy, so later changes to the application code cannot change it.

EDITORS = "编辑"
MODERATORS = "审核"
WORKFLOW = "审核发布"

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


def setup(apps, schema_editor):
    ensure_editorial_setup(apps)


class Migration(migrations.Migration):
    """The 编辑 (editors) and 审核 (moderators) groups and the 审核发布 workflow."""

    dependencies = [
        ("roles", "0003_role_editor_notes_and_limits"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0003_admin_managed"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(setup, migrations.RunPython.noop)]
