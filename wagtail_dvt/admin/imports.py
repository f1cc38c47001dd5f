"""The admin's "Import articles": choose, preview, then import.

Step 1 stores the upload and its dry run in an :class:`ImportJob`; step 2
shows the dry run; step 3 (a POST that carries nothing but the job's id)
checks every choice again and imports, in a task beyond five documents.
The rules live in :mod:`wagtail_dvt.importer.access`, the work in
:mod:`wagtail_dvt.importer.job_runner`: this module only speaks HTTP.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminPageChooser
from wagtail.models import Locale

from ..conf import get_setting
from ..importer.access import (
    choices_problems,
    parent_problem,
    user_may_import,
    user_may_publish_anywhere,
)
from ..importer.errors import ImporterError
from ..importer.job_runner import create_job, problems, run_job
from ..importer.jobs import ImportJob
from ..importer.uploads import UploadLimits, read_uploads
from ..importer.writer import resolve_parent
from ..models import CommentStatus, get_article_model, get_base_page_model
from .permissions import user_can_moderate

#: Confirmed imports of more documents than this run as a task.
MAX_DOCUMENTS_IN_REQUEST = 5

app_name = "wagtail_dvt_import"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".txt,.zip,text/plain"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [
                super(MultipleFileField, self).clean(item, initial) for item in data
            ]
        return [super().clean(data, initial)]


class ImportForm(forms.Form):
    """What to import and how, limited to what the user may choose."""

    parent = forms.ModelChoiceField(
        queryset=None,
        label=_("Parent page"),
        help_text=_("The imported articles are added under this page."),
    )
    documents = MultipleFileField(
        label=_("Documents"),
        help_text=_(
            "One or more .txt documents in the export format, or a .zip of them."
        ),
    )
    draft = forms.BooleanField(
        label=_("Import as drafts"),
        required=False,
        help_text=_("Save the articles without publishing them."),
    )
    overwrite = forms.BooleanField(
        label=_("Overwrite edited pages"),
        required=False,
        help_text=_(
            "Replace the content of pages edited in Wagtail since their last "
            "import. Their comments are kept."
        ),
    )
    locale = forms.ChoiceField(
        label=_("Locale"),
        required=False,
        help_text=_("Import under the parent page's translation in this locale."),
    )
    comment_status = forms.ChoiceField(
        label=_("Status of imported comments"),
        required=False,
        choices=[
            (CommentStatus.APPROVED, CommentStatus.APPROVED.label),
            (CommentStatus.PENDING, CommentStatus.PENDING.label),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        article_model = get_article_model()
        self.fields["parent"].queryset = get_base_page_model().objects.all()
        self.fields["parent"].widget = AdminPageChooser(
            target_models=article_model.allowed_parent_page_models(),
            user_perms="add_subpage",
        )
        if not user_may_publish_anywhere(user):
            # Disabled fields keep their initial value, whatever is posted.
            self.fields["draft"].disabled = True
            self.fields["draft"].initial = True
            self.fields["draft"].help_text = _(
                "You may not publish pages: articles are imported as drafts."
            )
            del self.fields["overwrite"]
        if user_can_moderate(user):
            self.fields["comment_status"].initial = get_setting("IMPORT_COMMENT_STATUS")
        else:
            del self.fields["comment_status"]
        if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            self.fields["locale"].choices = [("", _("The parent page's own"))] + [
                (locale.language_code, locale.get_display_name())
                for locale in Locale.objects.all()
            ]
        else:
            del self.fields["locale"]

    def clean(self):
        data = super().clean()
        data.setdefault("overwrite", False)
        data.setdefault("locale", "")
        if not data.get("comment_status"):
            data["comment_status"] = (
                get_setting("IMPORT_COMMENT_STATUS")
                if "comment_status" in self.fields
                else CommentStatus.PENDING
            )
        parent = data.get("parent")
        if parent is None:
            return data
        if problem := parent_problem(self.user, parent.specific):
            self.add_error("parent", problem)
            return data
        try:
            target = resolve_parent(parent, locale=data["locale"] or None)
        except ImporterError as err:
            self.add_error("locale" if data["locale"] else "parent", str(err))
            return data
        for problem in choices_problems(
            self.user,
            target,
            publish=not data["draft"],
            comment_status=data["comment_status"],
        ):
            self.add_error(None, problem)
        files = data.get("documents") or []
        if files and not self.errors:
            try:
                data["documents"] = read_uploads(
                    [(file.name, file) for file in files], upload_limits()
                )
            except ImporterError as err:
                self.add_error("documents", str(err))
        return data


def upload_limits() -> UploadLimits:
    return UploadLimits(
        max_bytes=get_setting("IMPORT_MAX_BYTES"),
        max_total_bytes=get_setting("IMPORT_MAX_TOTAL_BYTES"),
        max_files=get_setting("IMPORT_MAX_FILES"),
    )


class ImportersOnlyMixin:
    """Refuse users who may add no page anywhere."""

    def dispatch(self, request, *args, **kwargs):
        if not user_may_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ChooseView(ImportersOnlyMixin, WagtailAdminTemplateMixin, FormView):
    """Step 1: the parent page, the documents and the options."""

    template_name = "wagtail_dvt/admin/import_choose.html"
    page_title = _("Import articles")
    header_icon = "upload"
    form_class = ImportForm

    #: The user's latest imports listed under the form, to come back to.
    recent_imports = 10

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ImportJob.objects.filter(user=self.request.user).order_by(
            "-created_at"
        )[: self.recent_imports]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            job = create_job(
                self.request.user,
                data["parent"],
                data["documents"],
                locale=data["locale"],
                publish=not data["draft"],
                overwrite=data["overwrite"],
                comment_status=data["comment_status"],
            )
        except ImporterError as err:
            form.add_error(None, str(err))
            return self.form_invalid(form)
        return redirect("wagtail_dvt_import:job", job.pk)


class OwnJobMixin:
    """A user reaches only their own imports; anyone else's is not found."""

    def get_job(self):
        return get_object_or_404(
            ImportJob, pk=self.kwargs["job_id"], user=self.request.user
        )


class JobView(ImportersOnlyMixin, OwnJobMixin, WagtailAdminTemplateMixin, TemplateView):
    """Steps 2 and 3: the dry run to confirm, then progress, then the result."""

    template_name = "wagtail_dvt/admin/import_job.html"
    page_title = _("Import articles")
    header_icon = "upload"

    def get_context_data(self, **kwargs):
        job = self.get_job()
        outcomes = (
            job.results if job.status != ImportJob.Status.PREVIEWED else job.preview
        )
        context = super().get_context_data(**kwargs)
        context.update(
            job=job,
            outcomes=outcomes,
            errors=[outcome for outcome in outcomes if "error" in outcome],
            summary=summarize(outcomes),
            parent=get_base_page_model().objects.filter(pk=job.parent_page_id).first(),
            in_task=job.total > MAX_DOCUMENTS_IN_REQUEST,
            confirm_url=reverse("wagtail_dvt_import:confirm", args=[job.pk]),
        )
        return context


class ConfirmView(ImportersOnlyMixin, OwnJobMixin, View):
    """Step 3: import a previewed job, after checking its choices again."""

    http_method_names = ["post"]

    def post(self, request, job_id):
        from ..background import enqueue_on_commit
        from ..tasks import run_import_job

        with transaction.atomic():
            job = self.get_job()
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status != ImportJob.Status.PREVIEWED:
                return redirect("wagtail_dvt_import:job", job.pk)
            if refusal := problems(job):
                for problem in refusal:
                    messages.error(request, problem)
                return redirect("wagtail_dvt_import:job", job.pk)
            job.status = ImportJob.Status.QUEUED
            job.save(update_fields=["status", "updated_at"])
            in_task = job.total > MAX_DOCUMENTS_IN_REQUEST
            if in_task:
                enqueue_on_commit(run_import_job, str(job.pk))
        if not in_task:
            run_job(job.pk)
        return redirect("wagtail_dvt_import:job", job.pk)


def summarize(outcomes: list[dict]) -> dict:
    """Counts per action, plus failures and comments, for the page's summary."""
    summary = dict.fromkeys(
        ("created", "updated", "kept", "unchanged", "failed", "comments_added"), 0
    )
    for outcome in outcomes:
        if "error" in outcome:
            summary["failed"] += 1
        else:
            summary[outcome["action"]] += 1
            summary["comments_added"] += outcome["comments_added"]
    return summary


class ImportMenuItem(MenuItem):
    """Shown to users who may add pages somewhere."""

    def is_shown(self, request):
        return user_may_import(request.user)


def menu_item() -> MenuItem:
    return ImportMenuItem(
        _("Import articles"),
        reverse("wagtail_dvt_import:index"),
        icon_name="upload",
        order=1100,
    )


urlpatterns = [
    path("", ChooseView.as_view(), name="index"),
    path("<uuid:job_id>/", JobView.as_view(), name="job"),
    path("<uuid:job_id>/confirm/", ConfirmView.as_view(), name="confirm"),
]
