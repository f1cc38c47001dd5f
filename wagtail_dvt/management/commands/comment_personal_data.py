import sys

from django.core.management.base import BaseCommand, CommandError

from wagtail_dvt.privacy import (
    PersonalDataError,
    erase_personal_data,
    export_personal_data,
    prune_personal_data,
)


class Command(BaseCommand):
    help = (
        "Answer a person's data request: export (JSON, or CSV with --format "
        "csv) or erase what the comments hold for EMAIL; or prune IP addresses "
        "and user agents older than IP_RETENTION_DAYS, data requests older "
        "than PERSONAL_DATA_REQUEST_RETENTION_DAYS and the records of expired "
        "comment tokens (safe to run often)."
    )
    # Where the erase question is read from; tests pass their own.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase", "prune"])
        parser.add_argument("email", nargs="?", help="The person's email address.")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--yes", action="store_true", help="Erase without asking first."
        )

    def handle(self, *args, action, email, **options):
        if action == "prune":
            pruned = prune_personal_data()
            cleared = pruned.client_data
            self.stdout.write(
                self.style.SUCCESS(
                    f"Cleared the IP address and user agent of {cleared.rows_cleared} "
                    f"row(s); forgot {cleared.clients_forgotten} client address(es); "
                    f"deleted {pruned.requests_deleted} old data request(s) and "
                    f"{pruned.tokens_deleted} expired token record(s)."
                )
            )
            return
        if not email:
            raise CommandError(f"{action} needs the person's EMAIL.")
        try:
            data = export_personal_data(email)
            if action == "export":
                text = data.as_csv() if options["format"] == "csv" else data.as_json()
                self.stdout.write(text, ending="")
                return
            if not options["yes"] and not self._confirmed(data, options):
                self.stdout.write("Erasure cancelled; nothing was changed.")
                return
            result = erase_personal_data(email)
        except PersonalDataError as err:
            raise CommandError(str(err)) from err
        counts = ", ".join(f"{count} {key}" for key, count in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Erased {result.email}: {counts}."))

    def _confirmed(self, data, options):
        counts = ", ".join(f"{len(rows)} {key}" for key, rows in data.records.items())
        self.stdout.write(
            f"Erase the personal data of {data.email} ({counts})? "
            "Names become “Anonymous”; this cannot be undone. [y/N] ",
            ending="",
        )
        self.stdout.flush()
        answer = options.get("stdin", sys.stdin).readline()
        return answer.strip().lower() in ("y", "yes")
