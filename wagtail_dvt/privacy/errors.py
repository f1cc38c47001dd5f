"""Errors of a person's data request, turned into messages by the callers."""


class PersonalDataError(Exception):
    """A data request that cannot be answered as asked."""


class InvalidEmail(PersonalDataError):
    """The request names no valid email address."""

    def __init__(self, email):
        super().__init__(f"{email!r} is not an email address.")
        self.email = email


def normalize_email(email: str) -> str:
    """``email`` trimmed and validated; raises :class:`InvalidEmail`."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    normalized = (email or "").strip()
    try:
        validate_email(normalized)
    except ValidationError as err:
        raise InvalidEmail(email) from err
    return normalized
