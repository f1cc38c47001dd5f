"""An import from the admin: the uploaded documents, kept until confirmed.

An :class:`ImportJob` holds what a user uploaded and chose, the dry run's
report and, once confirmed, the progress and results, so that the import can
run in a worker and the user can leave and come back. The documents are read
from this row only, never from a second upload, and are dropped once
imported. :mod:`.job_runner` fills it.
"""

from __future__ import annotations

import base64
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One upload in the admin's "Import articles", from preview to result."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    # An id, not a foreign key: a site may swap Wagtail's base page model,
    # and a parent deleted meanwhile fails the import by name.
    parent_page_id = models.PositiveIntegerField(_("parent page id"))
    #: ``locale``, ``publish``, ``overwrite`` and ``comment_status``.
    options = models.JSONField(_("options"), default=dict)
    #: ``[name, base64 bytes]`` pairs; emptied once imported.
    documents = models.JSONField(_("documents"), default=list)
    total = models.PositiveIntegerField(_("documents"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWED
    )
    #: One outcome per document (see :func:`.job_runner.outcome`), dry run then real.
    preview = models.JSONField(_("preview"), default=list)
    results = models.JSONField(_("results"), default=list)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        default_permissions = ()

    def __str__(self):
        return f"import {self.pk} ({self.status}, {self.total} documents)"

    @property
    def done(self) -> int:
        return len(self.results)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def get_documents(self) -> list[tuple[str, bytes]]:
        return [(name, base64.b64decode(data)) for name, data in self.documents]
