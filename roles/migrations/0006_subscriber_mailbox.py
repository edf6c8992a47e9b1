from django.db import migrations, models


def mailbox_of(email):
    """roles.models.subscriptions.mailbox_of as it was when this migration was written."""
    local, _at, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0] or local}@{domain}"


def fill_mailbox(apps, schema_editor):
    Subscriber = apps.get_model("roles", "Subscriber")
    for subscriber in Subscriber.objects.only("pk", "email").iterator(chunk_size=1000):
        Subscriber.objects.filter(pk=subscriber.pk).update(mailbox=mailbox_of(subscriber.email))


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0005_help_texts"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="mailbox",
            field=models.CharField(db_index=True, default="", editable=False, max_length=254),
        ),
        migrations.RunPython(fill_mailbox, migrations.RunPython.noop, elidable=True),
    ]
