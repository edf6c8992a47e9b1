from django.db import transaction
from django.dispatch import receiver

from wagtail.signals import page_published, post_page_move

from roles.models import RoleCategoryPage, RolePage

from .notifications import is_first_publication
from .tasks import notify_new_role


@receiver(post_page_move)
def keep_role_category_in_step(sender, instance, parent_page_after, **kwargs):
    # Wagtail moves a page without calling the specific class's save().
    if issubclass(sender, RolePage):
        category = RoleCategoryPage.objects.filter(pk=parent_page_after.pk).first()
        RolePage.objects.filter(pk=instance.pk).update(category=category)


@receiver(page_published, sender=RolePage)
def announce_new_role(sender, instance, **kwargs):
    # Only a role's first publication is news; a scheduled one arrives here when it goes live.
    if is_first_publication(instance):
        transaction.on_commit(lambda: notify_new_role.enqueue(instance.pk))
