from django.db import migrations


def setup(apps, schema_editor):
    from roles.editorial import ensure_editorial_setup

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
