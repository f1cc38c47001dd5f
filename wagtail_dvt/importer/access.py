"""Who may import what: the rules the admin's "Import articles" enforces.

Checked when the form is sent, again on confirm, and per document when the
import runs (in a worker, perhaps much later), always against the user's
permissions of that moment. The ``import_article`` command runs with a
shell's trust and checks none of this.
"""

from __future__ import annotations

from wagtail.permission_policies.pages import PagePermissionPolicy

from ..admin.permissions import user_can_moderate
from ..models import CommentStatus, get_article_model, get_base_page_model
from .errors import DocumentError, WriteConflict
from .parser import parse_document
from .writer import article_slug


def user_may_import(user) -> bool:
    """Whether ``user`` may add pages somewhere: who sees "Import articles"."""
    return bool(
        user.is_authenticated
        and user.has_perm("wagtailadmin.access_admin")
        and PagePermissionPolicy().user_has_permission(user, "add")
    )


def user_may_publish_anywhere(user) -> bool:
    return PagePermissionPolicy().user_has_permission(user, "publish")


def parent_problem(user, parent) -> str | None:
    """Why ``user`` may not import articles under ``parent``, or None."""
    if not get_article_model().can_create_at(parent):
        return f"article pages cannot be added under {parent.title!r}"
    if not parent.permissions_for_user(user).can_add_subpage():
        return f"you may not add pages under {parent.title!r}"
    return None


def choices_problems(user, parent, *, publish: bool, comment_status: str) -> list[str]:
    """What ``user`` may not choose for an import under ``parent``.

    ``parent`` is the page the articles go under (after the locale). Overwrite
    is checked per page, by :func:`refused_documents`.
    """
    problems = []
    if problem := parent_problem(user, parent):
        problems.append(problem)
    if publish and not parent.permissions_for_user(user).can_publish_subpage():
        problems.append(
            f"you may not publish pages under {parent.title!r}; import drafts"
        )
    if comment_status == CommentStatus.APPROVED and not user_can_moderate(user):
        problems.append("only comment moderators may import comments as approved")
    if comment_status not in (CommentStatus.APPROVED, CommentStatus.PENDING):
        problems.append(f"unknown comment status {comment_status!r}")
    return problems


def refused_documents(
    user, parent, documents: list[tuple[str, bytes]], *, publish: bool, overwrite: bool
) -> dict[int, WriteConflict]:
    """The documents that would change a page ``user`` may not change, by index.

    A document updates the page of its slug under ``parent``: that needs the
    edit permission on it, and the publish permission to publish it or to
    overwrite an editor's changes. Documents that do not parse are left to the
    importer, which reports them by line.
    """
    slugs = {}
    for index, (name, data) in enumerate(documents):
        try:
            slugs[index] = (name, article_slug(parse_document(data, name)))
        except DocumentError:  # reported by the import itself, by line
            continue
    existing = {
        page.slug: page
        for page in get_base_page_model()
        .objects.child_of(parent)
        .filter(slug__in={slug for _name, slug in slugs.values()})
    }
    refused = {}
    for index, (name, slug) in slugs.items():
        page = existing.get(slug)
        if page is None:
            continue
        reason = _page_problem(user, page, publish=publish, overwrite=overwrite)
        if reason:
            refused[index] = WriteConflict(reason, source=name, line=1)
    return refused


def _page_problem(user, page, *, publish, overwrite) -> str | None:
    permissions = page.permissions_for_user(user)
    if not permissions.can_edit():
        return f"you may not edit the existing page {page.title!r}"
    if overwrite and not permissions.can_publish():
        return f"overwriting the page {page.title!r} needs the permission to publish it"
    if publish and not permissions.can_publish():
        return f"you may not publish the existing page {page.title!r}; import drafts"
    return None
