"""Names an anonymous reader may not take: the article's author's and the staff's.

A reader who is not signed in types any name; this refuses the ones that
pass for the article's ``author`` or for a staff user (an active user who can
sign in to Wagtail's or Django's admin: a superuser, a user with Wagtail's
"Can access Wagtail admin" permission, directly or through a group, or
``is_staff``), by their full name or username. Names are compared twice:

- once folded (:func:`~wagtail_dvt.comments.text.fold`: case, width,
  invisible characters), with runs of spaces as one;
- then by their confusable skeleton (Unicode TR39, "Hamish Negі" with a
  Cyrillic "і" is "Hamish Negi"), from the ``confusable-homoglyphs``
  package's copy of Unicode's ``confusables.txt``.

Signed-in readers comment under their account's name and are not checked.
"""

from __future__ import annotations

import functools
import unicodedata

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .text import fold

#: Direction marks the confusables data wraps right-to-left characters in.
_DIRECTION_MARKS = str.maketrans("", "", "\u200e\u200f")


def comparable(name: str) -> str:
    """``name`` folded, its whitespace runs as one space: the exact comparison."""
    return " ".join(fold(name).split())


def skeleton(name: str, *, folded: bool = True) -> str:
    """The confusable skeleton of ``name``: equal for names that look alike.

    TR39's skeleton: the name decomposed (NFD), each character replaced by
    the stand-in of its class of confusables (:func:`_prototypes`). Of the
    folded name by default; ``folded=False`` keeps the case, where capitals
    of other scripts look like Latin ones ("Η", Greek Eta, is "H"; folded,
    it is "η", which is not "h").
    """
    if folded:
        text = comparable(name)
    else:
        text = " ".join(unicodedata.normalize("NFKC", name).split())
        text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    text = unicodedata.normalize("NFD", text)
    prototypes = _prototypes()
    return "".join(prototypes.get(char, char) for char in text)


def lookalikes(name: str) -> tuple[str, str, str]:
    """What two names are compared by: folded, and both skeletons."""
    return comparable(name), skeleton(name), skeleton(name, folded=False)


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character, and the string standing for its class.

    ``confusable-homoglyphs`` lists, for each character of
    ``confusables.txt``, the characters it is confusable with, in both
    directions. TR39 maps every character to one prototype, which maps to
    itself, so these links form one star per prototype: every character of
    a star gets the same stand-in. That is the prototype where it is a
    sequence ("m" looks like "rn"), spelt in its own characters' stand-ins;
    otherwise any fixed member of the star.
    """
    from confusable_homoglyphs.confusables import confusables_data

    parent: dict[str, str] = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for char, homoglyphs in confusables_data.items():
        char = char.translate(_DIRECTION_MARKS)
        for homoglyph in homoglyphs:
            a, b = root(char), root(homoglyph["c"].translate(_DIRECTION_MARKS))
            if a != b:
                parent[max(a, b)] = min(a, b)
    stars: dict[str, list[str]] = {}
    for node in list(parent):
        stars.setdefault(root(node), []).append(node)
    singles = {
        node: min(members)
        for members in stars.values()
        for node in members
        if len(node) == 1
    }
    prototypes = {}
    for members in stars.values():
        sequences = [node for node in members if len(node) > 1]
        if not sequences:
            continue
        stand_in = "".join(singles.get(char, char) for char in sequences[0])
        for node in members:
            if len(node) == 1:
                singles[node] = stand_in
    prototypes.update(singles)
    return prototypes


def staff_names() -> list[str]:
    """The full names and usernames of active staff users, in one query."""
    User = get_user_model()
    fields = {field.name for field in User._meta.get_fields()}
    staff = Q(pk__in=[])
    if "is_staff" in fields:
        staff |= Q(is_staff=True)
    if "is_superuser" in fields:
        staff |= Q(is_superuser=True)
    # Wagtail's "Can access Wagtail admin", given directly or through a group.
    for path, field in [
        ("user_permissions", "user_permissions"),
        ("groups__permissions", "groups"),
    ]:
        if field in fields:
            staff |= Q(
                **{
                    f"{path}__codename": "access_admin",
                    f"{path}__content_type__app_label": "wagtailadmin",
                }
            )
    users = User.objects.filter(staff)
    if "is_active" in fields:
        users = users.filter(is_active=True)
    names = []
    for user in users.distinct():
        get_full_name = getattr(user, "get_full_name", None)
        names += [get_full_name() if get_full_name else "", user.get_username()]
    return [name for name in names if name.strip()]


#: The error of a name that passes for a protected one.
NAME_TAKEN_MESSAGE = _(
    "This name belongs to the article's author or to a member of staff. "
    "Please choose another, or sign in."
)


def impersonates(name: str, article) -> bool:
    """Whether ``name`` passes for the article's author or a staff user's name.

    As typed (folded) or as a lookalike (a skeleton in common). Reads the
    staff users once: one query.
    """
    typed = lookalikes(name)
    if not typed[0]:
        return False
    for other in [article.author, *staff_names()]:
        protected = lookalikes(other)
        if protected[0] and any(a == b for a, b in zip(typed, protected, strict=True)):
            return True
    return False
