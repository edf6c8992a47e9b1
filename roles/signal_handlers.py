from django.dispatch import receiver

from wagtail.signals import post_page_move

from .models import RoleCategoryPage, RolePage


@receiver(post_page_move)
def keep_role_category_in_step(sender, instance, parent_page_after, **kwargs):
    # Wagtail moves a page without calling the specific class's save().
    if issubclass(sender, RolePage):
        category = RoleCategoryPage.objects.filter(pk=parent_page_after.pk).first()
        RolePage.objects.filter(pk=instance.pk).update(category=category)
