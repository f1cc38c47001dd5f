"""Deprecated alias of :mod:`wagtail_dvt.comments.admission`, kept for one release."""

import sys
import warnings

from .comments import admission

warnings.warn(
    "wagtail_dvt.admission moved to wagtail_dvt.comments.admission; "
    "this alias goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = admission
