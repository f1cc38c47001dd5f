"""Deprecated alias of :mod:`wagtail_dvt.importer.exporter`, kept for one release."""

import sys
import warnings

from .importer import exporter

warnings.warn(
    "wagtail_dvt.exporter moved to wagtail_dvt.importer.exporter; "
    "this alias goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = exporter
