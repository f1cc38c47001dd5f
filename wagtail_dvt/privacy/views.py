"""The public pages a data request's emailed links open.

The confirmation page changes nothing on a GET: mail scanners and link
previews follow links, so the person confirms with the page's button, a POST.
The export link downloads the person's data, and changes nothing either. A
link that was altered answers 400, one that expired or whose request is gone
410, and neither changes anything.
"""

from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from ..conf import get_setting
from .data_requests import RequestStatus
from .errors import PersonalDataError
from .export import download_response, export_personal_data
from .links import (
    ExpiredLink,
    InvalidLink,
    confirm,
    exported_request_for_token,
    request_for_token,
)

TEMPLATE = "wagtail_dvt/privacy/confirm_request.html"

#: The answer to each kind of unusable link: status, title, explanation.
PROBLEMS = {
    InvalidLink: (
        400,
        _("This link is not valid"),
        _("The link was changed or cut short: copy it whole from the email."),
    ),
    ExpiredLink: (
        410,
        _("This link has expired"),
        _("Confirmation links work for a limited time only."),
    ),
}
GONE = (
    410,
    _("This request no longer exists"),
    _("It was answered, withdrawn or deleted since the email was sent."),
)


@method_decorator(never_cache, name="dispatch")
class ConfirmRequestView(View):
    """GET: the request and a button; POST: the confirmation."""

    http_method_names = ["get", "post"]

    def get(self, request, token):
        return self._answer(request, token, request_for_token)

    def post(self, request, token):
        return self._answer(request, token, lambda token: confirm(token)[0])

    def _answer(self, request, token, find):
        try:
            data_request = find(token)
        except PersonalDataError as err:
            return problem_response(request, err)
        context = {
            "data_request": data_request,
            "confirmed": data_request.status != RequestStatus.PENDING,
            "title": _("Confirm your request"),
        }
        return render(request, context)


@method_decorator(never_cache, name="dispatch")
class ExportDownloadView(View):
    """GET: the person's data as a JSON file, or CSV with ``?format=csv``."""

    http_method_names = ["get"]

    def get(self, request, token):
        try:
            data_request = exported_request_for_token(token)
        except PersonalDataError as err:
            return problem_response(request, err)
        data = export_personal_data(data_request.email)
        response = download_response(data, request.GET.get("format"))
        response["Referrer-Policy"] = "no-referrer"
        return response


def problem_response(request, err):
    status, title, problem = PROBLEMS.get(type(err), GONE)
    return render(request, {"title": title, "problem": problem}, status)


def render(request, context, status=200):
    context["base_template"] = get_setting("BASE_TEMPLATE")
    response = TemplateResponse(request, TEMPLATE, context, status=status)
    # The token must not leave in a Referer header, to the site's CDN or
    # anywhere the page links.
    response["Referrer-Policy"] = "no-referrer"
    return response
