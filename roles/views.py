import math
from collections import defaultdict
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, ListView, TemplateView

from airoles.clients import client_address

from . import ratelimit, tasks
from .filters import RoleFilterSet, suggest
from .forms import MatchForm, ScopeForm, SubscribeForm
from .matching import MAX_COMPARED, brought_skills, compare, rank_by_fit, related_roles
from .models import (
    CompanyType,
    Frequency,
    RoleCategoryPage,
    RolePage,
    Skill,
    SubscriberStatus,
)
from .notifications import make_token, read_token, unsubscribe
from .skills import skill_overview, skill_profile
from .text import filter_keys, label_key

ROLES_PER_PAGE = 20
LONG_FACET = 10  # options; a longer facet shows its first FACET_TOP and "显示全部 N 项"
FACET_TOP = 8
SUGGESTIONS_PER_CATEGORY = 12
QUERY_KEYS = ("q", "company_type", "category", "skill", "threshold", "sort")


class RoleListView(TemplateView):
    """The filterable listing of live, public roles at /roles/."""

    template_name = "roles/role_list.html"

    def get_preset(self):
        """Facet values fixed by the URL path rather than the query string."""
        return {}

    def get_base_path(self):
        return reverse("role_list")

    def get_title(self):
        return _("全部 AI 岗位")

    def get_filterset(self):
        data = self.request.GET.copy()
        for name, values in self.get_preset().items():
            data.setlist(name, values)
        return RoleFilterSet(data, queryset=RolePage.objects.visible().for_listing())

    def get_context_data(self, **kwargs):
        filterset = self.get_filterset()
        preset = self.get_preset()
        state = query_state(filterset.values, exclude=preset)
        url = ListingURLs(self.get_base_path(), state)
        notices = filterset.notices()

        paginator = Paginator(filterset.qs, ROLES_PER_PAGE)
        requested = self.request.GET.get("page", "").strip()
        wanted = int(requested[:12]) if requested.isdecimal() else None
        page_obj = paginator.get_page(max(wanted or 1, 1))  # past the end: the last page
        if requested and wanted != page_obj.number:
            notices.append(
                _("没有第“%(page)s”页，显示的是第 %(number)s 页。")
                % {"page": requested[:20], "number": page_obj.number}
            )

        facets = [facet for facet in filterset.facets() if facet.name not in preset]
        for facet in facets:
            # Most roles first, ties in the reader's order (pinyin; English: alphabetical).
            # Thresholds keep their own order, high to moderate: a scale, not a vocabulary.
            if facet.name != "threshold":
                facet.options.sort(key=lambda option: (-option.count, label_key(option.label)))
            facet.long = len(facet.options) > LONG_FACET
            facet.top = facet.options[:FACET_TOP] if facet.long else facet.options
            facet.rest = facet.options[FACET_TOP:] if facet.long else []
            facet.rest_open = any(option.selected for option in facet.rest)
            for option in facet.options:
                option.disabled = option.count == 0 and not option.selected
                option.keys = filter_keys(option.label)

        chips = [
            {
                "label": _("%(facet)s：%(option)s")
                % {"facet": facet.label, "option": option.label},
                "url": url.toggle(facet.name, option.value),
            }
            for facet in facets
            for option in facet.selected
        ]
        if state.get("q"):
            chips.insert(
                0, {"label": _("关键词：%(q)s") % {"q": state["q"][0]}, "url": url.without("q")}
            )

        query = (state.get("q") or [""])[0]
        search = filterset.search
        roles = list(page_obj.object_list)
        if search is not None:
            for role in roles:
                role.match_reasons = search.reasons.get(role.pk, [])
        heading = self.get_title()
        if query:
            heading = ngettext(
                "搜索“%(query)s”：找到 %(count)s 个岗位",
                "搜索“%(query)s”：找到 %(count)s 个岗位",
                paginator.count,
            ) % {"query": query, "count": paginator.count}

        return {
            **super().get_context_data(**kwargs),
            "title": self.get_title(),
            "heading": heading,
            "site_query": query,
            "search_words": search.words if search is not None else [],
            "suggestions": suggest(query) if query and not paginator.count else None,
            "filterset": filterset,
            "query": query,
            "sort": (state.get("sort") or [""])[0],
            "sort_choices": filterset.form.fields["sort"].choices,
            "facets": facets,
            "chips": chips,
            "clear_url": url.base,
            "page_obj": page_obj,
            "prev_url": url.page(page_obj.previous_page_number())
            if page_obj.has_previous()
            else None,
            "next_url": url.page(page_obj.next_page_number()) if page_obj.has_next() else None,
            "roles": roles,
            "result_count": paginator.count,
            "notices": notices,
            "canonical_url": self.request.build_absolute_uri(url.page(page_obj.number)),
            "form_action": url.base,
        }


def query_state(values, exclude=()):
    """The cleaned query as {key: [values]}, without the keys in `exclude`."""
    return {
        key: value if isinstance(value, list) else ([value] if value else [])
        for key, value in values.items()
        if key in QUERY_KEYS and key not in exclude
    }


class ListingURLs:
    """URLs of the listing in other states; only known values, in a fixed order, so that
    each state has one canonical URL."""

    def __init__(self, base, state):
        self.base = base
        self.state = state

    def build(self, state, page=1):
        pairs = [(key, value) for key in QUERY_KEYS for value in state.get(key, [])]
        if page > 1:
            pairs.append(("page", page))
        return f"{self.base}?{urlencode(pairs)}" if pairs else self.base

    @property
    def current(self):
        return self.build(self.state)

    def toggle(self, name, value):
        values = list(self.state.get(name, []))
        values = [v for v in values if v != value] if value in values else [*values, value]
        return self.build({**self.state, name: values})

    def without(self, name):
        return self.build({**self.state, name: []})

    def page(self, number):
        return self.build(self.state, page=number)


class CompanyTypeListView(ListView):
    template_name = "roles/company_type_list.html"
    context_object_name = "company_types"

    def get_queryset(self):
        return CompanyType.objects.annotate(
            role_count=RolePage.visible_count("role_links__page")
        ).order_by("-role_count", "name")


class CompanyTypeDetailView(RoleListView):
    """The listing, pre-filtered to one company type, at /company-types/<slug>/."""

    def get(self, request, *args, slug, **kwargs):
        self.company_type = get_object_or_404(CompanyType, slug=slug)
        return super().get(request, *args, **kwargs)

    def get_preset(self):
        return {"company_type": [self.company_type.slug]}

    def get_base_path(self):
        return reverse("company_type_detail", args=[self.company_type.slug])

    def get_title(self):
        return _("%(name)s招聘的 AI 岗位") % {"name": self.company_type.display_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["company_type"] = self.company_type
        # The company type itself shows as a chip whose removal leads to the whole listing.
        others = query_state(context["filterset"].values, exclude={"company_type"})
        context["chips"].insert(
            0,
            {
                "label": _("公司类型：%(name)s") % {"name": self.company_type.display_name},
                "url": ListingURLs(reverse("role_list"), others).current,
            },
        )
        return context


class SkillListView(TemplateView):
    """Every skill, grouped, with how many live roles need it, at /skills/."""

    template_name = "roles/skill_list.html"

    def get_context_data(self, **kwargs):
        groups = skill_overview()
        return {
            **super().get_context_data(**kwargs),
            "groups": groups,
            "skill_count": sum(len(group.skills) for group in groups),
        }


class SkillDetailView(TemplateView):
    """One skill at /skills/<slug>/: the roles that need it, where, with what, and how to
    learn it."""

    template_name = "roles/skill_detail.html"

    def get_context_data(self, slug, **kwargs):
        skill = get_object_or_404(Skill, slug=slug)
        return {
            **super().get_context_data(**kwargs),
            "skill": skill,
            "profile": skill_profile(skill),
        }


class CompareView(TemplateView):
    """2–4 roles side by side at /compare/?roles=<slug>,<slug>…"""

    template_name = "roles/compare.html"

    def get_context_data(self, **kwargs):
        comparison = compare(self.request.GET.getlist("roles"))
        slugs = [role.slug for role in comparison.roles]
        context = {
            **super().get_context_data(**kwargs),
            "comparison": comparison,
            "slugs": ",".join(slugs),
            "can_add": len(slugs) < MAX_COMPARED,
            "remove_urls": {slug: compare_url([s for s in slugs if s != slug]) for slug in slugs},
        }
        if comparison.ready:
            context["columns"] = comparison.columns()
            for column in context["columns"]:
                column["remove_url"] = compare_url(
                    [slug for slug in slugs if slug != column["role"].slug]
                )
            context["skill_rows"] = comparison.skill_rows()
        if len(slugs) < MAX_COMPARED:
            context["suggestions"] = self.suggestions(comparison.roles, slugs)
        return context

    def suggestions(self, chosen, slugs):
        """Roles to add: those related to the first chosen one, then a few of each category."""
        related = [r.role for r in related_roles(chosen[0])] if chosen else []
        by_category = defaultdict(list)
        roles = (
            RolePage.objects.visible()
            .exclude(slug__in=slugs)
            .order_by("path")
            .only("slug", "title", "english_name", "category_id")
        )
        for role in roles:
            if len(by_category[role.category_id]) < SUGGESTIONS_PER_CATEGORY:
                by_category[role.category_id].append(role)

        def with_urls(roles):
            return [(role, compare_url([*slugs, role.slug])) for role in roles]

        categories = RoleCategoryPage.objects.visible().order_by("sort_order", "path")
        return {
            "related": with_urls([r for r in related if r.slug not in slugs]),
            "categories": [
                (category, with_urls(by_category[category.pk]))
                for category in categories
                if by_category[category.pk]
            ],
        }


def compare_url(slugs):
    return reverse("compare") + (f"?roles={','.join(slugs)}" if slugs else "")


class MatchView(TemplateView):
    """The role finder at /match/: what a visitor brings → every role ranked by fit."""

    template_name = "roles/match.html"

    def get_context_data(self, **kwargs):
        form = MatchForm(self.request.GET)
        form.is_valid()
        data = form.cleaned_data
        backgrounds, skill_ids = brought_skills(data.get("background", []), data.get("skill", []))
        context = {
            **super().get_context_data(**kwargs),
            "form": form,
            "notices": form.notices(),
            "asked": bool(skill_ids),
            "backgrounds": backgrounds,
            "filtered_by_threshold": bool(data.get("threshold")),
        }
        if skill_ids:
            context["ranking"] = rank_by_fit(
                skill_ids, data.get("company_type", []), data.get("threshold", [])
            )
        return context


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


@never_cache
def switch_language(request, language):
    """The header's language links: a plain GET that remembers the choice in the language
    cookie and goes back to `next` (a path on this site only). A link, unlike Django's POST
    set_language view, needs no CSRF token on every page, so pages stay cacheable."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /subscribe/",
        "Disallow: /lang/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
