"""Delivery rows are no longer recorded in Wagtail's reference index (Delivery's
`wagtail_reference_index_ignore`): drop the rows recorded before, which counted every email
owed about a role as a "usage" of that role in the admin."""

from django.db import migrations


def forget_deliveries(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReferenceIndex = apps.get_model("wagtailcore", "ReferenceIndex")
    delivery = ContentType.objects.filter(app_label="roles", model="delivery").first()
    if delivery is not None:
        ReferenceIndex.objects.filter(content_type=delivery).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0011_english_names_and_site_intro"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forget_deliveries, migrations.RunPython.noop)]
