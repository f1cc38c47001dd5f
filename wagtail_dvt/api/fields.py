"""Deprecated: moved to :mod:`wagtail_dvt.api_fields`; removed in the next release."""

import warnings

from .. import api_fields


def __getattr__(name):
    value = getattr(api_fields, name)
    warnings.warn(
        f"wagtail_dvt.api.fields.{name} moved to wagtail_dvt.api_fields.{name}",
        DeprecationWarning,
        stacklevel=2,
    )
    return value
