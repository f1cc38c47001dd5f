"""Threads of reader comments: where a reply goes, what readers see of one.

Each reply stores its ``thread_id`` (the id of the thread's top-level
comment), its ``level`` (0 at the top) and a ``path``: the zero-padded ids
of its ancestors below the top, and its own. A top-level comment keeps the
defaults (no thread id, level 0, an empty path), which cost no write.
Ordering a thread by ``path`` lists every reply right after its parent,
older replies first, so a page of threads is one ordered query and never a
recursive walk, as in django-comments-xtd.

Readers see approved comments. A hidden or deleted comment whose thread
still holds an approved reply below it shows as a placeholder, "This comment
was removed", with nothing of its own: its replies stay in their place.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from ..conf import get_setting

#: Digits of each id in a ``path``: ids up to 10**12 sort as numbers do.
PATH_DIGITS = 12
PATH_SEPARATOR = "/"

#: The fields a placeholder row is emptied of: all the reader gave, and the
#: hashes of it.
PERSONAL_FIELDS = {
    "author_name": "",
    "body": "",
    "email": "",
    "ip_address": None,
    "user_agent": "",
    "entry_fingerprint": "",
    "notify_replies": False,
}


def max_depth() -> int:
    """How many levels a thread has at most: ``MAX_THREAD_DEPTH``, at least 1."""
    return max(1, int(get_setting("MAX_THREAD_DEPTH")))


def can_have_replies(level: int) -> bool:
    """Whether a comment at ``level`` (0: top level) may be answered."""
    return level + 1 < max_depth()


def path_segment(pk: int) -> str:
    return str(pk).zfill(PATH_DIGITS)


def place_in_thread(replies) -> None:
    """Give saved ``replies`` their ``thread_id``, ``level`` and ``path``.

    Parents come before their replies, or are saved already. A path holds
    the reply's own id, known only after the insert: one update for a reply,
    one bulk update for many (an import). A top-level comment needs none:
    its defaults (no thread id, level 0, an empty path) say it starts a
    thread, so posting one costs no query more than before threads.
    """
    from ..models import Comment

    replies = [reply for reply in replies if reply.parent_id is not None]
    for reply in replies:
        parent = reply.parent
        reply.thread_id = parent.thread_id or parent.pk
        reply.level = parent.level + 1
        segment = path_segment(reply.pk)
        reply.path = (
            f"{parent.path}{PATH_SEPARATOR}{segment}" if parent.path else segment
        )
    if len(replies) == 1:
        (reply,) = replies
        Comment.objects.filter(pk=reply.pk).update(
            thread_id=reply.thread_id, level=reply.level, path=reply.path
        )
    elif replies:
        Comment.objects.bulk_update(
            replies, ["thread_id", "level", "path"], batch_size=500
        )


def bulk_create_threads(comments) -> list:
    """Create ``comments``, whose parents may be among them, parents first.

    A parent is a saved comment or one of ``comments``; each level is one
    ``bulk_create`` (which places it in its threads), so an import of any
    size costs a few queries per level.
    """
    from ..models import Comment

    pending, created = list(comments), []
    while pending:
        ready = [
            comment
            for comment in pending
            if comment.parent_id is not None
            or comment.parent is None
            or comment.parent.pk is not None
        ]
        if not ready:
            raise ValueError("A reply's parent is neither saved nor being created.")
        created += Comment.objects.bulk_create(ready)
        pending = [comment for comment in pending if comment.pk is None]
    return created


def visible_threads(page_id):
    """The top-level comments of an article's threads that readers see, in order.

    A thread shows if any comment in it is approved: its top comment, or a
    reply under a hidden or deleted one.
    """
    from ..models import Comment, CommentStatus

    approved_reply = Comment.objects.filter(
        thread_id=OuterRef("pk"), status=CommentStatus.APPROVED
    )
    return (
        Comment.objects.filter(page_id=page_id, level=0)
        .filter(Q(status=CommentStatus.APPROVED) | Exists(approved_reply))
        .order_by("posted_at", "pk")
    )


def thread_comments(roots) -> list:
    """What readers see of the threads of ``roots``, in reading order.

    One query. Each comment gets ``is_placeholder``, ``reply_count`` (its
    approved replies), ``can_reply`` and ``by_article_author``; a
    placeholder's name and text are emptied, whatever was loaded.
    """
    from ..models import Comment, CommentStatus
    from .accounts import by_article_author

    order = {root.pk: position for position, root in enumerate(roots)}
    if not order:
        return []
    ids = list(order)
    rows = list(
        Comment.objects.filter(Q(pk__in=ids) | Q(thread_id__in=ids))
        .only(*Comment.PUBLIC_FIELDS, "status", "thread_id", "level", "path")
        .annotate(by_article_author=by_article_author())
        .order_by("path")  # a top-level comment's is empty: first
    )
    # Stable: each thread keeps its path order.
    rows.sort(key=lambda comment: order[comment.thread_id or comment.pk])
    by_pk = {comment.pk: comment for comment in rows}
    needed = set()
    for comment in rows:
        comment.reply_count = 0
        if comment.status == CommentStatus.APPROVED:
            needed.add(comment.pk)
            parent = by_pk.get(comment.parent_id)
            if parent is not None:
                parent.reply_count += 1
            while parent is not None and parent.pk not in needed:
                needed.add(parent.pk)
                parent = by_pk.get(parent.parent_id)
    shown = []
    for comment in rows:
        if comment.pk not in needed:
            continue
        comment.is_placeholder = comment.status != CommentStatus.APPROVED
        if comment.is_placeholder:
            comment.author_name = comment.body = ""
            comment.posted_at = None
            comment.by_article_author = False
        comment.can_reply = not comment.is_placeholder and can_have_replies(
            comment.level
        )
        shown.append(comment)
    return shown


def delete_keeping_replies(queryset):
    """Delete the comments of ``queryset``; empty those with replies instead.

    A comment with replies stays as a placeholder row, emptied of everything
    its reader gave (:data:`PERSONAL_FIELDS`), hidden and marked ``removed``,
    with the tombstone a deletion leaves, so that re-import never brings it
    back. The others are deleted outright, and leave their tombstone too.
    Returns what ``QuerySet.delete()`` returns.
    """
    from ..models import Comment, CommentStatus
    from ..tombstones import tombstone_for

    with transaction.atomic():
        pks = set(queryset.values_list("pk", flat=True))
        answered = Comment.objects.filter(parent=OuterRef("pk"))
        count, by_model = 0, {}
        # Replies first: a comment deleted with all its replies has none left.
        while pks:
            leaves = Comment.objects.filter(pk__in=pks).exclude(Exists(answered))
            leaf_pks = set(leaves.values_list("pk", flat=True))
            if not leaf_pks:
                break
            deleted, per_model = QuerySet.delete(leaves)  # not the override
            count += deleted
            for label, number in per_model.items():
                by_model[label] = by_model.get(label, 0) + number
            pks -= leaf_pks
        for comment in Comment.objects.filter(pk__in=pks, removed=False):
            tombstone_for(comment).save()
            for name, value in PERSONAL_FIELDS.items():
                setattr(comment, name, value)
            comment.status = CommentStatus.REJECTED
            comment.removed = True
            comment.save()
        return count, by_model
