"""Forms for reader comments.

:class:`CommentFieldsForm` holds what a reader types, with the length limits
from the settings; :func:`~wagtail_dvt.comments.admission.submit_comment`
validates with it, so the page's form and the API share one set of rules.
:class:`CommentForm` is the article page's form: those fields plus a honeypot
and a signed timestamp token, as django-contrib-comments does.
"""

import secrets
import time

from django import forms
from django.core import signing
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from ..conf import get_setting
from ..models import validate_one_line
from .accounts import account_name, signed_in
from .text import store_newlines, without_bidi_controls

# The model's column width; a larger setting cannot raise it.
NAME_COLUMN_LENGTH = 255
EMAIL_MAX_LENGTH = 254
TOKEN_SALT = "wagtail_dvt.comment-form"  # noqa: S105 - a signing salt


class StoredTextField(forms.CharField):
    """A text field whose value, and so its length, is what will be stored.

    Browsers send each line break as CRLF but count it as one character
    against the textarea's ``maxlength``; the text is stored with LF. The
    length validators run on the stored form, so the limits agree.
    """

    def to_python(self, value):
        return store_newlines(super().to_python(value))


class NameField(forms.CharField):
    """A reader's name, without direction controls.

    A right-to-left override makes ``\u202enimda`` show as "admin" and turns
    around whatever follows the name on the page; the controls are invisible,
    so taking them out loses nothing the reader meant to show.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return without_bidi_controls(value).strip() if value else value


class CommentFieldsForm(forms.Form):
    """A reader's name, optional email and comment text."""

    author_name = NameField(label=_("Name"), validators=[validate_one_line])
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("Only moderators see it. It is never published."),
    )
    body = StoredTextField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read on each use, so that override_settings and reconfiguration work.
        name_max = min(get_setting("COMMENT_NAME_MAX_LENGTH"), NAME_COLUMN_LENGTH)
        self._set_max_length("author_name", name_max)
        self._set_max_length("body", get_setting("COMMENT_BODY_MAX_LENGTH"))

    def _set_max_length(self, name, max_length):
        field = self.fields[name]
        field.max_length = max_length
        field.validators.append(MaxLengthValidator(max_length))
        field.widget.attrs["maxlength"] = str(max_length)


class FormTokenSigner(signing.TimestampSigner):
    """Signs the page id and a nonce with the time the form was rendered, to the
    millisecond.

    Django's whole-second timestamps could pass a form posted 1.1 s after it
    was shown as 2 s old; milliseconds keep the minimum age exact. The nonce
    makes each token unique, so that two readers who load a page in the same
    millisecond can each spend their own (a token serves one comment).
    """

    #: Subclasses sign other kinds of token with a salt of their own, so that
    #: one kind can never be passed off as another.
    token_salt = TOKEN_SALT

    def __init__(self):
        super().__init__(salt=self.token_salt)

    def timestamp(self):
        return signing.b62_encode(int(time.time() * 1000))

    def age(self, token, page_id):
        """Seconds since ``token`` was made for page ``page_id``.

        Raises :class:`~django.core.signing.SignatureExpired` when it is older
        than ``FORM_TOKEN_MAX_AGE`` and :class:`~django.core.signing.BadSignature`
        when it is forged, malformed or made for another page.
        """
        # The plain Signer checks the signature; the timestamp is ours to read.
        value = signing.Signer.unsign(self, token)
        signed, _sep, stamp = value.rpartition(self.sep)
        # "page:nonce", or "page" in tokens made before nonces.
        signed_page_id = signed.partition(self.sep)[0]
        if signed_page_id != str(page_id):
            raise signing.BadSignature("The token belongs to another page.")
        try:
            age = time.time() - signing.b62_decode(stamp) / 1000
        except ValueError as err:
            raise signing.BadSignature("Malformed timestamp.") from err
        if age > get_setting("FORM_TOKEN_MAX_AGE"):
            raise signing.SignatureExpired(f"The token is {age:.0f} s old.")
        return age

    def problem(self, token, page_id) -> str | None:
        """What is wrong with ``token`` for page ``page_id``, or ``None``.

        ``"expired"``, ``"bad_token"`` or ``"too_fast"`` (younger than
        ``FORM_TOKEN_MIN_AGE``): the form and the API map these to errors of
        their own, so the rules live here once.
        """
        try:
            age = self.age(token, page_id)
        except signing.SignatureExpired:
            return "expired"
        except signing.BadSignature:
            return "bad_token"
        if age < get_setting("FORM_TOKEN_MIN_AGE"):
            return "too_fast"
        return None

    def make(self, page_id) -> str:
        """A fresh, unique token for page ``page_id``."""
        return self.sign(f"{page_id}{self.sep}{secrets.token_urlsafe(8)}")


def make_form_token(page):
    """A fresh token for the comment form on ``page``."""
    return FormTokenSigner().make(page.pk)


class FreshValueField(forms.CharField):
    """A field that always renders its initial value, even in a bound form.

    A re-rendered form must carry a new token and an empty honeypot, not what
    was posted; validation still uses the posted value.
    """

    def bound_data(self, data, initial):
        return initial


class CommentForm(CommentFieldsForm):
    """The "Write a comment" form on an article page.

    Adds a honeypot that people leave empty (it is hidden from them) and a
    signed token that must be between ``FORM_TOKEN_MIN_AGE`` and
    ``FORM_TOKEN_MAX_AGE`` seconds old: bots post at once or replay old forms.
    """

    honeypot = FreshValueField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = FreshValueField(widget=forms.HiddenInput)
    # The comment replied to, from the "Reply" link (see comments.views).
    parent = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    # Off unless ticked; needs the email (see comments.reply_notifications).
    notify_replies = forms.BooleanField(
        label=_("Email me when someone replies"), required=False
    )
    # Read by comment-form.js in the browser only; the server stores nothing
    # of it (see wagtail_dvt.privacy).
    remember = forms.BooleanField(
        label=_("Save my name and email in this browser for the next time I comment."),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-dvt-remember": ""}),
    )

    error_messages = {
        "rejected": _("Sorry, your comment could not be accepted."),
        "too_fast": _("That was quick! Please check your comment, then send it again."),
        "expired": _("This form has expired. Please send your comment again."),
        "bad_token": _("This form is invalid. Please send your comment again."),
    }

    #: The fields a signed-in reader's account fills in: the form leaves
    #: them out, and ignores them when posted (see comments.accounts).
    ACCOUNT_FIELDS = ("author_name", "email", "remember")

    def __init__(self, *args, page, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["token"].initial = make_form_token(page)
        self.fields["token"].required = False  # A missing token is a form error.
        #: The name a signed-in reader comments under; ``None`` if anonymous.
        self.commenting_as = account_name(user) if signed_in(user) else None
        if self.commenting_as is not None:
            for name in self.ACCOUNT_FIELDS:
                del self.fields[name]
        if not get_setting("NOTIFY_REPLIES"):
            del self.fields["notify_replies"]

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("honeypot"):
            raise forms.ValidationError(
                self.error_messages["rejected"], code="honeypot"
            )
        token = cleaned_data.get("token") or ""
        problem = FormTokenSigner().problem(token, self.page.pk)
        if problem:
            raise forms.ValidationError(self.error_messages[problem], code=problem)
        return cleaned_data

    def comment_fields(self):
        """The cleaned reader's fields and token, as :func:`submit_comment` takes
        them: the token is spent with the comment."""
        fields = {
            name: self.cleaned_data.get(name, "")
            for name in ("author_name", "email", "body", "token", "parent")
        }
        fields["notify_replies"] = self.cleaned_data.get("notify_replies", False)
        return fields
