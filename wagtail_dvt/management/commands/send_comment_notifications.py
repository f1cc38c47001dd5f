from django.core.management.base import BaseCommand, CommandError

from wagtail_dvt.comments.notifications import send_due_notifications
from wagtail_dvt.comments.reply_notifications import send_due_reply_notifications
from wagtail_dvt.conf import get_setting


class Command(BaseCommand):
    help = (
        "Email moderators the reader comments waiting for moderation, if "
        "NOTIFY_INTERVAL has passed since the last batch, readers who opted "
        "in the replies due to them, and resume a batch whose sender died once "
        "its MAIL_LEASE has ended. Run it from cron at least once per interval "
        "on a site without a task worker."
    )

    def handle(self, *args, **options):
        replies = send_due_reply_notifications()
        if replies.emails or replies.failed:
            self.stdout.write(
                f"Emailed {replies.emails} reader(s) about {replies.replies} "
                f"reply(ies); {replies.failed} could not be sent."
            )
        if not get_setting("NOTIFY_MODERATORS"):
            self.stdout.write("Moderator notifications are off (NOTIFY_MODERATORS).")
            return
        result = send_due_notifications()
        if result.failed and not result.emails:
            raise CommandError(
                f"Could not email {result.failed} moderator(s); the comments "
                "stay waiting for the next run (see the log for the error)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Announced {result.comments} comment(s) in {result.emails} email(s)."
            )
        )
        if result.failed:
            self.stderr.write(f"Could not email {result.failed} moderator(s).")
