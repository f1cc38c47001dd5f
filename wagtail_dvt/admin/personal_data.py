"""The admin's "Personal data": find, download and erase what the comments
hold for one email address, for moderators only.

Every request is a POST, so that the address never lands in a URL (and in
server logs or the browser history). The work is
:mod:`wagtail_dvt.privacy`'s, as for the ``comment_personal_data`` command.

A moderator may also record a person's request, as WordPress does: the
person confirms it from an emailed link, and only a confirmed request can be
answered from its row (checked in the POST, whatever the form showed).
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from ..privacy import erase_personal_data, export_personal_data
from ..privacy.data_requests import (
    PersonalDataRequest,
    RequestKind,
    RequestNotConfirmed,
    answer_erasure,
    answer_export,
    answer_export_by_email,
    confirmed_request,
    create_request,
    resend_confirmation,
)
from ..privacy.export import download_response
from ..privacy.links import links_available
from ..privacy.sources import SOURCES
from .viewsets import ModeratorsMenuItem, ModeratorsOnlyMixin

NAME = "wagtail_dvt_personal_data"

#: Most requests the page lists, newest first; retention keeps them few.
MAX_LISTED_REQUESTS = 100


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "Comments written with this address, on every site, and deleted "
            "comments that kept a hash of it."
        ),
    )


class DataRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    kind = forms.ChoiceField(
        label=_("The person asks for"),
        choices=RequestKind.choices,
        widget=forms.RadioSelect,
        initial=RequestKind.EXPORT,
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
    """Look an address up, then download its data or erase it; record and
    answer people's requests."""

    template_name = "wagtail_dvt/admin/personal_data.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("request_form", DataRequestForm())
        kwargs["data_requests"] = PersonalDataRequest.objects.select_related(
            "requested_by"
        )[:MAX_LISTED_REQUESTS]
        return super().get_context_data(**kwargs)

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
        data = export_personal_data(form.cleaned_data["email"])
        return download_response(data, self.request.POST.get("format"))

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
        report_erasure(self.request, result)
        return redirect(f"{NAME}:index")

    def form_invalid(self, form):
        return redirect(f"{NAME}:index")


class DataRequestAddView(PersonalDataIndexView):
    """POST ``email`` and ``kind``: record a request, email its confirmation."""

    http_method_names = ["post"]
    form_class = DataRequestForm

    def form_valid(self, form):
        if not links_available():
            messages.error(
                self.request,
                _(
                    "The confirmation link has no URL: include "
                    "wagtail_dvt.privacy.urls in the site's URLconf."
                ),
            )
            return redirect(f"{NAME}:index")
        data_request = create_request(
            form.cleaned_data["email"],
            form.cleaned_data["kind"],
            user=self.request.user,
        )
        return back_to_index(
            self.request,
            _("Request added: %(email)s gets an email to confirm it."),
            data_request,
        )

    def form_invalid(self, form):
        return self.render_to_response(
            self.get_context_data(form=EmailForm(), request_form=form)
        )


class DataRequestActionView(PersonalDataMixin, TemplateView):
    """A POST on one request, which ``answer`` carries out.

    A request its person has not confirmed is refused here, whatever the
    page showed, and nothing changes.
    """

    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            return self.answer(pk)
        except PersonalDataRequest.DoesNotExist as err:
            raise Http404 from err
        except RequestNotConfirmed as err:
            status = err.data_request.get_status_display()
            messages.error(
                request,
                _("Nothing was changed: the request's status is “%(status)s”.")
                % {"status": status},
            )
            return redirect(f"{NAME}:index")

    def answer(self, pk):
        raise NotImplementedError


class DataRequestDownloadView(DataRequestActionView):
    """POST ``format``: the export of a confirmed request, which completes."""

    def answer(self, pk):
        data = answer_export(pk, user=self.request.user)
        return download_response(data, self.request.POST.get("format"))


class DataRequestEmailExportView(DataRequestActionView):
    """POST: email a confirmed export request's person a download link; the
    request completes once the mail server accepts it."""

    def answer(self, pk):
        data_request = answer_export_by_email(pk, user=self.request.user)
        return back_to_index(
            self.request,
            _(
                "A link to download their data goes to %(email)s; the request "
                "completes once the mail server accepts it."
            ),
            data_request,
        )


class DataRequestEraseView(DataRequestActionView):
    """POST: a confirmation; with ``confirm``, the erasure, which completes
    the request."""

    template_name = "wagtail_dvt/admin/personal_data_erase.html"
    page_title = _("Erase personal data")

    def answer(self, pk):
        if not self.request.POST.get("confirm"):
            with transaction.atomic():
                data_request = confirmed_request(pk, RequestKind.ERASE)
            data = export_personal_data(data_request.email)
            return self.render_to_response(
                self.get_context_data(data=data, data_request=data_request)
            )
        report_erasure(self.request, answer_erasure(pk, user=self.request.user))
        return redirect(f"{NAME}:index")


class DataRequestResendView(DataRequestActionView):
    """POST: send a pending request's confirmation email again."""

    def answer(self, pk):
        data_request = PersonalDataRequest.objects.get(pk=pk)
        if not resend_confirmation(data_request):
            raise RequestNotConfirmed(data_request)
        return back_to_index(
            self.request, _("A new confirmation link goes to %(email)s."), data_request
        )


def back_to_index(request, message, data_request):
    """Say what was done with ``data_request``, back on the index."""
    messages.success(request, message % {"email": data_request.email})
    return redirect(f"{NAME}:index")


def report_erasure(request, result):
    messages.success(
        request,
        ngettext(
            "%(count)d record of %(email)s erased.",
            "%(count)d records of %(email)s erased.",
            result.total,
        )
        % {"count": result.total, "email": result.email},
    )


class PersonalDataViewSet(ViewSet):
    name = NAME
    url_prefix = "reader-comments/personal-data"
    icon = "user"

    def get_urlpatterns(self):
        return [
            path("", PersonalDataIndexView.as_view(), name="index"),
            path("download/", PersonalDataDownloadView.as_view(), name="download"),
            path("erase/", PersonalDataEraseView.as_view(), name="erase"),
            path("requests/add/", DataRequestAddView.as_view(), name="request_add"),
            path(
                "requests/<int:pk>/resend/",
                DataRequestResendView.as_view(),
                name="request_resend",
            ),
            path(
                "requests/<int:pk>/download/",
                DataRequestDownloadView.as_view(),
                name="request_download",
            ),
            path(
                "requests/<int:pk>/email-export/",
                DataRequestEmailExportView.as_view(),
                name="request_email_export",
            ),
            path(
                "requests/<int:pk>/erase/",
                DataRequestEraseView.as_view(),
                name="request_erase",
            ),
        ]


def personal_data_menu_item():
    return ModeratorsMenuItem(
        _("Personal data"),
        reverse(f"{NAME}:index"),
        name="reader-comment-personal-data",
        icon_name="user",
        order=1110,
    )
