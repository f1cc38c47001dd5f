from django.core.management.base import BaseCommand, CommandError

from wagtail_dvt.importer import ImporterError, get_timezone
from wagtail_dvt.importer.exporter import ExportError, export_document, write_export
from wagtail_dvt.importer.lookup import PageNotFound, find_page
from wagtail_dvt.models import CommentStatus, get_article_model


class Command(BaseCommand):
    help = (
        "Write an article page in the text format import_article reads, with "
        "its approved comments."
    )

    def add_arguments(self, parser):
        parser.add_argument("page", help="page id or URL path of the article")
        parser.add_argument(
            "--output", "-o", help="file to write (default: standard output)"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the output file if it exists (it keeps its mode)",
        )
        parser.add_argument(
            "--timezone", help="time zone for comment times (default: TIME_ZONE)"
        )
        parser.add_argument(
            "--all-comments",
            action="store_true",
            help="include pending, rejected and spam comments too, marked with "
            "their status (import_article keeps them hidden); a new --output "
            "file is then readable by its owner only",
        )

    def handle(self, *args, **options):
        try:
            page = find_page(options["page"])
            timezone = get_timezone(options["timezone"])
        except (PageNotFound, ImporterError) as err:
            raise CommandError(str(err)) from err
        if not isinstance(page, get_article_model()):
            raise CommandError(f"{page.title!r} is not an article page")
        statuses = (
            CommentStatus.values
            if options["all_comments"]
            else [CommentStatus.APPROVED]
        )
        try:
            text = export_document(page, timezone=timezone, statuses=statuses)
            if options["output"]:
                write_export(
                    text,
                    options["output"],
                    force=options["force"],
                    private=options["all_comments"],
                )
        except ExportError as err:
            raise CommandError(str(err)) from err
        if not options["output"]:
            self.stdout.write(text, ending="")
