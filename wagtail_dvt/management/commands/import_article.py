import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wagtail_dvt.importer import (
    BUNDLED_DOCUMENT,
    DocumentError,
    ImporterError,
    import_document,
)
from wagtail_dvt.importer.writer import resolve_parent
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
            help="page id or URL path to import under (default: the default "
            "Site's root page)",
        )
        parser.add_argument(
            "--draft", action="store_true", help="save a revision, do not publish"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and validate, write nothing"
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

    def handle(self, *args, **options):
        try:
            parent = resolve_parent(options["parent"])
        except ImporterError as err:
            raise CommandError(str(err)) from err
        sources = list(self.expand(options["paths"] or [str(BUNDLED_DOCUMENT)]))

        results, failures = [], []
        for name, source in sources:
            try:
                result = import_document(
                    source,
                    name=name,
                    parent=parent,
                    publish=not options["draft"],
                    dry_run=options["dry_run"],
                    timezone=options["timezone"],
                    comment_status=options["comment_status"],
                )
            except DocumentError as err:
                failures.append(err)
                self.stderr.write(str(err))
            except ImporterError as err:
                raise CommandError(str(err)) from err
            else:
                results.append(result)
                if options["format"] == "text":
                    self.stdout.write(self.describe(result))

        if options["format"] == "json":
            report = {
                "documents": [result.as_dict() for result in results],
                "errors": [str(err) for err in failures],
            }
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if failures:
            raise CommandError(
                f"{len(failures)} of {len(sources)} documents failed to import"
            )

    def expand(self, paths):
        """Yield ``(name, path or bytes)`` for every document the paths name."""
        for path in paths:
            if path == STDIN:
                yield "<stdin>", sys.stdin.buffer.read()
            elif Path(path).is_dir():
                documents = sorted(Path(path).glob("*.txt"))
                if not documents:
                    raise CommandError(f"{path}: no .txt documents in this directory")
                for document in documents:
                    yield str(document), document
            else:
                yield path, path

    def describe(self, result):
        verb = f"would be {result.action}" if result.dry_run else result.action
        if result.dry_run and result.action == "unchanged":
            verb = "unchanged"
        line = (
            f"{result.source}: {verb} {result.title!r}"
            f" (page {result.page_id or '-'}, {result.url or 'not live'}):"
            f" {result.sections} sections, {result.comments} comments"
            f" ({result.comments_added} new)"
        )
        return self.style.SUCCESS(line) if result.action != "unchanged" else line
