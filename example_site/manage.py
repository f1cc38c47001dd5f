#!/usr/bin/env python
"""Django's command-line utility for the wagtail-dvt demo site."""

import os
import sys
from pathlib import Path


def main():
    # example_site is a package at the repository root, so make the root
    # importable however this script is invoked.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings.dev")

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
