from django.db import migrations

# Wagtail's own migrations create the groups "Editors" and "Moderators", a "Moderators approval"
# task and workflow. The project has its own (roles/editorial/setup.py, migration 0004): 编辑, 审核 and
# the 审核发布 workflow. One set of groups: anyone in Wagtail's is moved into the project's
# corresponding group, a task that still names Wagtail's group names 审核 instead, Wagtail's
# default workflow and task go where nothing uses them, and then the two groups are deleted.
# The names are inlined rather than imported from application code, which may change later.
DEFAULT_TO_PROJECT = {"Editors": "编辑", "Moderators": "审核"}
DEFAULT_WORKFLOW = "Moderators approval"


def remove_default_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    TaskState = apps.get_model("wagtailcore", "TaskState")

    for default_name, project_name in DEFAULT_TO_PROJECT.items():
        default = Group.objects.filter(name=default_name).first()
        if default is None:
            continue
        project = Group.objects.get_or_create(name=project_name)[0]
        for user in default.user_set.all():
            user.groups.add(project)
        # A moderation task must not be left to a group that no longer exists.
        for task in GroupApprovalTask.objects.filter(groups=default):
            task.groups.remove(default)
            task.groups.add(project)

    # Wagtail's default workflow, where no page, content type or moderation history uses it.
    for workflow in Workflow.objects.filter(name=DEFAULT_WORKFLOW):
        in_use = (
            WorkflowPage.objects.filter(workflow=workflow).exists()
            or WorkflowContentType.objects.filter(workflow=workflow).exists()
            or WorkflowState.objects.filter(workflow=workflow).exists()
        )
        if in_use:
            continue
        task_ids = list(
            WorkflowTask.objects.filter(workflow=workflow).values_list("task_id", flat=True)
        )
        workflow.delete()
        for task in GroupApprovalTask.objects.filter(pk__in=task_ids, name=DEFAULT_WORKFLOW):
            other_workflows = WorkflowTask.objects.filter(task_id=task.pk).exists()
            if not other_workflows and not TaskState.objects.filter(task_id=task.pk).exists():
                task.delete()

    Group.objects.filter(name__in=DEFAULT_TO_PROJECT).delete()


class Migration(migrations.Migration):
    """Only the project's groups (编辑, 审核): Wagtail's default Editors and Moderators go."""

    dependencies = [
        ("roles", "0007_skill_resources"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0003_admin_managed"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(remove_default_groups, migrations.RunPython.noop)]
