"""The subscription pages: subscribe, confirm, manage and unsubscribe."""

import math

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView

from airoles.clients import client_address
from roles.choices import Frequency, SubscriberStatus
from roles.models import CompanyType, RoleCategoryPage

from . import ratelimit, tasks
from .forms import ScopeForm, SubscribeForm
from .notifications import make_token, read_token, unsubscribe


def slugs_from(values, limit=20):
    """Slugs from a query string, for a form's initial values; a value with a NUL byte (which
    PostgreSQL refuses in a query) is ignored like any unknown slug."""
    return [value for value in values[:limit] if "\x00" not in value]


class SubscribeView(FormView):
    """The subscribe form. Whatever the address, the answer is the same, and it takes the same
    time: the view only validates the form and queues a task that does all the database work
    and the mail (tasks.subscribe), so nothing here depends on the address being known.

    Valid requests are limited per client address and for the whole site (settings
    SUBSCRIBE_RATE_PER_ADDRESS, SUBSCRIBE_RATE_SITE); over a limit the form comes back with what
    was typed, a 429 and Retry-After. Mails per mailbox are limited by the task."""

    template_name = "roles/subscribe.html"
    form_class = SubscribeForm

    def get_initial(self):
        get = self.request.GET
        return {
            "email": get.get("email", "")[:254].replace("\x00", ""),
            "categories": RoleCategoryPage.objects.filter(
                slug__in=slugs_from(get.getlist("category"))
            ),
            "company_types": CompanyType.objects.filter(
                slug__in=slugs_from(get.getlist("company_type"))
            ),
            "frequency": Frequency.IMMEDIATE,
        }

    def form_valid(self, form):
        wait = ratelimit.wait_seconds(
            "subscribe:address", client_address(self.request), settings.SUBSCRIBE_RATE_PER_ADDRESS
        ) or ratelimit.wait_seconds("subscribe:site", "all", settings.SUBSCRIBE_RATE_SITE)
        if wait:
            return self.limited(form, wait)
        data = form.cleaned_data
        tasks.subscribe.enqueue(
            data["email"],
            data["frequency"],
            [category.pk for category in data["categories"]],
            [company_type.pk for company_type in data["company_types"]],
            # The confirmation mail speaks the language the form was filled in.
            language=get_language(),
        )
        return redirect("subscribe_sent")

    def limited(self, form, wait):
        minutes = math.ceil(wait / 60)
        message = ngettext(
            "订阅请求太频繁了，请 %(minutes)s 分钟后再提交。你填写的内容都保留在下面。",
            "订阅请求太频繁了，请 %(minutes)s 分钟后再提交。你填写的内容都保留在下面。",
            minutes,
        ) % {"minutes": minutes}
        response = self.render_to_response(
            self.get_context_data(form=form, limited=message), status=429
        )
        response["Retry-After"] = str(wait)
        return response


def status_page(request, title, message, status=200, **extra):
    context = {"title": title, "message": message, **extra}
    return render(request, "roles/subscription_status.html", context, status=status)


def subscribe_sent(request):
    return status_page(
        request,
        _("请查收确认邮件"),
        _(
            "如果这个地址还没有确认订阅，我们刚刚发出了一封确认邮件，点击其中的链接即可完成订阅。"
            "没有收到？请检查垃圾邮件，或稍后再试。"
        ),
    )


def invalid_link(request):
    return status_page(
        request,
        _("链接无效或已过期"),
        _("这个链接无法使用：它可能已过期、被改动过，或者已经用过。你可以重新订阅。"),
        status=400,
        show_subscribe=True,
    )


@never_cache
def subscription_confirm(request, token):
    """The link in the confirmation mail opens a page with one button; its POST confirms. A mail
    scanner that fetches the link confirms nothing, and a link works once: not after it was used,
    a newer one was sent, or the subscriber unsubscribed (notifications.confirmation_state)."""
    with transaction.atomic():
        subscriber = read_token(
            token,
            "confirm",
            max_age=settings.SUBSCRIBE_CONFIRM_MAX_AGE,
            for_update=request.method == "POST",
        )
        if subscriber is None:
            return invalid_link(request)
        if request.method != "POST":
            return status_page(
                request,
                _("确认订阅"),
                _("还差一步：点击下面的按钮，确认用 %(email)s 接收新岗位通知。")
                % {"email": subscriber.email},
                action_url=request.path,
                action_label=_("确认订阅"),
            )
        subscriber.status = SubscriberStatus.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["status", "confirmed_at"])
    return status_page(
        request,
        _("订阅已确认"),
        _("有符合你订阅范围的新岗位时，我们会发邮件告诉你。"),
        manage_url=reverse("subscription_manage", args=[make_token(subscriber, "manage")]),
    )


def subscription_manage(request, token):
    subscriber = read_token(token, "manage")
    if subscriber is None:
        return invalid_link(request)
    initial = {
        "categories": subscriber.categories.all(),
        "company_types": subscriber.company_types.all(),
        "frequency": subscriber.frequency,
    }
    form = ScopeForm(request.POST or None, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        subscriber.frequency = form.cleaned_data["frequency"]
        subscriber.save(update_fields=["frequency"])
        subscriber.categories.set(form.cleaned_data["categories"])
        subscriber.company_types.set(form.cleaned_data["company_types"])
        saved = True
    return render(
        request,
        "roles/subscription_manage.html",
        {
            "form": form,
            "subscriber": subscriber,
            "saved": saved,
            "unsubscribe_url": reverse("unsubscribe", args=[make_token(subscriber, "unsubscribe")]),
        },
    )


@csrf_exempt  # RFC 8058: mail clients POST here with no session; the signed token is the proof
def unsubscribe_view(request, token):
    subscriber = read_token(token, "unsubscribe")
    if subscriber is None:
        return invalid_link(request)
    if request.method == "POST":
        unsubscribe(subscriber)
        return status_page(
            request,
            _("已退订"),
            _("%(email)s 不会再收到我们的邮件。") % {"email": subscriber.email},
            show_subscribe=True,
        )
    return status_page(
        request,
        _("退订"),
        _("确定不再接收 %(email)s 的岗位更新邮件吗？") % {"email": subscriber.email},
        action_url=request.path,
        action_label=_("确认退订"),
    )
