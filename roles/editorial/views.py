"""Admin views for keeping the catalogue: merging taxonomy terms, refusing to delete terms that
roles use, and importing/exporting the catalogue with a dry-run diff first."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.pages.workflow import WorkflowActionView
from wagtail.models import TaskState
from wagtail.snippets.widgets import AdminSnippetChooser

from roles import rules
from roles.datafile import catalogue
from roles.models import Background, CompanyType, RoleIndexPage, RolePage, Skill

from .terms import live_roles_using, may_change_term, may_publish, merge_terms, roles_using

MERGEABLE = {"skill": Skill, "companytype": CompanyType}
TERM_MODELS = (Skill, CompanyType, Background)


def _snippet_url(term, action):
    meta = term._meta
    return reverse(f"wagtailsnippets_{meta.app_label}_{meta.model_name}:{action}", args=[term.pk])


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=None, label=_("合并到"))

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        field.queryset = type(source).objects.exclude(pk=source.pk)
        field.widget = AdminSnippetChooser(type(source))
        field.help_text = _(
            "使用“%(name)s”的岗位、背景和订阅都会改用这个词，然后“%(name)s”被删除。"
        ) % {"name": source.name}
        field.error_messages["invalid_choice"] = _("请选择同一词表中的另一个词。")


class MergeTermView(WagtailAdminTemplateMixin, FormView):
    """Merge one skill or company type into another, e.g. 互联网公司 into 互联网企业."""

    template_name = "roles/admin/merge_term.html"
    form_class = MergeForm
    header_icon = "tag"
    breadcrumbs_items = []  # the header shows the page title

    def dispatch(self, request, model_name, pk):
        model = MERGEABLE.get(model_name)
        if model is None:
            raise Http404
        meta = model._meta
        for action in ("change", "delete"):
            if not request.user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}"):
                raise PermissionDenied
        self.source = model.objects.filter(pk=pk).first()
        if self.source is None:
            raise Http404
        refused = term_change_refused_response(request, [self.source])
        if refused is not None:
            return refused
        return super().dispatch(request, model_name, pk)

    def get_page_title(self):
        return _("合并“%(name)s”") % {"name": self.source.name}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "source": self.source}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            source=self.source,
            verbose_name=self.source._meta.verbose_name,
            roles=roles_using(self.source),
            cancel_url=_snippet_url(self.source, "edit"),
            **kwargs,
        )

    def form_valid(self, form):
        target = form.cleaned_data["target"]
        name = self.source.name
        changed = merge_terms(self.source, target, user=self.request.user)
        messages.success(
            self.request,
            _("已把“%(source)s”合并到“%(target)s”，更新了 %(count)d 个岗位。")
            % {"source": name, "target": target.name, "count": len(changed)},
        )
        return redirect(_snippet_url(target, "edit"))


def term_change_refused_response(request, instances):
    """The answer (403) to an editor who tries to edit, merge or delete terms in live use: such
    a change alters published pages at once, so a 审核 member must make it. None if allowed."""
    refused = [
        term
        for term in instances
        if isinstance(term, TERM_MODELS) and not may_change_term(request.user, term)
    ]
    if not refused:
        return None
    return TemplateResponse(
        request,
        "roles/admin/term_change_refused.html",
        {
            "page_title": _("需要审核人修改"),
            "header_icon": "warning",
            "refused": [
                {
                    "term": term,
                    "verbose_name": term._meta.verbose_name,
                    "roles": list(live_roles_using(term)),
                    "is_background": isinstance(term, Background),
                    "list_url": reverse(
                        f"wagtailsnippets_{term._meta.app_label}_{term._meta.model_name}:list"
                    ),
                }
                for term in refused
            ],
        },
        status=403,
    )


def term_in_use_response(request, instances):
    """The answer to deleting terms that roles still use: which roles, and a way to merge."""
    in_use = [(term, list(roles_using(term))) for term in instances]
    in_use = [(term, roles) for term, roles in in_use if roles]
    if not in_use:
        return None
    return TemplateResponse(
        request,
        "roles/admin/term_in_use.html",
        {
            "page_title": _("无法删除"),
            "header_icon": "warning",
            "in_use": [
                {
                    "term": term,
                    "roles": roles,
                    "merge_url": reverse("roles_merge_term", args=[term._meta.model_name, term.pk]),
                    "edit_url": _snippet_url(term, "edit"),
                }
                for term, roles in in_use
            ],
        },
        status=409 if request.method == "POST" else 200,
    )


# Import and export.


def _catalogue_index():
    return RoleIndexPage.objects.first()


def can_import(user):
    """Anyone who may edit the catalogue's pages may import: an import by someone who may not
    publish is submitted to 审核发布 (catalogue.load's `moderate`), like their edits."""
    index = _catalogue_index()
    return index is not None and index.permissions_for_user(user).can_edit()


def export_view(request, format):
    try:
        data = catalogue.export_catalogue()
    except catalogue.CatalogueError as error:
        messages.error(request, str(error))
        return redirect("roles_catalogue_import")
    if format == "csv":
        content, content_type = catalogue.dumps_csv(data), "text/csv; charset=utf-8"
    else:
        content, content_type = catalogue.dumps(data), "application/json; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ai-roles-{stamp}.{format}"'
    return response


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("目录文件"),
        help_text=_(
            "JSON（与导出的格式相同）或 CSV（每行一个岗位，按 URL 标识新增或替换岗位；"
            "类别、技能和公司类型可以写中文名、英文名、别名或 URL 标识）。"
            "导入前会先显示将要新增、修改和保持不变的岗位。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > rules.FILE_MAX_BYTES:
            raise forms.ValidationError(
                _("文件太大：最多 %(limit)d MB。")
                % {"limit": rules.FILE_MAX_BYTES // (1024 * 1024)}
            )
        if not upload.name.lower().endswith((".json", ".csv")):
            raise forms.ValidationError(_("只能导入 .json 或 .csv 文件。"))
        return upload


SESSION_KEY = "roles_catalogue_import"
EXTRA_FIELD_LABELS = {
    "skills": _("核心技能"),
    "company_types": _("公司类型"),
    "synonyms": _("别名"),
    "category": _("类别"),
    "live": _("替换未发布的草稿"),
}


def field_label(name):
    """What an editor calls a field of the data file."""
    if name in EXTRA_FIELD_LABELS:
        return EXTRA_FIELD_LABELS[name]
    try:
        return RolePage._meta.get_field(name).verbose_name
    except Exception:  # a field of the file that the model does not have
        return name


def roles_summary(report):
    return _(
        "岗位：新增 %(created)s 个，修改 %(updated)s 个，%(unchanged)s 个不变。"
    ) % report.counts(roles=True)


def others_summary(report):
    return _("类别与分类词：新增 %(created)s 项，修改 %(updated)s 项，%(unchanged)s 项不变。") % (
        report.counts(roles=False)
    )


# What the confirmation button does: publish (for those who may) or submit to 审核发布.
PUBLISH, SUBMIT = "publish", "submit"


class CatalogueImportView(WagtailAdminTemplateMixin, FormView):
    """Upload → dry run (what would be created, changed, left alone; or every problem, each
    naming its row) → confirm → one transaction. Nothing is written before the confirmation.

    Someone who may publish confirms knowing how many live pages will change, and may choose
    to submit the changes to 审核发布 instead; anyone else's import is always submitted: each
    changed page gets a new revision in moderation and the live site stays as it was."""

    template_name = "roles/admin/catalogue_import.html"
    form_class = ImportForm
    page_title = _("导入与导出")
    header_icon = "download"
    breadcrumbs_items = []

    def dispatch(self, request, *args, **kwargs):
        self.may_import = can_import(request.user)
        self.may_publish = self.may_import and may_publish(request.user)
        if request.method == "POST" and not self.may_import:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            return self.confirm(publish=request.POST["confirm"] != SUBMIT and self.may_publish)
        if "cancel" in request.POST:
            request.session.pop(SESSION_KEY, None)
            messages.info(request, _("已取消导入，没有写入任何内容。"))
            return redirect("roles_catalogue_import")
        return super().post(request, *args, **kwargs)

    def _load(self, data, source, publish, dry_run=False):
        return catalogue.load(
            data,
            update=True,
            source=source,
            dry_run=dry_run,
            user=self.request.user,
            moderate=not publish,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            data = catalogue.read_upload(upload.name, upload.read())
            report = self._load(data, upload.name, self.may_publish, dry_run=True)
        except catalogue.CatalogueError as error:
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    problems=error.problems,
                    problem_count=error.count,
                    source=upload.name,
                )
            )
        self.request.session[SESSION_KEY] = {"name": upload.name, "data": json.dumps(data)}
        return self.render_to_response(
            self.get_context_data(form=form, report=report, source=upload.name)
        )

    def confirm(self, publish):
        pending = self.request.session.pop(SESSION_KEY, None)
        if not pending:
            messages.error(self.request, _("没有等待确认的导入，请重新上传文件。"))
            return redirect("roles_catalogue_import")
        try:
            report = self._load(json.loads(pending["data"]), pending["name"], publish)
        except catalogue.CatalogueError as error:
            messages.error(self.request, str(error))
            return redirect("roles_catalogue_import")
        # In the dry run's units: roles, then the other entries (categories, terms).
        summary = {
            "name": pending["name"],
            "roles": roles_summary(report),
            "others": others_summary(report),
            "pages": report.pages_changed,
        }
        if report.moderated:
            text = _(
                "已导入 %(name)s，%(pages)d 个页面的修改已提交审核，批准后才会上线。"
                "%(roles)s%(others)s"
            )
        else:
            text = _("已导入 %(name)s。%(roles)s%(others)s")
        messages.success(self.request, text % summary)
        return redirect("roles_catalogue_import")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = kwargs.get("report")
        if report is not None:
            context["roles_summary"] = roles_summary(report)
            context["others_summary"] = others_summary(report)
            context["roles"] = {
                name: [(entry, [field_label(f) for f in entry.changed]) for entry in entries]
                for name, entries in report.of_kind("role").items()
            }
            context["others"] = [
                (label, [e for e in entries if e.kind != "role"])
                for label, entries in (
                    (_("新增"), report.created),
                    (_("修改"), report.updated),
                )
            ]
            context["live_pages_changed"] = report.live_pages_changed
            context["pages_changed"] = report.pages_changed
        context["may_import"] = self.may_import
        context["may_publish"] = self.may_publish
        context["PUBLISH"], context["SUBMIT"] = PUBLISH, SUBMIT
        return context


class ConfirmedWorkflowActionView(WorkflowActionView):
    """Wagtail's approve / request-changes action on a page in moderation (the dashboard's
    "等待你的审查" buttons post here), which says afterwards what it did: Wagtail's own view
    only redirects, so a moderator acting from the dashboard got no confirmation."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        self.task_state.refresh_from_db()
        status = self.task_state.status
        title = self.object.get_latest_revision_as_object().title
        task = self.task.name
        if status == TaskState.STATUS_APPROVED:
            page = type(self.object).objects.get(pk=self.object.pk)
            if page.live and not page.has_unpublished_changes:
                text = _("已批准“%(title)s”（%(task)s），并已发布。")
            else:
                text = _("已批准“%(title)s”（%(task)s）。")
            messages.success(request, text % {"title": title, "task": task})
        elif status == TaskState.STATUS_REJECTED:
            messages.success(
                request,
                _("已要求修改“%(title)s”（%(task)s），它已退回给编辑。")
                % {"title": title, "task": task},
            )
        return response
