"""Who may moderate reader comments: one permission, checked everywhere."""

MODERATE_CODENAME = "moderate_comment"
MODERATE_PERMISSION = f"wagtail_dvt.{MODERATE_CODENAME}"


def user_can_moderate(user):
    """Whether ``user`` may see hidden comments, private fields and statuses.

    Active superusers may; everyone else needs "Can moderate reader comments".
    """
    return bool(user and user.is_active and user.has_perm(MODERATE_PERMISSION))
