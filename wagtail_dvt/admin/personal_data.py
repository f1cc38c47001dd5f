"""The admin's "Personal data": find, download and erase what the comments
hold for one email address, for moderators only.

Every request is a POST, so that the address never lands in a URL (and in
server logs or the browser history). The work is
:mod:`wagtail_dvt.privacy`'s, as for the ``comment_personal_data`` command.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from ..privacy import erase_personal_data, export_personal_data
from ..privacy.sources import SOURCES
from .viewsets import ModeratorsMenuItem, ModeratorsOnlyMixin

NAME = "wagtail_dvt_personal_data"

DOWNLOADS = {
    "json": ("application/json", "as_json"),
    "csv": ("text/csv", "as_csv"),
}


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "Comments written with this address, on every site, and deleted "
            "comments that kept a hash of it."
        ),
    )


class PersonalDataMixin(ModeratorsOnlyMixin, WagtailAdminTemplateMixin):
    form_class = EmailForm
    header_icon = "user"
    page_title = _("Personal data")

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [{"url": "", "label": self.page_title}]


class PersonalDataIndexView(PersonalDataMixin, FormView):
    """Look an address up, then download its data or erase it."""

    template_name = "wagtail_dvt/admin/personal_data.html"

    def form_valid(self, form):
        data = export_personal_data(form.cleaned_data["email"])
        sections = [
            (source.label, source.key, data.records[source.key]) for source in SOURCES
        ]
        return self.render_to_response(
            self.get_context_data(form=form, data=data, sections=sections)
        )


class PersonalDataDownloadView(PersonalDataMixin, FormView):
    """POST ``email`` and ``format`` (``json`` or ``csv``): the export file."""

    http_method_names = ["post"]

    def form_valid(self, form):
        content_type, render = DOWNLOADS.get(
            self.request.POST.get("format"), DOWNLOADS["json"]
        )
        data = export_personal_data(form.cleaned_data["email"])
        extension = render.removeprefix("as_")
        response = HttpResponse(getattr(data, render)(), content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="personal-data.{extension}"'
        )
        return response

    def form_invalid(self, form):
        return redirect(f"{NAME}:index")


class PersonalDataEraseView(PersonalDataMixin, FormView):
    """POST ``email``: a confirmation; with ``confirm`` too, the erasure."""

    http_method_names = ["post"]
    template_name = "wagtail_dvt/admin/personal_data_erase.html"
    page_title = _("Erase personal data")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if not self.request.POST.get("confirm"):
            data = export_personal_data(email)
            return self.render_to_response(self.get_context_data(form=form, data=data))
        result = erase_personal_data(email, user=self.request.user)
        messages.success(
            self.request,
            ngettext(
                "%(count)d record of %(email)s erased.",
                "%(count)d records of %(email)s erased.",
                result.total,
            )
            % {"count": result.total, "email": result.email},
        )
        return redirect(f"{NAME}:index")

    def form_invalid(self, form):
        return redirect(f"{NAME}:index")


class PersonalDataViewSet(ViewSet):
    name = NAME
    url_prefix = "reader-comments/personal-data"
    icon = "user"

    def get_urlpatterns(self):
        return [
            path("", PersonalDataIndexView.as_view(), name="index"),
            path("download/", PersonalDataDownloadView.as_view(), name="download"),
            path("erase/", PersonalDataEraseView.as_view(), name="erase"),
        ]


def personal_data_menu_item():
    return ModeratorsMenuItem(
        _("Personal data"),
        reverse(f"{NAME}:index"),
        name="reader-comment-personal-data",
        icon_name="user",
        order=1110,
    )
