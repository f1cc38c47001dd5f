"""The moderators' comment edit form, which refuses a save from a stale copy.

Two moderators may open the same comment. If one redacts it or marks it spam
(or a bulk action, an automatic hide or an erasure does), a save from the
other's older form would silently bring the old text and status back. So the
form carries the version of the comment it was opened on, and a save is
refused when the comment has changed since: the moderator is told what
changed, and saving again, once seen, replaces it.

The version is a digest of the fields moderators edit, so any write to them,
through the ORM's ``save()`` or ``update()`` alike, makes an open form stale,
while writes to other fields (clearing old IP addresses) do not. No schema
change is needed.
"""

import hashlib

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

#: The fields whose change makes an open edit form stale, with the wording
#: that tells a moderator how each now reads.
VERSIONED_FIELDS = {
    "status": _("The status is now “%(value)s”."),
    "author_name": _("The name is now “%(value)s”."),
    "body": _("The text now reads: “%(value)s”"),
}


def _field_digest(value):
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:16]


def comment_version(comment):
    """The version of ``comment``'s moderated fields, one digest per field."""
    return ".".join(_field_digest(getattr(comment, name)) for name in VERSIONED_FIELDS)


def changed_since(version, comment):
    """The names of the moderated fields that changed since ``version``."""
    seen = version.split(".")
    return [
        name
        for position, name in enumerate(VERSIONED_FIELDS)
        if position >= len(seen)
        or seen[position] != _field_digest(getattr(comment, name))
    ]


def _describe(comment, name):
    if name == "status":
        value = comment.get_status_display()
    elif name == "body":
        value = comment.excerpt(200)
    else:
        value = getattr(comment, name)
    return VERSIONED_FIELDS[name] % {"value": value}


class CommentEditForm(WagtailAdminModelForm):
    """Refuses a save made from a form opened on an older version of the comment.

    The edit view loads the comment under a row lock before validating, so
    that the comparison and the save see the same row (see
    :class:`~wagtail_dvt.admin.viewsets.CommentEditView`).
    """

    version = forms.CharField(widget=forms.HiddenInput, required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["version"] = comment_version(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        # Still the stored values here: the form copies its data onto the
        # instance only after clean().
        current = comment_version(self.instance)
        changed = changed_since(
            self.data.get(self.add_prefix("version"), ""), self.instance
        )
        if changed:
            # Shown once: saving again from this form replaces what changed.
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = current
            raise ValidationError(
                [
                    ValidationError(
                        _(
                            "This comment was changed since you opened it. "
                            "Check the changes; saving again replaces them "
                            "with your version."
                        ),
                        code="stale",
                    ),
                    *(
                        ValidationError(_describe(self.instance, name), code="stale")
                        for name in changed
                    ),
                ]
            )
        return cleaned_data

    def save(self, commit=True):
        from ..comments.reports import CommentReport, clear_reports, moderator_saves
        from ..models import CommentStatus

        comment = self.instance
        approved = self.cleaned_data.get("status") == CommentStatus.APPROVED and (
            "status" in self.changed_data
            or CommentReport.objects.filter(comment=comment).exists()
        )
        moderator_saves(
            comment, approved=approved, text_edited="body" in self.changed_data
        )
        saved = super().save(commit=commit)
        if approved:
            clear_reports([comment.pk], mark=False)
        return saved
