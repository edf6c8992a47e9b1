from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import Panel


class AudiencePanel(Panel):
    """For a role not yet published: how many confirmed subscribers its first publication will
    reach, given its category and the company types chosen so far."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "roles/admin/audience_panel.html"

        def is_shown(self):
            return self.instance.first_published_at is None

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            category_id = self.instance.category_id
            if category_id is None:
                parent = getattr(self.form, "parent_page", None) or self.instance.get_parent()
                category_id = parent.pk if parent else None
            context["count"] = self.instance.first_publication_audience(category_id)
            return context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("heading", _("订阅通知"))
        super().__init__(*args, **kwargs)
