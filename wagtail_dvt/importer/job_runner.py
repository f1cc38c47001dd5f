"""Create, check and run :class:`~.jobs.ImportJob` rows through the import service.

The admin view and the task call these; the rules live in :mod:`.access`.
"""

from __future__ import annotations

import base64

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .access import choices_problems, refused_documents
from .errors import DocumentError, ImporterError
from .jobs import ImportJob
from .service import import_documents
from .writer import resolve_parent

#: Documents written per transaction; the job's progress moves per batch.
BATCH_SIZE = 50


def create_job(user, parent, documents, **options) -> ImportJob:
    """Store an upload and its dry run; nothing else is written."""
    job = ImportJob(
        user=user,
        parent_page_id=parent.pk,
        options=options,
        total=len(documents),
        documents=[
            [name, base64.b64encode(data).decode("ascii")] for name, data in documents
        ],
    )
    job.preview = _import(job, documents, dry_run=True)
    job.save()
    return job


def problems(job: ImportJob) -> list[str]:
    """What the job's user may not do with its choices, as of now."""
    options = job.options
    try:
        parent = resolve_parent(
            job.parent_page_id, locale=options.get("locale") or None
        )
    except ImporterError as err:
        return [str(err)]
    return choices_problems(
        job.user,
        parent,
        publish=options["publish"],
        comment_status=options["comment_status"],
    )


def run_job(job_id) -> None:
    """Import a confirmed job's documents, resuming after those done.

    Idempotent: a finished job is left alone, and each batch commits with the
    job's progress, so a retry after a crash imports only what remains.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (
            ImportJob.Status.QUEUED,
            ImportJob.Status.RUNNING,
        ):
            return
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status", "updated_at"])
    documents = job.get_documents()
    try:
        if refusal := problems(job):
            raise ImporterError("; ".join(refusal))
        for start in range(job.done, len(documents), BATCH_SIZE):
            batch = documents[start : start + BATCH_SIZE]
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.done != start:  # another run got here first
                    return
                locked.results += _import(job, batch, dry_run=False)
                locked.save(update_fields=["results", "updated_at"])
    except ImporterError as err:
        _finish(job.pk, ImportJob.Status.FAILED, error=str(err))
        return
    except Exception:
        _finish(job.pk, ImportJob.Status.FAILED, error=str(_("The import failed.")))
        raise
    _finish(job.pk, ImportJob.Status.DONE)


def _finish(job_id, status, error=""):
    # The documents are no longer needed: the pages hold them now.
    ImportJob.objects.filter(pk=job_id).update(status=status, error=error, documents=[])


def _import(job: ImportJob, documents, *, dry_run: bool) -> list[dict]:
    """Run the import service on ``documents``, checking each page's rights."""
    options = job.options
    locale = options.get("locale") or None
    parent = resolve_parent(job.parent_page_id, locale=locale)
    refused = refused_documents(
        job.user,
        parent,
        documents,
        publish=options["publish"],
        overwrite=options["overwrite"],
    )
    allowed = [doc for index, doc in enumerate(documents) if index not in refused]
    outcomes = iter(
        import_documents(
            allowed,
            parent=parent,
            publish=options["publish"],
            overwrite=options["overwrite"],
            comment_status=options["comment_status"],
            dry_run=dry_run,
            user=job.user,
            batch_size=max(len(allowed), 1),
        )
    )
    return [
        outcome(refused[index] if index in refused else next(outcomes))
        for index in range(len(documents))
    ]


def outcome(result) -> dict:
    """What one document did, as JSON: an ``ImportResult`` or its error."""
    if isinstance(result, DocumentError):
        return {"source": result.source, "error": str(result)}
    return result.as_dict()
