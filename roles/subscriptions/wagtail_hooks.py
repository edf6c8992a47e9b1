"""The subscriptions' admin: subscribers (with a spreadsheet-safe export) and the delivery
ledger, as one menu group."""

from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from roles.datafile.csvfiles import SafeSpreadsheetExportMixin
from roles.models import Delivery, Subscriber


class SafeExportIndexView(SafeSpreadsheetExportMixin, IndexView):
    """The listing's CSV and XLSX export with every cell through csvfiles.safe_cell: an address
    such as `=1+2@formula.example` reaches the spreadsheet as text, not as a formula."""


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    index_view_class = SafeExportIndexView
    icon = "mail"
    menu_label = _("订阅者")
    list_display = ["email", "status", "frequency", "scope_label", "created_at", "confirmed_at"]
    list_filter = ["status", "frequency", "categories"]
    list_export = [
        "email",
        "status",
        "frequency",
        "scope_label",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    export_filename = "subscribers"
    search_fields = ["email"]
    form_fields = ["email", "status", "frequency", "categories", "company_types"]


class DeliveryViewSet(ModelViewSet):
    model = Delivery
    icon = "history"
    menu_label = _("投递记录")
    list_display = ["subscriber", "role", "digest", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "created_at"]
    search_fields = ["subscriber__email"]
    form_fields = ["status", "next_attempt_at"]


class SubscriptionGroup(ViewSetGroup):
    items = (SubscriberViewSet, DeliveryViewSet)
    menu_icon = "mail"
    menu_label = _("订阅")
    menu_name = "subscriptions"


@hooks.register("register_admin_viewset")
def register_subscriptions():
    return SubscriptionGroup()
