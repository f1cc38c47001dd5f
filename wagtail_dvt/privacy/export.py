"""Export one person's data: everything the plugin holds for an address."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone

from .errors import normalize_email
from .sources import SOURCES

#: What a download of an export may be: ``format`` -> content type, renderer.
DOWNLOADS = {
    "json": ("application/json", "as_json"),
    "csv": ("text/csv", "as_csv"),
}

#: Spreadsheets run a cell that starts with one of these as a formula; a
#: reader's text must never run on a moderator's computer.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class PersonalData:
    """The records of one address, by source key (see :mod:`.sources`)."""

    email: str
    records: dict[str, list[dict]]
    exported_at: datetime = field(default_factory=timezone.now)

    @property
    def count(self) -> int:
        return sum(len(rows) for rows in self.records.values())

    def as_json(self) -> str:
        document = {
            "email": self.email,
            "exported_at": self.exported_at.isoformat(),
            **self.records,
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def as_csv(self) -> str:
        """One row per record, its source's key in the ``record`` column."""
        columns = ["record"]
        for rows in self.records.values():
            for row in rows:
                columns.extend(key for key in row if key not in columns)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for key, rows in self.records.items():
            for row in rows:
                writer.writerow(
                    {"record": key, **{k: _cell(v) for k, v in row.items()}}
                )
        return out.getvalue()


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export_personal_data(email: str) -> PersonalData:
    """Everything held for ``email`` (case-insensitive), on every Site.

    Raises :class:`~.errors.InvalidEmail` for a value that is no address.
    """
    email = normalize_email(email)
    return PersonalData(
        email=email, records={source.key: source.export(email) for source in SOURCES}
    )


def download_response(data: PersonalData, format_name: str | None) -> HttpResponse:
    """``data`` as an attachment: JSON, or CSV for ``format_name`` ``csv``."""
    content_type, render = DOWNLOADS.get(format_name, DOWNLOADS["json"])
    extension = render.removeprefix("as_")
    response = HttpResponse(getattr(data, render)(), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="personal-data.{extension}"'
    )
    return response
