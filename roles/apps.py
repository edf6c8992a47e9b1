from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "roles"
    verbose_name = _("AI岗位图谱")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import caching, signal_handlers  # noqa: F401

        caching.connect_signals()
