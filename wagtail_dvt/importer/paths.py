"""Where the document bundled with the package lives."""

from pathlib import Path

BUNDLED_DOCUMENT = (
    Path(__file__).resolve().parent.parent
    / "documents"
    / "dvt-interventional-radiology.txt"
)
