"""Signals other apps can connect to.

``comments_changed`` is sent with ``article`` (the specific article page) once
per affected article for every committed change to what the article shows of
its reader comments: a comment approved, rejected, marked spam, edited or
deleted while public (singly or in a bulk action), a new comment published at
once, or comments opened or closed. It is sent by a task
(``announce_comments_changed``) enqueued when the transaction commits, so
receivers see the new state, run outside the request, and a rolled-back change
sends nothing. A task may run again: make receivers idempotent::

    from django.dispatch import receiver
    from wagtail_dvt.signals import comments_changed

    @receiver(comments_changed)
    def revalidate_front_end(sender, article, **kwargs):
        ...  # e.g. POST the article's path to a Next.js revalidation webhook

A receiver that raises is logged, never shown to the moderator, and does not
keep the other receivers from running.
"""

from django.dispatch import Signal

comments_changed = Signal()
