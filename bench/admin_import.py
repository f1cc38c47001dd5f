"""The admin's "Import articles" against the ``import_article`` command.

Both import the same number of new documents under a fresh parent, in this
process, on the same database, taking turns. The admin's figure is the
confirmed import: the confirm POST and the task it enqueues (run by the
default backend once the confirm commits), until the job is done. The upload
with its dry run is timed apart, as an editor waits for it in step 1.

    python bench/admin_import.py [--documents 300] [--rounds 2]

Target (issue 19): the confirmed admin import at no less than 0.8x the
command's documents per second.
"""

import argparse
import io
import tempfile
import time
import zipfile
from pathlib import Path

from common import report, setup_django, variants
from import_throughput import new_parent


def command_import(parent, documents):
    from django.core.management import call_command

    with tempfile.TemporaryDirectory() as directory:
        for name, text in documents:
            (Path(directory) / name).write_text(text, encoding="utf-8")
        started = time.perf_counter()
        call_command(
            "import_article", directory, parent=str(parent.pk), stdout=io.StringIO()
        )
        return time.perf_counter() - started


def admin_import(client, parent, documents):
    """Seconds of the upload with its preview, and of the confirmed import."""
    from django.urls import reverse

    from wagtail_dvt.importer.jobs import ImportJob

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in documents:
            archive.writestr(name, text)
    buffer.seek(0)
    buffer.name = "batch.zip"
    started = time.perf_counter()
    response = client.post(
        reverse("wagtail_dvt_import:index"),
        {"parent": parent.pk, "documents": [buffer]},
    )
    upload = time.perf_counter() - started
    if response.status_code != 302:
        raise SystemExit(f"the upload was refused: {response.content[:2000]!r}")
    job = ImportJob.objects.latest("created_at")
    started = time.perf_counter()
    client.post(reverse("wagtail_dvt_import:confirm", args=[job.pk]))
    job.refresh_from_db()
    confirmed = time.perf_counter() - started
    if job.status != ImportJob.Status.DONE or job.done != len(documents):
        raise SystemExit(f"the admin import did not finish: {job}")
    if any(outcome.get("action") != "created" for outcome in job.results):
        raise SystemExit("the admin import did not create every page")
    return upload, confirmed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_superuser("bench", "bench@example.com")
    client = Client()
    client.force_login(user)

    command_times, upload_times, confirm_times = [], [], []
    for round_ in range(args.rounds):
        command_times.append(
            command_import(
                new_parent(f"Command{round_}"),
                variants(args.documents, f"command{round_}"),
            )
        )
        upload, confirmed = admin_import(
            client,
            new_parent(f"Admin{round_}"),
            variants(args.documents, f"admin{round_}"),
        )
        upload_times.append(upload)
        confirm_times.append(confirmed)

    # The best round of each: the least disturbed by the rest of the machine.
    command, confirm, upload = min(command_times), min(confirm_times), min(upload_times)
    rate = {"command": args.documents / command, "admin": args.documents / confirm}
    ratio = rate["admin"] / rate["command"]
    rows = [
        ("path", "documents", "seconds", "documents/s"),
        ("import_article", args.documents, f"{command:.2f}", f"{rate['command']:.1f}"),
        (
            "admin: confirmed import",
            args.documents,
            f"{confirm:.2f}",
            f"{rate['admin']:.1f}",
        ),
        ("admin: upload and preview", args.documents, f"{upload:.2f}", ""),
        ("admin/command", "", "", f"{ratio:.2f}x (target >= 0.8x)"),
    ]
    report(
        "admin_import",
        rows,
        {
            "documents": args.documents,
            "command_seconds": command_times,
            "admin_confirm_seconds": confirm_times,
            "admin_upload_seconds": upload_times,
            "admin_over_command": ratio,
        },
    )


if __name__ == "__main__":
    main()
