"""What the importer remembers of its own writes.

Kept apart from the page models: a record belongs to the importer, and a
site's article model (whatever it is) needs no field for it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedRevision(models.Model):
    """A page revision that ``import_article`` saved.

    A re-import replaces an article's content only while the page's latest
    revision is one of these: any later revision (an editor's draft or
    publish, a revert, a translation copy) is someone's work to keep.
    """

    revision = models.OneToOneField(
        "wagtailcore.Revision",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("revision"),
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("imported revision")
        verbose_name_plural = _("imported revisions")

    def __str__(self):
        return f"revision {self.revision_id}, imported {self.imported_at:%Y-%m-%d}"
