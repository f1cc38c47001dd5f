"""The unsubscribe pages of reply notifications: no login, no address shown.

The link in each email (``List-Unsubscribe``) holds a signed token of the
address's keyed hash (:func:`~.subscriptions.unsubscribe_token`):

- a ``POST`` to it stops reply notifications to that address, with no login
  and no CSRF token, as RFC 8058's one-click unsubscribe sends it from the
  reader's mail program;
- a ``GET`` opens a page that asks to confirm that (a link checker or a
  mail scanner that follows the link stops nothing) and also offers to stop
  every email from the site to the address, a form ``POST`` that Django's
  CSRF protection covers as usual.
"""

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from .subscriptions import MailScope, read_unsubscribe_token, suppress

TEMPLATE = "wagtail_dvt/mail/unsubscribe.html"


def token_hash(token):
    """The address hash in ``token``; 404 for a forged or cut one."""
    email_hash = read_unsubscribe_token(token)
    if email_hash is None:
        raise Http404("This unsubscribe link is not valid.")
    return email_hash


@method_decorator(never_cache, name="dispatch")
class UnsubscribeView(View):
    """The page of an unsubscribe link, and its one-click ``POST``."""

    scope = MailScope.REPLIES

    def get(self, request, token):
        token_hash(token)
        return self.render(request, token, done=None)

    def post(self, request, token):
        suppress(token_hash(token), self.scope)
        return self.render(request, token, done=self.scope)

    def render(self, request, token, *, done):
        return TemplateResponse(
            request,
            TEMPLATE,
            {"token": token, "done": done, "scopes": MailScope},
        )


class StopAllMailView(UnsubscribeView):
    """Stop every email from the site to the address: the page's second form."""

    http_method_names = ["post"]
    scope = MailScope.ALL
