"""Wagtail imports `<app>.wagtail_hooks` of each installed app; the roles app's hooks live in its
feature folders, and importing them here registers them (subscriptions first: the order in which
the admin viewsets were registered before the move)."""

from roles.subscriptions import wagtail_hooks as subscriptions_hooks  # noqa: F401, I001
from roles.editorial import wagtail_hooks as editorial_hooks  # noqa: F401
