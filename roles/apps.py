from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = _("AI岗位图谱")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Receivers connect once the models are loaded: Django's documented place for these
        # imports (the modules import models, which apps.py must not do at import time).
        from roles.catalogue import search
        from roles.site import caching
        from roles.subscriptions import signals  # noqa: F401  (its receivers connect on import)

        caching.connect_signals()
        search.connect_signals()
