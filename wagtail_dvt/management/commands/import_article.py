import json
import sys
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wagtail_dvt.conf import get_setting
from wagtail_dvt.importer import (
    BUNDLED_DOCUMENT,
    DocumentError,
    ImporterError,
    documents_in,
    import_documents,
)
from wagtail_dvt.models import CommentStatus

STDIN = "-"


class Command(BaseCommand):
    help = (
        "Import articles in the blog export format as ArticlePages with their "
        "reader comments. With no PATH, imports the bundled DVT article."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="*",
            metavar="PATH",
            help="a document, a directory of .txt documents, or - for stdin",
        )
        parser.add_argument(
            "--parent",
            help="page id, URL path (/fr/blog/) or URL (https://b.example.com/"
            "blog/) to import under (default: the default Site's root page)",
        )
        parser.add_argument(
            "--locale",
            help="import under the parent's translation in this language (fr)",
        )
        parser.add_argument(
            "--draft", action="store_true", help="save a revision, do not publish"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and validate, write nothing"
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace the content of pages edited in Wagtail since the last "
            "import (their comments are kept)",
        )
        parser.add_argument(
            "--restore-missing",
            action="store_true",
            help="add back the comments an article lacked when first imported "
            "after an upgrade from 0.1.x (by default they count as deleted)",
        )
        parser.add_argument(
            "--timezone", help="time zone of comment times (default: TIME_ZONE)"
        )
        parser.add_argument(
            "--comment-status",
            choices=[CommentStatus.APPROVED, CommentStatus.PENDING],
            help="status of imported comments (default: approved)",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=100,
            help="documents written per transaction (default: 100)",
        )

    def handle(self, *args, **options):
        as_json = options["format"] == "json"
        sources = list(self.expand(options["paths"] or [str(BUNDLED_DOCUMENT)]))
        progress = ProgressBar(self.stderr, len(sources), enabled=not as_json)
        started = time.monotonic()
        results, failures = [], []
        try:
            for outcome in import_documents(
                sources,
                parent=options["parent"],
                locale=options["locale"],
                publish=not options["draft"],
                dry_run=options["dry_run"],
                overwrite=options["overwrite"],
                timezone=options["timezone"],
                comment_status=options["comment_status"],
                restore_missing=options["restore_missing"],
                batch_size=options["batch_size"],
            ):
                if isinstance(outcome, DocumentError):
                    failures.append(outcome)
                    progress.write(self.stderr, str(outcome))
                else:
                    results.append(outcome)
                    if not as_json:
                        progress.write(self.stdout, self.describe(outcome))
                progress.advance()
        except ImporterError as err:
            raise CommandError(str(err)) from err
        finally:
            progress.close()

        summary = self.summarize(results, failures, time.monotonic() - started)
        if as_json:
            report = {
                "documents": [result.as_dict() for result in results],
                "errors": [str(err) for err in failures],
                "summary": summary,
            }
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        elif len(sources) > 1 or failures:
            self.stdout.write(self.describe_summary(summary))
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(sources)} documents failed to import"
            )

    def expand(self, paths):
        """Yield a path or a ``(name, bytes)`` pair for every document named."""
        for path in paths:
            if path == STDIN:
                # One byte past the cap, so that the importer can refuse it.
                limit = get_setting("IMPORT_MAX_BYTES")
                yield "<stdin>", sys.stdin.buffer.read(limit + 1)
            elif Path(path).is_dir():
                documents = documents_in(path)
                if not documents:
                    raise CommandError(f"{path}: no .txt documents in this directory")
                yield from documents
            else:
                yield path

    def describe(self, result):
        verb = result.action
        if result.dry_run and result.action not in ("unchanged", "kept"):
            verb = f"would be {result.action}"
        if result.page_id is None:
            where = "a new page"
        else:
            where = f"page {result.page_id}, {result.url or 'not live'}"
        line = (
            f"{result.source}: {verb} {result.title!r} ({where}):"
            f" {result.sections} sections, {result.comments} comments"
            f" ({result.comments_added} new"
        )
        if result.comments_deleted:
            line += f", {result.comments_deleted} deleted by moderators not restored"
        if result.comments_missing:
            line += (
                f", {result.comments_missing} missing since the upgrade not "
                "restored (--restore-missing adds them)"
            )
        if result.comments_in_source_locale:
            line += (
                f", {result.comments_in_source_locale} left to the article in "
                "the document's locale"
            )
        line += ")"
        if result.action == "kept":
            return self.style.WARNING(
                f"{line}; content {result.reason}, use --overwrite to replace it"
            )
        return self.style.SUCCESS(line) if result.action != "unchanged" else line

    @staticmethod
    def summarize(results, failures, seconds):
        actions = Counter(result.action for result in results)
        total = len(results) + len(failures)
        return {
            "documents": total,
            "created": actions["created"],
            "updated": actions["updated"],
            "unchanged": actions["unchanged"],
            "kept": actions["kept"],
            "failed": len(failures),
            "comments_added": sum(result.comments_added for result in results),
            "comments_deleted": sum(result.comments_deleted for result in results),
            "comments_missing": sum(result.comments_missing for result in results),
            "seconds": round(seconds, 3),
            "documents_per_second": round(total / seconds, 1) if seconds else None,
        }

    @staticmethod
    def describe_summary(summary):
        return (
            f"{summary['documents']} documents: {summary['created']} created, "
            f"{summary['updated']} updated, {summary['unchanged']} unchanged, "
            f"{summary['kept']} kept, {summary['failed']} failed; "
            f"{summary['comments_added']} comments added in {summary['seconds']:.1f} s "
            f"({summary['documents_per_second']} documents/s)"
        )


class ProgressBar:
    """A one-line progress bar on a terminal; silent when output is piped.

    Lines printed meanwhile go through :meth:`write`, which clears the bar
    first, so that reports and the bar never garble each other.
    """

    WIDTH = 30

    def __init__(self, stream, total, *, enabled=True):
        isatty = getattr(stream._out, "isatty", lambda: False)
        self.stream, self.total, self.done = stream, total, 0
        self.enabled = enabled and total > 1 and isatty()

    def write(self, stream, line):
        self.clear()
        stream.write(line)
        self.draw()

    def advance(self):
        self.done += 1
        self.draw()

    def draw(self):
        if self.enabled:
            filled = self.WIDTH * self.done // self.total
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.stream._out.write(f"\r[{bar}] {self.done}/{self.total}")
            self.stream._out.flush()

    def clear(self):
        if self.enabled:
            self.stream._out.write("\r\x1b[K")

    def close(self):
        self.clear()
